// Package tenancy holds districts (区) and the towns (乡镇/街道) that are the
// platform's tenants. Creating a town also creates the root of its party
// organisation tree, the town party committee (镇党委).
package tenancy

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/org"
)

// District is a district (区) whose organisation department oversees its towns.
type District struct {
	bun.BaseModel `bun:"table:districts,alias:d"`

	ID        int64     `bun:"id,pk,autoincrement"`
	Name      string    `bun:"name"`
	Code      string    `bun:"code"`
	CreatedAt time.Time `bun:"created_at"`
}

// Town is a town or sub-district (乡镇/街道): one tenant.
type Town struct {
	bun.BaseModel `bun:"table:tenants,alias:t"`

	ID         int64     `bun:"id,pk,autoincrement"`
	DistrictID int64     `bun:"district_id"`
	Name       string    `bun:"name"`
	Code       string    `bun:"code"`
	Timezone   string    `bun:"timezone"`
	CreatedAt  time.Time `bun:"created_at"`
}

// Service manages districts and towns.
type Service struct {
	db    *db.DB
	authz *authz.Authorizer
	orgs  *org.Service
	// districtCreated are called after a district is created and committed.
	districtCreated []func(ctx context.Context, d *District) error
}

// OnDistrictCreate registers f to run after each district is created (for
// example to install the district's default task templates). Call it while
// wiring the application, before serving.
func (s *Service) OnDistrictCreate(f func(ctx context.Context, d *District) error) {
	s.districtCreated = append(s.districtCreated, f)
}

// NewService returns a Service.
func NewService(d *db.DB, az *authz.Authorizer, orgs *org.Service) *Service {
	return &Service{db: d, authz: az, orgs: orgs}
}

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,31}$`)

func validName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 2 || n > 30 {
		return "", apperr.Invalid(field, "名称须为 2 到 30 个字")
	}
	return name, nil
}

func validCode(code string) (string, error) {
	code = strings.ToLower(strings.TrimSpace(code))
	if !codePattern.MatchString(code) {
		return "", apperr.Invalid("code", "编码须为 2 到 32 位小写字母、数字或连字符")
	}
	return code, nil
}

// visibleDistricts restricts a district query to what the actor may see: its
// own district (town and district users) or all (platform, system).
func visibleDistricts(ctx context.Context, q *bun.SelectQuery, col string) (*bun.SelectQuery, error) {
	if actor.IsSystem(ctx) {
		return q, nil
	}
	a, err := actor.Require(ctx)
	if err != nil {
		return nil, err
	}
	if a.PlatformAdmin {
		return q, nil
	}
	if a.DistrictID == 0 {
		return nil, apperr.ErrForbidden
	}
	return q.Where(col+" = ?", a.DistrictID), nil
}

// ListDistricts returns the districts the actor may see.
func (s *Service) ListDistricts(ctx context.Context) ([]*District, error) {
	var out []*District
	err := s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		q, err := visibleDistricts(ctx, tx.NewSelect().Model(&out), "d.id")
		if err != nil {
			return err
		}
		return q.OrderExpr("d.id").Scan(ctx)
	})
	return out, err
}

// GetDistrict returns one visible district, or NOT_FOUND.
func (s *Service) GetDistrict(ctx context.Context, id int64) (*District, error) {
	var d District
	err := s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		q, err := visibleDistricts(ctx, tx.NewSelect().Model(&d).Where("d.id = ?", id), "d.id")
		if err != nil {
			return err
		}
		return q.Scan(ctx)
	})
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	return &d, err
}

// towns restricts a town query: a town user sees its own town, a district
// user the towns of its district, platform and system everything.
func visibleTowns(ctx context.Context, q *bun.SelectQuery) (*bun.SelectQuery, error) {
	if actor.IsSystem(ctx) {
		return q, nil
	}
	a, err := actor.Require(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case a.PlatformAdmin:
		return q, nil
	case a.TenantID != 0:
		return q.Where("t.id = ?", a.TenantID), nil
	case a.DistrictID != 0:
		return q.Where("t.district_id = ?", a.DistrictID), nil
	}
	return nil, apperr.ErrForbidden
}

// ListTowns returns the visible towns, optionally of one district, by id.
func (s *Service) ListTowns(ctx context.Context, districtID *int64) ([]*Town, error) {
	var out []*Town
	err := s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		q, err := visibleTowns(ctx, tx.NewSelect().Model(&out))
		if err != nil {
			return err
		}
		if districtID != nil {
			q = q.Where("t.district_id = ?", *districtID)
		}
		return q.OrderExpr("t.id").Scan(ctx)
	})
	return out, err
}

// GetTowns returns the visible towns among ids, keyed by id.
func (s *Service) GetTowns(ctx context.Context, ids []int64) (map[int64]*Town, error) {
	var rows []*Town
	err := s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		q, err := visibleTowns(ctx, tx.NewSelect().Model(&rows).Where("t.id IN (?)", bun.In(ids)))
		if err != nil {
			return err
		}
		return q.Scan(ctx)
	})
	out := make(map[int64]*Town, len(rows))
	for _, t := range rows {
		out[t.ID] = t
	}
	return out, err
}

// GetTown returns one visible town, or NOT_FOUND.
func (s *Service) GetTown(ctx context.Context, id int64) (*Town, error) {
	m, err := s.GetTowns(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	t, ok := m[id]
	if !ok {
		return nil, apperr.ErrNotFound
	}
	return t, nil
}

// CreateDistrict creates a district. Platform admins only.
func (s *Service) CreateDistrict(ctx context.Context, name, code string) (*District, error) {
	if !actor.IsSystem(ctx) {
		a, err := actor.Require(ctx)
		if err != nil {
			return nil, err
		}
		if !a.PlatformAdmin {
			return nil, apperr.ErrForbidden
		}
	}
	name, err := validName("name", name)
	if err != nil {
		return nil, err
	}
	if code, err = validCode(code); err != nil {
		return nil, err
	}
	d := &District{Name: name, Code: code, CreatedAt: time.Now().UTC()}
	err = s.db.RunInTx(actor.System(ctx), func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(d).Returning("id").Exec(ctx); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "区编码已存在")
			}
			return fmt.Errorf("insert district: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{DistrictID: d.ID, Action: "district.create",
			EntityType: "district", EntityID: d.ID, After: d})
	})
	if err != nil {
		return nil, err
	}
	for _, f := range s.districtCreated {
		if err := f(ctx, d); err != nil {
			return d, fmt.Errorf("set up district %d: %w", d.ID, err)
		}
	}
	return d, nil
}

// CreateTownInput describes a new town.
type CreateTownInput struct {
	DistrictID int64
	Name       string
	Code       string
	// Timezone is an IANA name; empty means Asia/Shanghai.
	Timezone string
	// CommitteeName names the root 镇党委; empty means Name + "党委".
	CommitteeName string
}

// CreateTown creates a town in a district with its root party committee.
// Needs district.write on the district (district admins, platform admins).
func (s *Service) CreateTown(ctx context.Context, in CreateTownInput) (*Town, *org.Organization, error) {
	if err := s.authz.Check(ctx, authz.DistrictWrite, authz.Target{DistrictID: in.DistrictID}); err != nil {
		return nil, nil, err
	}
	name, err := validName("name", in.Name)
	if err != nil {
		return nil, nil, err
	}
	code, err := validCode(in.Code)
	if err != nil {
		return nil, nil, err
	}
	tz := strings.TrimSpace(in.Timezone)
	if tz == "" {
		tz = "Asia/Shanghai"
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		return nil, nil, apperr.Invalid("timezone", "时区无效，例如 Asia/Shanghai")
	}
	committee := strings.TrimSpace(in.CommitteeName)
	if committee == "" {
		committee = name + "党委"
	}
	t := &Town{DistrictID: in.DistrictID, Name: name, Code: code, Timezone: tz, CreatedAt: time.Now().UTC()}
	var root *org.Organization
	// The town's rows are written in system scope: a district actor may not
	// write town rows through row-level security, and this is the one
	// district-level act that creates them. Permission was checked above.
	err = s.db.RunInTx(actor.System(ctx), func(ctx context.Context, tx bun.Tx) error {
		n, err := tx.NewSelect().Table("districts").Where("id = ?", in.DistrictID).Count(ctx)
		if err != nil {
			return fmt.Errorf("find district: %w", err)
		}
		if n == 0 {
			return apperr.ErrNotFound
		}
		if _, err := tx.NewInsert().Model(t).Returning("id").Exec(ctx); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "乡镇编码已存在")
			}
			return fmt.Errorf("insert town: %w", err)
		}
		if root, err = s.orgs.CreateRoot(ctx, tx, t.ID, committee); err != nil {
			return err
		}
		if err := authz.BumpVersion(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{DistrictID: t.DistrictID, Action: "town.create",
			EntityType: "town", EntityID: t.ID, After: t})
	})
	if err != nil {
		return nil, nil, err
	}
	return t, root, nil
}
