package affairs

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/org"
	"dangjian/internal/pagination"
)

// Deployment limits.
const (
	MaxDeploymentTitleLen   = 100
	MaxDeploymentContentLen = 5000
)

// WorkDeployment is a work item (工作部署) that a town or community issues to
// the organisations below it; each target gets one task instance, due at the
// deadline, whose period is the deadline's month in the town's zone (so it
// counts in that month's 三色 status and period filters).
//
// (The name Deployment is taken by the template category constant.)
type WorkDeployment struct {
	bun.BaseModel `bun:"table:deployments,alias:dp"`

	ID           int64     `bun:"id,pk,autoincrement" json:"id"`
	TenantID     int64     `bun:"tenant_id" json:"tenantId"`
	IssuerOrgID  int64     `bun:"issuer_org_id" json:"issuerOrgId"`
	Title        string    `bun:"title" json:"title"`
	Content      string    `bun:"content" json:"content"`
	Deadline     time.Time `bun:"deadline" json:"deadline"`
	TargetRootID int64     `bun:"target_root_id" json:"targetRootId"`
	// TargetKindsText is stored as comma-separated text; empty means every kind.
	TargetKindsText string    `bun:"target_kinds" json:"-"`
	CreatedBy       *int64    `bun:"created_by" json:"createdBy,omitempty"`
	CreatedAt       time.Time `bun:"created_at" json:"createdAt"`
}

// TargetKinds are the kinds of organisation targeted; none means all.
func (d *WorkDeployment) TargetKinds() []org.Kind {
	var out []org.Kind
	for _, s := range splitList(d.TargetKindsText) {
		out = append(out, org.Kind(s))
	}
	return out
}

// DeploymentInput is a new deployment.
type DeploymentInput struct {
	// IssuerOrgID is the issuing 镇党委, 社区党委 or 党总支; the actor needs task.write on it.
	IssuerOrgID int64
	Title       string
	Content     string
	Deadline    time.Time
	// TargetRootID bounds the targets to its subtree, which must lie inside the issuer's.
	TargetRootID int64
	// TargetKinds narrows the targets; empty means every kind.
	TargetKinds []org.Kind
}

// DeploymentFilter narrows ListDeployments.
type DeploymentFilter struct {
	IssuerOrgID *int64
}

// Progress is how far the targets of a deployment are, by status as of now.
type Progress struct {
	Total     int
	Submitted int
	Done      int
	// Overdue counts open targets past the deadline.
	Overdue int
	// Pending counts open targets (including returned ones) before the deadline.
	Pending int
}

// issuerKinds may issue deployments.
func issuerKind(k org.Kind) bool {
	return k == org.TownCommittee || k == org.CommunityCommittee || k == org.GeneralBranch
}

// CreateDeployment issues a work item: one task instance for every active
// organisation in the target root's subtree (the issuer itself excluded) whose
// kind is targeted. It needs task.write on the issuer.
func (s *Service) CreateDeployment(ctx context.Context, in DeploymentInput) (*WorkDeployment, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	a, isUser := actor.FromContext(ctx)
	title := strings.TrimSpace(in.Title)
	switch n := utf8.RuneCountInString(title); {
	case n == 0:
		return nil, apperr.Invalid("title", "部署标题不能为空")
	case n > MaxDeploymentTitleLen:
		return nil, apperr.Invalid("title", fmt.Sprintf("部署标题不能超过 %d 个字", MaxDeploymentTitleLen))
	}
	content := strings.TrimSpace(in.Content)
	if utf8.RuneCountInString(content) > MaxDeploymentContentLen {
		return nil, apperr.Invalid("content", fmt.Sprintf("部署内容不能超过 %d 个字", MaxDeploymentContentLen))
	}
	if !in.Deadline.After(s.clock.Now()) {
		return nil, apperr.Invalid("deadline", "截止时间必须晚于当前时间")
	}
	kinds := dedupeList(in.TargetKinds)
	for _, k := range kinds {
		if !k.Valid() {
			return nil, apperr.Invalid("targetKinds", "目标组织类型无效")
		}
	}
	var issuer, root *org.Organization
	var town *townInfo
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		if issuer, err = scopedOrg(ctx, tx, in.IssuerOrgID); err != nil {
			return err
		}
		if root, err = scopedOrg(ctx, tx, in.TargetRootID); err != nil {
			return err
		}
		if issuer == nil || root == nil || root.TenantID != issuer.TenantID {
			return apperr.ErrNotFound
		}
		town, err = loadTown(ctx, tx, issuer.TenantID)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Hide what the actor cannot read; refuse what it can read but not write.
	for _, o := range []*org.Organization{issuer, root} {
		if err := s.authz.CheckVisible(ctx, authz.TaskRead, authz.Target{TenantID: o.TenantID, OrgPath: o.Path}); err != nil {
			return nil, err
		}
	}
	if !actor.ScopeOf(ctx).CanWriteTenant(issuer.TenantID) {
		return nil, apperr.ErrForbidden
	}
	if err := s.authz.Check(ctx, authz.TaskWrite, authz.Target{TenantID: issuer.TenantID, OrgPath: issuer.Path}); err != nil {
		return nil, err
	}
	if !issuerKind(issuer.Kind) {
		return nil, apperr.Invalid("issuerOrgId", "只有镇党委、社区党委或党总支可以发布工作部署")
	}
	if issuer.Dissolved() || root.Dissolved() {
		return nil, apperr.New(apperr.Conflict, "组织已撤销，不能发布工作部署")
	}
	if !strings.HasPrefix(root.Path, issuer.Path) {
		return nil, apperr.Invalid("targetRootId", "部署范围必须在发布组织的下级组织之内")
	}
	now := s.utcNow()
	d := &WorkDeployment{
		TenantID: issuer.TenantID, IssuerOrgID: issuer.ID, Title: title, Content: content,
		Deadline: in.Deadline.UTC().Truncate(time.Microsecond), TargetRootID: root.ID, CreatedAt: now,
	}
	ks := make([]string, len(kinds))
	for i, k := range kinds {
		ks[i] = string(k)
	}
	d.TargetKindsText = strings.Join(ks, ",")
	if isUser {
		uid := a.UserID
		d.CreatedBy = &uid
	}
	period := PeriodAt(Monthly, d.Deadline, town.Loc).Key
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var targets []int64
		q := tx.NewSelect().Model((*org.Organization)(nil)).Column("o.id").
			Where("o.tenant_id = ?", root.TenantID).Where("o.path LIKE ?", root.Path+"%").
			Where("o.id <> ?", issuer.ID).Where("o.dissolved_at IS NULL").OrderExpr("o.id")
		if len(kinds) > 0 {
			q = q.Where("o.kind IN (?)", bun.In(kinds))
		}
		if err := q.Scan(ctx, &targets); err != nil {
			return fmt.Errorf("list deployment targets: %w", err)
		}
		if len(targets) == 0 {
			return apperr.Invalid("targetKinds", "部署范围内没有符合条件的组织")
		}
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return fmt.Errorf("insert deployment: %w", err)
		}
		rows := make([]*Instance, len(targets))
		for i, id := range targets {
			did := d.ID
			rows[i] = &Instance{
				TenantID: d.TenantID, DeploymentID: &did, OrgID: id, Period: period, Title: d.Title,
				DueAt: d.Deadline, Status: Pending, CreatedAt: now, UpdatedAt: now,
			}
		}
		if _, err := insertInstances(ctx, tx, rows); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{
			TenantID: d.TenantID, Action: "deployment.create", EntityType: "deployment", EntityID: d.ID,
			After: map[string]any{"deployment": d, "targets": len(targets), "targetOrgIds": idList(targets)},
		})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// deploymentQuery starts a query over deployments (dp) that the actor may
// read: in its towns, and either issued by an organisation it may read or
// targeting one (a branch sees what it was asked to do).
func (s *Service) deploymentQuery(ctx context.Context, tx bun.IDB, model any) (*bun.SelectQuery, error) {
	grants, err := s.authz.Grants(ctx, authz.TaskRead)
	if err != nil {
		return nil, err
	}
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("dp.tenant_id")
	if err != nil {
		return nil, err
	}
	issuerCond, issuerArgs := grants.Filter("io.tenant_id", "io.path")
	targetCond, targetArgs := grants.Filter("o.tenant_id", "o.path")
	args := append(append([]any{}, issuerArgs...), targetArgs...)
	return tx.NewSelect().Model(model).
		Join("JOIN organizations AS io ON io.id = dp.issuer_org_id").
		Where(scopeCond, scopeArgs...).
		Where("("+issuerCond+" OR EXISTS (SELECT 1 FROM task_instances AS ti JOIN organizations AS o ON o.id = ti.org_id"+
			" WHERE ti.deployment_id = dp.id AND "+targetCond+"))", args...), nil
}

// ListDeployments returns a page of the deployments the actor may read, newest first.
func (s *Service) ListDeployments(ctx context.Context, f DeploymentFilter, p pagination.Request) (pagination.Page[*WorkDeployment], error) {
	var out pagination.Page[*WorkDeployment]
	ctx, err := s.start(ctx)
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
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []*WorkDeployment
		q, err := s.deploymentQuery(ctx, tx, &rows)
		if err != nil {
			return err
		}
		if f.IssuerOrgID != nil {
			q = q.Where("dp.issuer_org_id = ?", *f.IssuerOrgID)
		}
		total, err := q.Count(ctx)
		if err != nil {
			return fmt.Errorf("count deployments: %w", err)
		}
		out.TotalCount = int(total)
		if hasCur {
			q = q.Where("dp.id < ?", cur.ID)
		}
		if err := q.OrderExpr("dp.id DESC").Limit(int64(limit + 1)).Scan(ctx); err != nil {
			return fmt.Errorf("list deployments: %w", err)
		}
		out.Items, out.HasNextPage = pagination.Trim(rows, limit)
		return nil
	})
	if err != nil {
		return pagination.Page[*WorkDeployment]{}, err
	}
	return out, nil
}

// GetDeployment returns one deployment the actor may read, or NOT_FOUND.
func (s *Service) GetDeployment(ctx context.Context, id int64) (*WorkDeployment, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	var out *WorkDeployment
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var err error
		out, err = s.getDeployment(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) getDeployment(ctx context.Context, tx bun.IDB, id int64) (*WorkDeployment, error) {
	var rows []*WorkDeployment
	q, err := s.deploymentQuery(ctx, tx, &rows)
	if err != nil {
		return nil, err
	}
	if err := q.Where("dp.id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("get deployment %d: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, apperr.ErrNotFound
	}
	return rows[0], nil
}

// DeploymentProgress counts the deployment's target instances that the actor
// may read (all of them for the issuer) by status as of now.
func (s *Service) DeploymentProgress(ctx context.Context, id int64) (*Progress, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	out := &Progress{}
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		if _, err := s.getDeployment(ctx, tx, id); err != nil {
			return err
		}
		var rows []struct {
			Status  Status `bun:"status"`
			PastDue int    `bun:"past_due"`
			N       int    `bun:"n"`
		}
		q, err := s.instanceQuery(ctx, tx, (*Instance)(nil))
		if err != nil {
			return err
		}
		if err := q.ColumnExpr("ti.status").
			ColumnExpr("CASE WHEN ti.due_at < ? THEN 1 ELSE 0 END AS past_due", now).
			ColumnExpr("COUNT(*) AS n").
			Where("ti.deployment_id = ?", id).
			GroupExpr("ti.status, CASE WHEN ti.due_at < ? THEN 1 ELSE 0 END", now).
			Scan(ctx, &rows); err != nil {
			return fmt.Errorf("deployment progress: %w", err)
		}
		for _, r := range rows {
			out.Total += r.N
			i := Instance{Status: r.Status, DueAt: now}
			if r.PastDue == 1 {
				i.DueAt = now.Add(-time.Second)
			}
			switch i.StatusAt(now) {
			case Submitted:
				out.Submitted += r.N
			case Done:
				out.Done += r.N
			case Overdue:
				out.Overdue += r.N
			default:
				out.Pending += r.N
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
