// Package org manages the party-organisation tree of each town (镇党委 →
// 社区党委/党总支 → 党支部 → 党小组, plus 驻区单位党组织, 功能型党支部 and
// 联合党支部): creating, renaming, moving and dissolving nodes, and reading
// them under the caller's permissions.
//
// Each node stores its materialised path ("/12/45/": the ids from the root to
// the node itself), which is what role assignments and permission filters match.
package org

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/pagination"
)

// MaxNameLen is the longest organisation name, in characters.
const MaxNameLen = 50

// Organization is one node of a town's party-organisation tree.
type Organization struct {
	bun.BaseModel `bun:"table:organizations,alias:o" json:"-"`

	ID       int64  `bun:"id,pk,autoincrement" json:"id"`
	TenantID int64  `bun:"tenant_id" json:"tenantId"`
	ParentID *int64 `bun:"parent_id" json:"parentId"`
	Kind     Kind   `bun:"kind" json:"kind"`
	Name     string `bun:"name" json:"name"`
	// Path is "/<root id>/…/<own id>/".
	Path string `bun:"path" json:"path"`
	// Depth is the number of ancestors (0 for the town committee).
	Depth     int `bun:"depth" json:"depth"`
	SortOrder int `bun:"sort_order" json:"sortOrder"`
	// DissolvedAt is set when the organisation was dissolved (撤销); the row is kept as history.
	DissolvedAt *time.Time `bun:"dissolved_at" json:"dissolvedAt,omitempty"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt"`
	UpdatedAt   time.Time  `bun:"updated_at" json:"updatedAt"`
}

// Dissolved reports whether the organisation has been dissolved.
func (o *Organization) Dissolved() bool { return o.DissolvedAt != nil }

// IsRoot reports whether o is its town's root (镇党委).
func (o *Organization) IsRoot() bool { return o.ParentID == nil }

// ParentPath returns the path of o's parent, or "" for the root.
func (o *Organization) ParentPath() string { return parentPath(o.Path) }

// AncestorIDs returns the ids of o's ancestors, root first.
func (o *Organization) AncestorIDs() []int64 { return ancestorIDs(o.Path) }

// Service runs the org tree's use cases under the caller's permissions.
type Service struct {
	db    *db.DB
	authz *authz.Authorizer
	now   func() time.Time
	// created are called after an organisation is created and committed.
	created []func(ctx context.Context, o *Organization)
}

// OnCreate registers f to run after each organisation is created and its
// transaction committed (for example to enqueue the new branch's tasks).
// Call it while wiring the application, before serving.
func (s *Service) OnCreate(f func(ctx context.Context, o *Organization)) {
	s.created = append(s.created, f)
}

// NewService returns a Service.
func NewService(d *db.DB, az *authz.Authorizer) *Service {
	return &Service{db: d, authz: az, now: func() time.Time { return time.Now().UTC() }}
}

// CreateInput is a new organisation under ParentID.
type CreateInput struct {
	ParentID  int64
	Name      string
	Kind      Kind
	SortOrder *int
}

// UpdateInput changes the fields that are set.
type UpdateInput struct {
	Name      *string
	SortOrder *int
}

// Filter narrows List. Zero values do not filter.
type Filter struct {
	TenantID *int64
	// ParentID lists direct children.
	ParentID *int64
	// DescendantsOf lists the whole subtree below a node (not the node itself).
	DescendantsOf *int64
	// AncestorsOf lists a node's ancestors, root first (not the node itself).
	AncestorsOf *int64
	Kinds       []Kind
	// NameContains matches part of the name.
	NameContains string
	// IncludeDissolved also lists dissolved organisations.
	IncludeDissolved bool
}

// Create adds an organisation under in.ParentID. It needs OrgWrite on the parent.
func (s *Service) Create(ctx context.Context, in CreateInput) (*Organization, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	name, err := CleanName(in.Name)
	if err != nil {
		return nil, err
	}
	if !in.Kind.Valid() {
		return nil, apperr.Invalid("kind", "组织类型无效")
	}
	sortOrder := 0
	if in.SortOrder != nil {
		if sortOrder, err = checkSortOrder(*in.SortOrder); err != nil {
			return nil, err
		}
	}
	var out *Organization
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		parent, err := s.loadForWrite(ctx, tx, in.ParentID)
		if err != nil {
			return err
		}
		if err := s.checkWrite(ctx, parent.TenantID, parent.Path); err != nil {
			return err
		}
		if parent.Dissolved() {
			return apperr.New(apperr.Conflict, "上级组织已撤销，不能在其下新建组织")
		}
		if err := CheckChildKind(parent.Kind, in.Kind); err != nil {
			return err
		}
		if err := ensureNameFree(ctx, tx, parent.TenantID, &parent.ID, name, 0); err != nil {
			return err
		}
		now := s.now()
		o := &Organization{
			TenantID:  parent.TenantID,
			ParentID:  &parent.ID,
			Kind:      in.Kind,
			Name:      name,
			Depth:     parent.Depth + 1,
			SortOrder: sortOrder,
			CreatedAt: now,
			UpdatedAt: now,
		}
		if err := insert(ctx, tx, o, parent.Path); err != nil {
			return err
		}
		out = o
		return audit.Record(ctx, tx, audit.Change{
			TenantID: o.TenantID, Action: "org.create", EntityType: "organization", EntityID: o.ID, After: o,
		})
	})
	if err != nil {
		return nil, err
	}
	for _, f := range s.created {
		f(ctx, out)
	}
	return out, nil
}

// CreateRoot creates a town's root organisation (镇党委) inside the caller's
// transaction tx; it is used when a town is created. The caller has checked
// permission. A town has exactly one root.
func (s *Service) CreateRoot(ctx context.Context, tx bun.IDB, tenantID int64, name string) (*Organization, error) {
	name, err := CleanName(name)
	if err != nil {
		return nil, err
	}
	n, err := tx.NewSelect().Model((*Organization)(nil)).
		Where("o.tenant_id = ?", tenantID).Where("o.parent_id IS NULL").Count(ctx)
	if err != nil {
		return nil, fmt.Errorf("count town roots: %w", err)
	}
	if n > 0 {
		return nil, apperr.New(apperr.Conflict, "该乡镇已有镇党委")
	}
	now := s.now()
	o := &Organization{TenantID: tenantID, Kind: TownCommittee, Name: name, CreatedAt: now, UpdatedAt: now}
	if err := insert(ctx, tx, o, "/"); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, audit.Change{
		TenantID: tenantID, Action: "org.create", EntityType: "organization", EntityID: o.ID, After: o,
	}); err != nil {
		return nil, err
	}
	return o, nil
}

// Get returns the organisation id if the caller may read it, else NOT_FOUND.
func (s *Service) Get(ctx context.Context, id int64) (*Organization, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	var out *Organization
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		o, err := s.loadVisible(ctx, tx, id)
		out = o
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetMany returns the organisations among ids that the caller may read, keyed
// by id, in one query (for dataloaders). Missing and hidden ids are absent.
func (s *Service) GetMany(ctx context.Context, ids []int64) (map[int64]*Organization, error) {
	return s.getMany(ctx, ids, true)
}

// GetRefs returns the organisations among ids in the caller's tenant scope,
// keyed by id, whether or not the caller may read them as organisations: for
// naming the organisation that issued or owns something the caller was
// allowed to read (the town office that issued a deployment to a branch).
// Callers must have authorised the referring object first. The tenant scope
// (and row-level security on PostgreSQL) still applies, so another town's
// organisations are never returned; a caller with no grant at all gets none.
func (s *Service) GetRefs(ctx context.Context, ids []int64) (map[int64]*Organization, error) {
	return s.getMany(ctx, ids, false)
}

// getMany reads ids in the caller's tenant scope, and within the caller's
// org.read grants when bySubtree is set.
func (s *Service) getMany(ctx context.Context, ids []int64, bySubtree bool) (map[int64]*Organization, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Organization, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	grants, err := s.authz.Grants(ctx, authz.OrgRead)
	if err != nil {
		return nil, err
	}
	if grants.Empty() {
		return out, nil
	}
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("o.tenant_id")
	if err != nil {
		return nil, err
	}
	grantCond, grantArgs := "1 = 1", []any(nil)
	if bySubtree {
		grantCond, grantArgs = grants.Filter("o.tenant_id", "o.path")
	}
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []*Organization
		if err := tx.NewSelect().Model(&rows).
			Where("o.id IN (?)", bun.In(ids)).
			Where(scopeCond, scopeArgs...).
			Where(grantCond, grantArgs...).
			Scan(ctx); err != nil {
			return fmt.Errorf("get organizations: %w", err)
		}
		for _, o := range rows {
			out[o.ID] = o
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// List returns a page of the organisations the caller may read, ordered by id
// (by depth, then id, for AncestorsOf). A DescendantsOf or AncestorsOf node
// that the caller cannot see yields an empty page.
func (s *Service) List(ctx context.Context, f Filter, p pagination.Request) (pagination.Page[*Organization], error) {
	var out pagination.Page[*Organization]
	ctx, err := s.begin(ctx)
	if err != nil {
		return out, err
	}
	limit, err := p.Limit()
	if err != nil {
		return out, err
	}
	cur, hasCur, err := p.Cursor()
	if err != nil {
		return out, err
	}
	for _, k := range f.Kinds {
		if !k.Valid() {
			return out, apperr.Invalid("kinds", "组织类型无效")
		}
	}
	grants, err := s.authz.Grants(ctx, authz.OrgRead)
	if err != nil {
		return out, err
	}
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("o.tenant_id")
	if err != nil {
		return out, err
	}
	grantCond, grantArgs := grants.Filter("o.tenant_id", "o.path")
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []*Organization
		q := tx.NewSelect().Model(&rows).Where(scopeCond, scopeArgs...).Where(grantCond, grantArgs...)
		if f.TenantID != nil {
			q = q.Where("o.tenant_id = ?", *f.TenantID)
		}
		if f.ParentID != nil {
			q = q.Where("o.parent_id = ?", *f.ParentID)
		}
		if f.DescendantsOf != nil {
			anchor, err := findScoped(ctx, tx, *f.DescendantsOf)
			if err != nil {
				return err
			}
			if anchor == nil {
				return nil
			}
			q = q.Where("o.tenant_id = ?", anchor.TenantID).
				Where("o.path LIKE ?", anchor.Path+"%").Where("o.id <> ?", anchor.ID)
		}
		if f.AncestorsOf != nil {
			anchor, err := findScoped(ctx, tx, *f.AncestorsOf)
			if err != nil {
				return err
			}
			if anchor == nil || anchor.IsRoot() {
				return nil
			}
			q = q.Where("o.tenant_id = ?", anchor.TenantID).Where("o.id IN (?)", bun.In(anchor.AncestorIDs()))
		}
		if len(f.Kinds) > 0 {
			q = q.Where("o.kind IN (?)", bun.In(f.Kinds))
		}
		if name := strings.TrimSpace(f.NameContains); name != "" {
			q = q.Where(`LOWER(o.name) LIKE ? ESCAPE '\'`, "%"+EscapeLike(strings.ToLower(name))+"%")
		}
		if !f.IncludeDissolved {
			q = q.Where("o.dissolved_at IS NULL")
		}
		total, err := q.Count(ctx)
		if err != nil {
			return fmt.Errorf("count organizations: %w", err)
		}
		out.TotalCount = int(total)
		if f.AncestorsOf != nil {
			// Root first; the cursor still carries only the last id.
			if hasCur {
				q = q.Where("(o.depth > (SELECT c.depth FROM organizations AS c WHERE c.id = ?)"+
					" OR (o.depth = (SELECT c.depth FROM organizations AS c WHERE c.id = ?) AND o.id > ?))",
					cur.ID, cur.ID, cur.ID)
			}
			q = q.OrderExpr("o.depth, o.id")
		} else {
			if hasCur {
				q = q.Where("o.id > ?", cur.ID)
			}
			q = q.OrderExpr("o.id")
		}
		if err := q.Limit(int64(limit + 1)).Scan(ctx); err != nil {
			return fmt.Errorf("list organizations: %w", err)
		}
		out.Items, out.HasNextPage = pagination.Trim(rows, limit)
		return nil
	})
	if err != nil {
		return pagination.Page[*Organization]{}, err
	}
	return out, nil
}

// Update renames or reorders an organisation. It needs OrgWrite on the node.
func (s *Service) Update(ctx context.Context, id int64, in UpdateInput) (*Organization, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	var name string
	var sortOrder int
	if in.Name != nil {
		if name, err = CleanName(*in.Name); err != nil {
			return nil, err
		}
	}
	if in.SortOrder != nil {
		if sortOrder, err = checkSortOrder(*in.SortOrder); err != nil {
			return nil, err
		}
	}
	var out *Organization
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		o, err := s.loadForWrite(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.checkWrite(ctx, o.TenantID, o.Path); err != nil {
			return err
		}
		if o.Dissolved() {
			return apperr.New(apperr.Conflict, "该组织已撤销，不能修改")
		}
		before := *o
		if in.Name != nil && name != o.Name {
			if err := ensureNameFree(ctx, tx, o.TenantID, o.ParentID, name, o.ID); err != nil {
				return err
			}
			o.Name = name
		}
		if in.SortOrder != nil {
			o.SortOrder = sortOrder
		}
		o.UpdatedAt = s.now()
		if _, err := tx.NewUpdate().Model(o).Column("name", "sort_order", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update organization: %w", err)
		}
		out = o
		return audit.Record(ctx, tx, audit.Change{
			TenantID: o.TenantID, Action: "org.update", EntityType: "organization", EntityID: o.ID,
			Before: &before, After: o,
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Move puts an organisation and its whole subtree under newParentID in the
// same town. It needs OrgWrite on the current parent and on the new parent.
func (s *Service) Move(ctx context.Context, id, newParentID int64) (*Organization, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	var out *Organization
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		o, err := s.loadForWrite(ctx, tx, id)
		if err != nil {
			return err
		}
		parent, err := s.loadVisible(ctx, tx, newParentID)
		if err != nil {
			return err
		}
		if parent.TenantID != o.TenantID {
			// Another town's node is never a valid target, nor confirmed to exist.
			return apperr.ErrNotFound
		}
		if o.IsRoot() {
			return apperr.Invalid("id", "镇党委是根组织，不能移动")
		}
		if err := s.checkWrite(ctx, o.TenantID, o.ParentPath()); err != nil {
			return err
		}
		if err := s.checkWrite(ctx, parent.TenantID, parent.Path); err != nil {
			return err
		}
		if o.Dissolved() {
			return apperr.New(apperr.Conflict, "该组织已撤销，不能移动")
		}
		if strings.HasPrefix(parent.Path, o.Path) {
			return apperr.Invalid("newParentId", "不能移动到自身或其下级组织之下")
		}
		if parent.Dissolved() {
			return apperr.Invalid("newParentId", "不能移动到已撤销的组织之下")
		}
		if *o.ParentID == parent.ID {
			out = o
			return nil
		}
		if err := CheckChildKind(parent.Kind, o.Kind); err != nil {
			return err
		}
		if err := ensureNameFree(ctx, tx, o.TenantID, &parent.ID, o.Name, o.ID); err != nil {
			return err
		}
		before := *o
		newPath := parent.Path + strconv.FormatInt(o.ID, 10) + "/"
		now := s.now()
		// One statement rewrites the whole subtree: new prefix + the part after the old prefix.
		if _, err := tx.NewUpdate().Model((*Organization)(nil)).
			Set("path = ? || substr(path, ?)", newPath, len(o.Path)+1).
			Set("depth = depth + ?", parent.Depth+1-o.Depth).
			Set("updated_at = ?", now).
			Where("tenant_id = ?", o.TenantID).
			Where("path LIKE ?", o.Path+"%").
			Exec(ctx); err != nil {
			return fmt.Errorf("move subtree: %w", err)
		}
		if _, err := tx.NewUpdate().Model((*Organization)(nil)).
			Set("parent_id = ?", parent.ID).Where("id = ?", o.ID).Exec(ctx); err != nil {
			return fmt.Errorf("move organization: %w", err)
		}
		if err := authz.BumpVersion(ctx, tx); err != nil {
			return err
		}
		moved, err := findScoped(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		if moved == nil {
			return fmt.Errorf("moved organization %d vanished", o.ID)
		}
		out = moved
		return audit.Record(ctx, tx, audit.Change{
			TenantID: o.TenantID, Action: "org.move", EntityType: "organization", EntityID: o.ID,
			Before: &before, After: moved,
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Dissolve marks an organisation as dissolved (撤销), keeping the row as
// history. It needs OrgWrite on the parent and is refused while the
// organisation still has active sub-organisations or people.
func (s *Service) Dissolve(ctx context.Context, id int64) (*Organization, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	var out *Organization
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		o, err := s.loadForWrite(ctx, tx, id)
		if err != nil {
			return err
		}
		if o.IsRoot() {
			return apperr.Invalid("id", "镇党委是根组织，不能撤销")
		}
		if err := s.checkWrite(ctx, o.TenantID, o.ParentPath()); err != nil {
			return err
		}
		if o.Dissolved() {
			return apperr.New(apperr.Conflict, "该组织已撤销")
		}
		children, err := tx.NewSelect().Model((*Organization)(nil)).
			Where("o.parent_id = ?", o.ID).Where("o.dissolved_at IS NULL").Count(ctx)
		if err != nil {
			return fmt.Errorf("count children: %w", err)
		}
		if children > 0 {
			return apperr.New(apperr.Conflict, "该组织下还有未撤销的下级组织，请先撤销或移走下级组织")
		}
		people, err := tx.NewSelect().Table("persons").
			Where("org_id = ?", o.ID).Where("removed_at IS NULL").Count(ctx)
		if err != nil {
			return fmt.Errorf("count people: %w", err)
		}
		if people > 0 {
			return apperr.New(apperr.Conflict, "该组织下还有人员，请先将人员转移到其他组织")
		}
		before := *o
		now := s.now()
		o.DissolvedAt, o.UpdatedAt = &now, now
		if _, err := tx.NewUpdate().Model(o).Column("dissolved_at", "updated_at").WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("dissolve organization: %w", err)
		}
		if err := authz.BumpVersion(ctx, tx); err != nil {
			return err
		}
		out = o
		return audit.Record(ctx, tx, audit.Change{
			TenantID: o.TenantID, Action: "org.dissolve", EntityType: "organization", EntityID: o.ID,
			Before: &before, After: o,
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// loadVisible returns organisation id when it is in the caller's scope and the
// caller may read it; otherwise NOT_FOUND.
func (s *Service) loadVisible(ctx context.Context, tx bun.IDB, id int64) (*Organization, error) {
	o, err := findScoped(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, apperr.ErrNotFound
	}
	if err := s.authz.CheckVisible(ctx, authz.OrgRead, authz.Target{TenantID: o.TenantID, OrgPath: o.Path}); err != nil {
		return nil, err
	}
	return o, nil
}

// loadForWrite is loadVisible for a change to the tree: on PostgreSQL it first
// locks the town's tree (its root row), then re-reads the node, so concurrent
// moves cannot build a cycle and sibling-name checks cannot race.
func (s *Service) loadForWrite(ctx context.Context, tx bun.IDB, id int64) (*Organization, error) {
	o, err := s.loadVisible(ctx, tx, id)
	if err != nil || s.db.Dialect != db.Postgres || !actor.ScopeOf(ctx).CanWriteTenant(o.TenantID) {
		return o, err
	}
	if err := lockTree(ctx, tx, o.TenantID); err != nil {
		return nil, err
	}
	return s.loadVisible(ctx, tx, id)
}

// lockTree serialises changes to a town's tree on PostgreSQL by locking the
// root row until the transaction ends. SQLite transactions already serialise writers.
func lockTree(ctx context.Context, tx bun.IDB, tenantID int64) error {
	if tx.Dialect().Name() != dialect.PG {
		return nil
	}
	if _, err := tx.ExecContext(ctx,
		"SELECT id FROM organizations WHERE tenant_id = ? AND parent_id IS NULL FOR UPDATE", tenantID); err != nil {
		return fmt.Errorf("lock org tree: %w", err)
	}
	return nil
}

// checkWrite returns FORBIDDEN unless the caller may write org nodes at path.
func (s *Service) checkWrite(ctx context.Context, tenantID int64, path string) error {
	if !actor.ScopeOf(ctx).CanWriteTenant(tenantID) {
		return apperr.ErrForbidden
	}
	return s.authz.Check(ctx, authz.OrgWrite, authz.Target{TenantID: tenantID, OrgPath: path})
}

// findScoped reads organisation id within the caller's tenant scope (no
// permission check); nil when there is none.
func findScoped(ctx context.Context, tx bun.IDB, id int64) (*Organization, error) {
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("o.tenant_id")
	if err != nil {
		return nil, err
	}
	o := new(Organization)
	err = tx.NewSelect().Model(o).Where("o.id = ?", id).Where(scopeCond, scopeArgs...).Scan(ctx)
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get organization %d: %w", id, err)
	}
	return o, nil
}

// insert adds o under the node at parentPath ("/" for a root) and sets its path.
func insert(ctx context.Context, tx bun.IDB, o *Organization, parentPath string) error {
	if _, err := tx.NewInsert().Model(o).Exec(ctx); err != nil {
		return fmt.Errorf("insert organization: %w", err)
	}
	o.Path = parentPath + strconv.FormatInt(o.ID, 10) + "/"
	if _, err := tx.NewUpdate().Model(o).Column("path").WherePK().Exec(ctx); err != nil {
		return fmt.Errorf("set organization path: %w", err)
	}
	return nil
}

// ensureNameFree returns CONFLICT when an active sibling under parentID already
// has name (exceptID being the node itself, when renaming or moving it).
func ensureNameFree(ctx context.Context, tx bun.IDB, tenantID int64, parentID *int64, name string, exceptID int64) error {
	q := tx.NewSelect().Model((*Organization)(nil)).
		Where("o.tenant_id = ?", tenantID).Where("o.name = ?", name).
		Where("o.dissolved_at IS NULL").Where("o.id <> ?", exceptID)
	if parentID == nil {
		q = q.Where("o.parent_id IS NULL")
	} else {
		q = q.Where("o.parent_id = ?", *parentID)
	}
	exists, err := q.Exists(ctx)
	if err != nil {
		return fmt.Errorf("check sibling names: %w", err)
	}
	if exists {
		return apperr.New(apperr.Conflict, "同一上级组织下已有同名组织")
	}
	return nil
}

// CleanName trims an organisation name and checks its length.
func CleanName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", apperr.Invalid("name", "组织名称不能为空")
	case n > MaxNameLen:
		return "", apperr.Invalid("name", fmt.Sprintf("组织名称不能超过 %d 个字", MaxNameLen))
	}
	return name, nil
}

func checkSortOrder(n int) (int, error) {
	if n < 0 || n > 1_000_000 {
		return 0, apperr.Invalid("sortOrder", "排序号必须在 0 到 1000000 之间")
	}
	return n, nil
}

// EscapeLike escapes s for a LIKE pattern written with ESCAPE '\'.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func parentPath(path string) string {
	p := strings.TrimSuffix(path, "/")
	i := strings.LastIndex(p, "/")
	if i <= 0 {
		return ""
	}
	return p[:i+1]
}

func ancestorIDs(path string) []int64 {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) <= 1 {
		return nil
	}
	ids := make([]int64, 0, len(parts)-1)
	for _, p := range parts[:len(parts)-1] {
		id, err := strconv.ParseInt(p, 10, 64)
		if err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// begin starts a use case: it refuses anonymous contexts up front (so they get
// UNAUTHENTICATED rather than an empty result) and brings the authorizer up to
// date before any transaction opens, pinning that policy version for the rest
// of the call. A policy reload runs its own transaction, which on SQLite would
// wait forever behind the caller's open write transaction.
func (s *Service) begin(ctx context.Context) (context.Context, error) {
	if !actor.IsSystem(ctx) {
		if _, err := actor.Require(ctx); err != nil {
			return ctx, err
		}
	}
	ctx = authz.WithRequestCache(ctx)
	if _, err := s.authz.Grants(ctx, authz.OrgRead); err != nil {
		return ctx, err
	}
	return ctx, nil
}
