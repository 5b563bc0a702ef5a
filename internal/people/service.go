package people

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/org"
	"dangjian/internal/pagination"
)

// Service runs the people use cases under the caller's permissions: reading
// needs PersonRead and writing PersonWrite on the person's organisation.
type Service struct {
	db    *db.DB
	authz *authz.Authorizer
	now   func() time.Time
}

// NewService returns a Service.
func NewService(d *db.DB, az *authz.Authorizer) *Service {
	return &Service{db: d, authz: az, now: func() time.Time { return time.Now().UTC() }}
}

// Filter narrows List. Zero values do not filter.
type Filter struct {
	// OrgID lists the people of one organisation (and, with
	// IncludeDescendants, of its whole subtree).
	OrgID              *int64
	IncludeDescendants bool
	IsMember           *bool
	MemberStatus       *MemberStatus
	// NameContains matches part of the name.
	NameContains string
	// Duty lists the holders of one of Duties().
	Duty string
	// IncludeRemoved also lists people removed from the rolls.
	IncludeRemoved bool
}

// personRow is a person with the path of their organisation, which decides
// who may see and manage them.
type personRow struct {
	Person  `bun:",extend"`
	OrgPath string `bun:"org_path,scanonly"`
}

// Create adds a person to an organisation. It needs PersonWrite on the organisation.
func (s *Service) Create(ctx context.Context, in Input) (*Person, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	in = normalize(in)
	if err := firstProblem(validate(in, Today(s.now()))); err != nil {
		return nil, err
	}
	var out *Person
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		o, err := s.orgForWrite(ctx, tx, in.OrgID)
		if err != nil {
			return err
		}
		now := s.now()
		p := &Person{TenantID: o.TenantID, CreatedAt: now, UpdatedAt: now}
		p.apply(in)
		if _, err := tx.NewInsert().Model(p).Exec(ctx); err != nil {
			return fmt.Errorf("insert person: %w", err)
		}
		out = p
		return audit.Record(ctx, tx, audit.Change{
			TenantID: p.TenantID, Action: "person.create", EntityType: "person", EntityID: p.ID, After: p,
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Update changes the fields set in pt. It needs PersonWrite on the person's
// organisation and, when moving the person, on the new organisation too.
func (s *Service) Update(ctx context.Context, id int64, pt Patch) (*Person, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	var out *Person
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.loadVisible(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.checkWrite(ctx, row.TenantID, row.OrgPath); err != nil {
			return err
		}
		if row.Removed() {
			return apperr.New(apperr.Conflict, "该人员已移除，不能修改")
		}
		p := &row.Person
		before := *p
		in := normalize(patched(inputOf(p), pt))
		if err := firstProblem(validate(in, Today(s.now()))); err != nil {
			return err
		}
		if in.OrgID != p.OrgID {
			o, err := s.orgForWrite(ctx, tx, in.OrgID)
			if err != nil {
				return err
			}
			if o.TenantID != p.TenantID {
				return apperr.Invalid("orgId", "不能把人员转到其他乡镇的党组织")
			}
		}
		p.apply(in)
		p.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(p).
			ExcludeColumn("id", "tenant_id", "created_at", "removed_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update person: %w", err)
		}
		out = p
		return audit.Record(ctx, tx, audit.Change{
			TenantID: p.TenantID, Action: "person.update", EntityType: "person", EntityID: p.ID,
			Before: &before, After: p,
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Remove takes a person off the rolls (soft delete: removed_at is set and the
// row kept). It needs PersonWrite on the person's organisation.
func (s *Service) Remove(ctx context.Context, id int64) (*Person, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	var out *Person
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		row, err := s.loadVisible(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.checkWrite(ctx, row.TenantID, row.OrgPath); err != nil {
			return err
		}
		if row.Removed() {
			return apperr.New(apperr.Conflict, "该人员已移除")
		}
		p := &row.Person
		before := *p
		now := s.now()
		p.RemovedAt, p.UpdatedAt = &now, now
		if _, err := tx.NewUpdate().Model(p).Column("removed_at", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("remove person: %w", err)
		}
		out = p
		return audit.Record(ctx, tx, audit.Change{
			TenantID: p.TenantID, Action: "person.remove", EntityType: "person", EntityID: p.ID,
			Before: &before, After: p,
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Get returns a person the caller may read (removed ones included), with the
// phone masked unless the caller may manage them; otherwise NOT_FOUND.
func (s *Service) Get(ctx context.Context, id int64) (*Person, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	var out *Person
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		row, err := s.loadVisible(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.maskAll(ctx, []*personRow{row}); err != nil {
			return err
		}
		out = &row.Person
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetMany returns the people among ids that the caller may read, keyed by id,
// in one query (for dataloaders), phones masked as in Get.
func (s *Service) GetMany(ctx context.Context, ids []int64) (map[int64]*Person, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	readCond, readArgs, err := s.readFilter(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []*personRow
		if err := selectPersons(tx, &rows).Where("p.id IN (?)", bun.In(ids)).Where(readCond, readArgs...).Scan(ctx); err != nil {
			return fmt.Errorf("get people: %w", err)
		}
		if err := s.maskAll(ctx, rows); err != nil {
			return err
		}
		for _, r := range rows {
			out[r.ID] = &r.Person
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// List returns a page of the people the caller may read, ordered by id,
// phones masked as in Get. An OrgID the caller cannot see yields an empty page.
func (s *Service) List(ctx context.Context, f Filter, pr pagination.Request) (pagination.Page[*Person], error) {
	var out pagination.Page[*Person]
	ctx, err := s.begin(ctx)
	if err != nil {
		return out, err
	}
	limit, err := pr.Limit()
	if err != nil {
		return out, err
	}
	cur, hasCur, err := pr.Cursor()
	if err != nil {
		return out, err
	}
	if f.Duty != "" && !ValidDuty(f.Duty) {
		return out, apperr.Invalid("duty", "党内职务无效")
	}
	if f.MemberStatus != nil && !f.MemberStatus.Valid() {
		return out, apperr.Invalid("memberStatus", "党员状态无效")
	}
	readCond, readArgs, err := s.readFilter(ctx)
	if err != nil {
		return out, err
	}
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []*personRow
		q := selectPersons(tx, &rows).Where(readCond, readArgs...)
		if f.OrgID != nil {
			if f.IncludeDescendants {
				anchor, err := findOrg(ctx, tx, *f.OrgID)
				if err != nil {
					return err
				}
				if anchor == nil {
					return nil
				}
				q = q.Where("p.tenant_id = ?", anchor.TenantID).Where("o.path LIKE ?", anchor.Path+"%")
			} else {
				q = q.Where("p.org_id = ?", *f.OrgID)
			}
		}
		if f.IsMember != nil {
			q = q.Where("p.is_member = ?", *f.IsMember)
		}
		if f.MemberStatus != nil {
			q = q.Where("p.member_status = ?", string(*f.MemberStatus))
		}
		if name := strings.TrimSpace(f.NameContains); name != "" {
			q = q.Where(`LOWER(p.name) LIKE ? ESCAPE '\'`, "%"+org.EscapeLike(strings.ToLower(name))+"%")
		}
		if f.Duty != "" {
			// Duties are a JSON array of strings; the quotes make "书记" not match "副书记".
			q = q.Where(`p.duties LIKE ? ESCAPE '\'`, `%"`+org.EscapeLike(f.Duty)+`"%`)
		}
		if !f.IncludeRemoved {
			q = q.Where("p.removed_at IS NULL")
		}
		total, err := q.Count(ctx)
		if err != nil {
			return fmt.Errorf("count people: %w", err)
		}
		out.TotalCount = int(total)
		if hasCur {
			q = q.Where("p.id > ?", cur.ID)
		}
		if err := q.OrderExpr("p.id").Limit(int64(limit + 1)).Scan(ctx); err != nil {
			return fmt.Errorf("list people: %w", err)
		}
		rows, out.HasNextPage = pagination.Trim(rows, limit)
		if err := s.maskAll(ctx, rows); err != nil {
			return err
		}
		out.Items = make([]*Person, len(rows))
		for i, r := range rows {
			out.Items[i] = &r.Person
		}
		return nil
	})
	if err != nil {
		return pagination.Page[*Person]{}, err
	}
	return out, nil
}

// begin starts a use case: it refuses anonymous contexts up front and brings
// the authorizer up to date before any transaction opens, pinning that policy
// version for the call (a reload inside an open SQLite write transaction would
// wait on itself).
func (s *Service) begin(ctx context.Context) (context.Context, error) {
	if !actor.IsSystem(ctx) {
		if _, err := actor.Require(ctx); err != nil {
			return ctx, err
		}
	}
	ctx = authz.WithRequestCache(ctx)
	if _, err := s.authz.Grants(ctx, authz.PersonRead); err != nil {
		return ctx, err
	}
	return ctx, nil
}

// readFilter is the SQL condition (over p and its org o) for the people the
// caller may read: tenant scope and PersonRead grants.
func (s *Service) readFilter(ctx context.Context) (string, []any, error) {
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("p.tenant_id")
	if err != nil {
		return "", nil, err
	}
	grants, err := s.authz.Grants(ctx, authz.PersonRead)
	if err != nil {
		return "", nil, err
	}
	grantCond, grantArgs := grants.Filter("p.tenant_id", "o.path")
	return scopeCond + " AND " + grantCond, append(scopeArgs, grantArgs...), nil
}

// maskAll masks the phones of the people the caller may not manage.
func (s *Service) maskAll(ctx context.Context, rows []*personRow) error {
	if len(rows) == 0 {
		return nil
	}
	write, err := s.authz.Grants(ctx, authz.PersonWrite)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if !write.Covers(r.TenantID, 0, r.OrgPath) {
			r.mask()
		}
	}
	return nil
}

// selectPersons selects people joined with their organisation's path.
func selectPersons(tx bun.IDB, model any) *bun.SelectQuery {
	return tx.NewSelect().Model(model).
		ColumnExpr("p.*").ColumnExpr("o.path AS org_path").
		Join("JOIN organizations AS o ON o.id = p.org_id AND o.tenant_id = p.tenant_id")
}

// loadVisible returns person id when the caller may read them, else NOT_FOUND.
func (s *Service) loadVisible(ctx context.Context, tx bun.IDB, id int64) (*personRow, error) {
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("p.tenant_id")
	if err != nil {
		return nil, err
	}
	row := new(personRow)
	err = selectPersons(tx, row).Where("p.id = ?", id).Where(scopeCond, scopeArgs...).Scan(ctx)
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get person %d: %w", id, err)
	}
	if err := s.authz.CheckVisible(ctx, authz.PersonRead, authz.Target{TenantID: row.TenantID, OrgPath: row.OrgPath}); err != nil {
		return nil, err
	}
	return row, nil
}

// orgForWrite returns the organisation a person is put in, checking that it
// exists, is visible, is active and that the caller may manage its people.
func (s *Service) orgForWrite(ctx context.Context, tx bun.IDB, orgID int64) (*org.Organization, error) {
	o, err := findOrg(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	if o != nil {
		ok, err := s.authz.Can(ctx, authz.PersonRead, authz.Target{TenantID: o.TenantID, OrgPath: o.Path})
		if err != nil {
			return nil, err
		}
		if !ok {
			o = nil
		}
	}
	if o == nil {
		return nil, apperr.Invalid("orgId", "所属党组织不存在")
	}
	if err := s.checkWrite(ctx, o.TenantID, o.Path); err != nil {
		return nil, err
	}
	if o.Dissolved() {
		return nil, apperr.Invalid("orgId", "所属党组织已撤销")
	}
	return o, nil
}

// checkWrite returns FORBIDDEN unless the caller may manage people at path.
func (s *Service) checkWrite(ctx context.Context, tenantID int64, path string) error {
	if !actor.ScopeOf(ctx).CanWriteTenant(tenantID) {
		return apperr.ErrForbidden
	}
	return s.authz.Check(ctx, authz.PersonWrite, authz.Target{TenantID: tenantID, OrgPath: path})
}

// findOrg reads an organisation within the caller's tenant scope; nil when none.
func findOrg(ctx context.Context, tx bun.IDB, id int64) (*org.Organization, error) {
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("o.tenant_id")
	if err != nil {
		return nil, err
	}
	o := new(org.Organization)
	err = tx.NewSelect().Model(o).Where("o.id = ?", id).Where(scopeCond, scopeArgs...).Scan(ctx)
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get organization %d: %w", id, err)
	}
	return o, nil
}

// firstProblem turns the first problem into an INVALID_INPUT error.
func firstProblem(ps []problem) error {
	if len(ps) == 0 {
		return nil
	}
	return apperr.Invalid(ps[0].field, ps[0].msg)
}
