// Package authz decides what a user may do on a node of the party-organisation
// tree. Role → permission policies are versioned in this package (policy.csv);
// role assignments (user, role, org node or district) live in the database and
// are loaded into a Casbin enforcer whose domain is the town (t:<id>) or the
// district (d:<id>), matched exactly, with org paths matched by keyMatch.
//
// Every change to assignments, org paths or towns bumps authz_state.version in
// the same transaction; each replica compares that version (once per request)
// and reloads when it moved, so a change takes effect at once everywhere.
package authz

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/db"
)

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText string

// Action is a permission checked by services, e.g. "org.write".
type Action string

// Permissions.
const (
	OrgRead       Action = "org.read"
	OrgWrite      Action = "org.write"
	PersonRead    Action = "person.read"
	PersonWrite   Action = "person.write"
	UserRead      Action = "user.read"
	UserWrite     Action = "user.write"
	RoleAssign    Action = "role.assign"
	AuditRead     Action = "audit.read"
	DistrictRead  Action = "district.read"
	DistrictWrite Action = "district.write"
	// TaskRead reads task templates, task instances, deployments and the 三色 status.
	TaskRead Action = "task.read"
	// TaskWrite writes an organisation's task templates and deployments (部署).
	TaskWrite Action = "task.write"
	// TaskReview accepts or returns submitted task instances (审核).
	TaskReview Action = "task.review"
	// ScoreRead reads score snapshots and their breakdowns (考核得分).
	ScoreRead Action = "score.read"
	// ScoreRecompute asks for scores to be recomputed (district admin, 党建办).
	ScoreRecompute Action = "score.recompute"
)

// Role is a role that can be assigned to a user on an org node or a district.
type Role string

// Roles.
const (
	PlatformAdmin       Role = "platform_admin"
	DistrictAdmin       Role = "district_admin"
	DistrictViewer      Role = "district_viewer"
	TownSecretary       Role = "town_secretary"
	TownDeputySecretary Role = "town_deputy_secretary"
	TownOffice          Role = "town_office"
	CommitteeMember     Role = "committee_member"
	OrgSecretary        Role = "org_secretary"
	OrgStaff            Role = "org_staff"
	Member              Role = "member"
	Reviewer            Role = "reviewer"
)

// RoleLabels gives the Chinese name of each role.
func RoleLabels() map[Role]string {
	return map[Role]string{
		PlatformAdmin:       "平台管理员",
		DistrictAdmin:       "区委组织部管理员",
		DistrictViewer:      "区委组织部查看",
		TownSecretary:       "镇党委书记",
		TownDeputySecretary: "镇党委副书记",
		TownOffice:          "党建办",
		CommitteeMember:     "党委班子成员（联系点）",
		OrgSecretary:        "党组织书记",
		OrgStaff:            "党务工作者",
		Member:              "党员",
		Reviewer:            "评审",
	}
}

// IsDistrictRole reports whether r is assigned on a district rather than an org node.
func (r Role) IsDistrictRole() bool { return r == DistrictAdmin || r == DistrictViewer }

// Valid reports whether r is a known assignable role (platform admin is a user flag, not an assignment).
func (r Role) Valid() bool {
	_, ok := RoleLabels()[r]
	return ok && r != PlatformAdmin
}

// Target is what an action is performed on: an org node of a town (TenantID
// and OrgPath), or the district itself (DistrictID only).
type Target struct {
	TenantID   int64
	OrgPath    string
	DistrictID int64
}

// Subtree is a grant on an org path prefix of a town.
type Subtree struct {
	TenantID int64
	Path     string
}

// Grants is everything an actor may do one action on.
type Grants struct {
	// All is set for platform admins and system contexts.
	All bool
	// Districts whose towns are wholly covered.
	Districts []int64
	// Subtrees of towns covered.
	Subtrees []Subtree
}

// Empty reports whether nothing is granted.
func (g Grants) Empty() bool { return !g.All && len(g.Districts) == 0 && len(g.Subtrees) == 0 }

// Filter returns a SQL condition over a tenant column and an org path column
// restricting rows to the grants. No grants yields a condition that is always false.
func (g Grants) Filter(tenantCol, pathCol string) (string, []any) {
	if g.All {
		return "1 = 1", nil
	}
	var parts []string
	var args []any
	if len(g.Districts) > 0 {
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(g.Districts)), ", ")
		parts = append(parts, tenantCol+" IN (SELECT id FROM tenants WHERE district_id IN ("+ph+"))")
		for _, d := range g.Districts {
			args = append(args, d)
		}
	}
	for _, s := range g.Subtrees {
		parts = append(parts, "("+tenantCol+" = ? AND "+pathCol+" LIKE ?)")
		args = append(args, s.TenantID, s.Path+"%")
	}
	if len(parts) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// Covers reports whether the grants include target.
func (g Grants) Covers(tenantID, districtID int64, path string) bool {
	if g.All {
		return true
	}
	for _, d := range g.Districts {
		if d == districtID {
			return true
		}
	}
	for _, s := range g.Subtrees {
		if s.TenantID == tenantID && strings.HasPrefix(path, s.Path) {
			return true
		}
	}
	return false
}

// Authorizer answers permission questions for the actor in a context.
type Authorizer struct {
	db *db.DB

	mu       sync.RWMutex
	version  int64
	enforcer *casbin.SyncedEnforcer
	// tenantDistrict maps each town to its district (immutable once created).
	tenantDistrict map[int64]int64
}

// New returns an Authorizer reading assignments from d. Policies load lazily.
func New(d *db.DB) *Authorizer { return &Authorizer{db: d, version: -1} }

type requestMemo struct {
	once sync.Once
	err  error
}
type memoKey struct{}

// WithRequestCache marks ctx as one request: the policy version is checked at
// most once within it.
func WithRequestCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &requestMemo{})
}

// sync reloads the enforcer when the stored version moved.
func (a *Authorizer) sync(ctx context.Context) error {
	if m, ok := ctx.Value(memoKey{}).(*requestMemo); ok {
		m.once.Do(func() { m.err = a.syncNow(ctx) })
		return m.err
	}
	return a.syncNow(ctx)
}

func (a *Authorizer) syncNow(ctx context.Context) error {
	var v int64
	if err := a.db.NewSelect().Table("authz_state").Column("version").Where("id = 1").Scan(ctx, &v); err != nil {
		return fmt.Errorf("read authz version: %w", err)
	}
	a.mu.RLock()
	current := a.version
	a.mu.RUnlock()
	if v == current {
		return nil
	}
	return a.reload(ctx, v)
}

type assignmentRow struct {
	UserID     int64   `bun:"user_id"`
	Role       string  `bun:"role"`
	TenantID   *int64  `bun:"tenant_id"`
	DistrictID *int64  `bun:"district_id"`
	Path       *string `bun:"path"`
}

type tenantRow struct {
	ID         int64 `bun:"id"`
	DistrictID int64 `bun:"district_id"`
}

func (a *Authorizer) reload(ctx context.Context, version int64) error {
	var rows []assignmentRow
	var tenants []tenantRow
	// Read outside any write transaction: a reload can happen while the caller
	// holds SQLite's write lock.
	err := a.db.Read(actor.System(ctx), func(ctx context.Context, tx bun.IDB) error {
		if err := tx.NewSelect().TableExpr("role_assignments AS ra").
			ColumnExpr("ra.user_id, ra.role, ra.tenant_id, ra.district_id, o.path").
			Join("LEFT JOIN organizations AS o ON o.id = ra.org_id AND o.dissolved_at IS NULL").
			Scan(ctx, &rows); err != nil {
			return err
		}
		return tx.NewSelect().Table("tenants").Column("id", "district_id").Scan(ctx, &tenants)
	})
	if err != nil {
		return fmt.Errorf("load role assignments: %w", err)
	}
	e, err := newEnforcer()
	if err != nil {
		return err
	}
	policies := make([][]string, 0, len(rows))
	for _, r := range rows {
		sub := subject(r.UserID)
		switch {
		case Role(r.Role).IsDistrictRole() && r.DistrictID != nil:
			policies = append(policies, []string{sub, districtDomain(*r.DistrictID), "*", r.Role})
		case r.TenantID != nil && r.Path != nil:
			policies = append(policies, []string{sub, tenantDomain(*r.TenantID), *r.Path + "*", r.Role})
		}
	}
	if len(policies) > 0 {
		if _, err := e.AddPolicies(policies); err != nil {
			return fmt.Errorf("load policies: %w", err)
		}
	}
	td := make(map[int64]int64, len(tenants))
	for _, t := range tenants {
		td[t.ID] = t.DistrictID
	}
	a.mu.Lock()
	a.enforcer, a.version, a.tenantDistrict = e, version, td
	a.mu.Unlock()
	return nil
}

func newEnforcer() (*casbin.SyncedEnforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("casbin model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("casbin enforcer: %w", err)
	}
	e.EnableAutoSave(false)
	var links [][]string
	for _, line := range strings.Split(policyText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) != 3 || f[0] != "g" {
			return nil, fmt.Errorf("policy.csv: bad line %q", line)
		}
		links = append(links, f[1:])
	}
	if _, err := e.AddGroupingPolicies(links); err != nil {
		return nil, fmt.Errorf("load role policies: %w", err)
	}
	return e, nil
}

func subject(userID int64) string    { return "u:" + strconv.FormatInt(userID, 10) }
func tenantDomain(id int64) string   { return "t:" + strconv.FormatInt(id, 10) }
func districtDomain(id int64) string { return "d:" + strconv.FormatInt(id, 10) }
func isReadAction(act Action) bool   { return strings.HasSuffix(string(act), ".read") }
func (a *Authorizer) snapshot() (*casbin.SyncedEnforcer, map[int64]int64) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.enforcer, a.tenantDistrict
}

// DistrictOf returns the district of a town.
func (a *Authorizer) DistrictOf(ctx context.Context, tenantID int64) (int64, error) {
	if err := a.sync(ctx); err != nil {
		return 0, err
	}
	_, td := a.snapshot()
	return td[tenantID], nil
}

// Can reports whether the actor in ctx may do act on t. System contexts and
// platform admins may do everything; anonymous contexts nothing.
func (a *Authorizer) Can(ctx context.Context, act Action, t Target) (bool, error) {
	if actor.IsSystem(ctx) {
		return true, nil
	}
	ac, ok := actor.FromContext(ctx)
	if !ok {
		return false, nil
	}
	if ac.PlatformAdmin {
		return true, nil
	}
	if err := a.sync(ctx); err != nil {
		return false, err
	}
	e, td := a.snapshot()
	sub := subject(ac.UserID)
	if t.TenantID != 0 {
		path := t.OrgPath
		if path == "" {
			path = "/"
		}
		ok, err := e.Enforce(sub, tenantDomain(t.TenantID), path, string(act))
		if err != nil || ok {
			return ok, err
		}
		// District roles only ever read inside a town.
		if !isReadAction(act) {
			return false, nil
		}
		d, known := td[t.TenantID]
		if !known {
			return false, nil
		}
		return e.Enforce(sub, districtDomain(d), "/", string(act))
	}
	if t.DistrictID != 0 {
		return e.Enforce(sub, districtDomain(t.DistrictID), "/", string(act))
	}
	return false, nil
}

// Check is Can returning FORBIDDEN (or UNAUTHENTICATED) when not allowed.
func (a *Authorizer) Check(ctx context.Context, act Action, t Target) error {
	if !actor.IsSystem(ctx) {
		if _, err := actor.Require(ctx); err != nil {
			return err
		}
	}
	ok, err := a.Can(ctx, act, t)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.ErrForbidden
	}
	return nil
}

// Grants lists where the actor in ctx may do act, for filtering list queries.
func (a *Authorizer) Grants(ctx context.Context, act Action) (Grants, error) {
	if actor.IsSystem(ctx) {
		return Grants{All: true}, nil
	}
	ac, ok := actor.FromContext(ctx)
	if !ok {
		return Grants{}, apperr.ErrUnauthenticated
	}
	if ac.PlatformAdmin {
		return Grants{All: true}, nil
	}
	if err := a.sync(ctx); err != nil {
		return Grants{}, err
	}
	e, _ := a.snapshot()
	rows, err := e.GetFilteredPolicy(0, subject(ac.UserID))
	if err != nil {
		return Grants{}, fmt.Errorf("read policies: %w", err)
	}
	rm := e.GetRoleManager()
	var g Grants
	for _, r := range rows {
		dom, obj, role := r[1], r[2], r[3]
		has, err := rm.HasLink(role, string(act))
		if err != nil {
			return Grants{}, err
		}
		if !has {
			continue
		}
		id, _ := strconv.ParseInt(dom[2:], 10, 64)
		switch {
		case strings.HasPrefix(dom, "d:"):
			if isReadAction(act) || act == DistrictWrite {
				g.Districts = append(g.Districts, id)
			}
		case strings.HasPrefix(dom, "t:"):
			g.Subtrees = append(g.Subtrees, Subtree{TenantID: id, Path: strings.TrimSuffix(obj, "*")})
		}
	}
	return g, nil
}

// BumpVersion marks the assignments as changed, inside the caller's transaction,
// so every replica reloads before its next decision. Call it with every change
// to role assignments, org paths (move, dissolve) and towns.
func BumpVersion(ctx context.Context, idb bun.IDB) error {
	_, err := idb.NewUpdate().Table("authz_state").Set("version = version + 1").Where("id = 1").Exec(ctx)
	if err != nil {
		return fmt.Errorf("bump authz version: %w", err)
	}
	return nil
}

// CheckVisible is Can for lookups that must not reveal what exists: it
// returns NOT_FOUND, rather than FORBIDDEN, when the actor may not do act on t.
func (a *Authorizer) CheckVisible(ctx context.Context, act Action, t Target) error {
	ok, err := a.Can(ctx, act, t)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.ErrNotFound
	}
	return nil
}
