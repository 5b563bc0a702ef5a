package affairs

import (
	"context"
	"fmt"
	"sort"
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

// Template limits.
const (
	MaxTemplateNameLen = 50
	MaxRemindDays      = 60
	MaxOverdueEvery    = 30
	MaxEscalateAfter   = 60
)

// Valid reports whether c is a known template category. DEPLOYMENT belongs to
// deployments (部署), not to recurring templates.
func (c Category) Valid() bool {
	switch c {
	case BranchCommittee, GeneralMeeting, GroupMeeting, PartyLecture, ThemeDay, LifeMeeting,
		MemberEvaluation, Summary, Custom:
		return true
	}
	return false
}

// Valid reports whether e is a known kind of evidence.
func (e Evidence) Valid() bool {
	switch e {
	case EvidenceMinutes, EvidenceAttendance, EvidencePhotos, EvidenceSummary:
		return true
	}
	return false
}

// IsDistrict reports whether t is a district template (applies to every town of the district).
func (t *Template) IsDistrict() bool { return t.TenantID == nil }

// Validate checks a template's fields, returning INVALID_INPUT with a Chinese
// message naming the field at fault.
func (t *Template) Validate() error {
	switch n := utf8.RuneCountInString(t.Name); {
	case n == 0 || strings.TrimSpace(t.Name) == "":
		return apperr.Invalid("name", "模板名称不能为空")
	case n > MaxTemplateNameLen:
		return apperr.Invalid("name", fmt.Sprintf("模板名称不能超过 %d 个字", MaxTemplateNameLen))
	}
	if !t.Category.Valid() {
		return apperr.Invalid("category", "模板类别无效")
	}
	if !t.Cadence.Valid() {
		return apperr.Invalid("cadence", "周期无效，应为每周、每月、每季度、每半年或每年")
	}
	kinds := t.OrgKinds()
	if len(kinds) == 0 {
		return apperr.Invalid("orgKinds", "请至少选择一种适用的组织类型")
	}
	for _, k := range kinds {
		if !k.Valid() {
			return apperr.Invalid("orgKinds", "适用的组织类型无效")
		}
	}
	if err := checkDueOffset(t.Cadence, t.DueDaysBeforeEnd); err != nil {
		return err
	}
	for _, e := range t.Evidence() {
		if !e.Valid() {
			return apperr.Invalid("evidence", "佐证材料类型无效")
		}
	}
	if err := checkRemindDays(t.RemindDaysBefore(), t.RemindDaysBeforeText); err != nil {
		return err
	}
	if t.OverdueEveryDays < 1 || t.OverdueEveryDays > MaxOverdueEvery {
		return apperr.Invalid("overdueEveryDays", fmt.Sprintf("逾期提醒间隔须在 1 到 %d 天之间", MaxOverdueEvery))
	}
	if t.EscalateAfterDays < 1 || t.EscalateAfterDays > MaxEscalateAfter {
		return apperr.Invalid("escalateAfterDays", fmt.Sprintf("逾期上报天数须在 1 到 %d 天之间", MaxEscalateAfter))
	}
	return nil
}

func checkDueOffset(c Cadence, days int) error {
	if max := c.Days() - 1; days < 0 || days > max {
		return apperr.Invalid("dueDaysBeforeEnd", fmt.Sprintf("截止日须在周期最后一天之前 0 到 %d 天（%s）", max, c.Label()))
	}
	return nil
}

// checkRemindDays checks parsed offsets; text is the stored form, which must
// parse completely.
func checkRemindDays(days []int, text string) error {
	bad := apperr.Invalid("remindDaysBefore", fmt.Sprintf("提前提醒天数须在 0 到 %d 之间且不能重复", MaxRemindDays))
	if len(days) != len(splitList(text)) {
		return bad
	}
	seen := make(map[int]bool, len(days))
	for _, d := range days {
		if d < 0 || d > MaxRemindDays || seen[d] {
			return bad
		}
		seen[d] = true
	}
	return nil
}

// normaliseRemindDays sorts offsets from the earliest reminder to the latest.
func normaliseRemindDays(days []int) []int {
	out := append([]int(nil), days...)
	sort.Sort(sort.Reverse(sort.IntSlice(out)))
	return out
}

// TemplateInput is a new template. District users create district templates
// of their district, town users town templates of their town; platform admins
// and the system name the town (TownID) or the district (DistrictID).
type TemplateInput struct {
	Name             string
	Category         Category
	OrgKinds         []org.Kind
	Cadence          Cadence
	DueDaysBeforeEnd int
	Evidence         []Evidence
	// RemindDaysBefore nil means the default 7, 3, 1.
	RemindDaysBefore []int
	// OverdueEveryDays 0 means the default 3.
	OverdueEveryDays int
	// EscalateAfterDays 0 means the default 7.
	EscalateAfterDays int
	// TownID and DistrictID place the template for platform admins and the system.
	TownID     int64
	DistrictID int64
}

// TemplatePatch changes the fields that are set. A town adjusting a district
// template may set only Active, DueDaysBeforeEnd and RemindDaysBefore: they go
// to the town's own setting, not to the district template.
type TemplatePatch struct {
	Name              *string
	Category          *Category
	OrgKinds          []org.Kind // nil: unchanged
	Cadence           *Cadence
	DueDaysBeforeEnd  *int
	Evidence          []Evidence // nil: unchanged
	RemindDaysBefore  []int      // nil: unchanged
	OverdueEveryDays  *int
	EscalateAfterDays *int
	// Active switches the template on or off (for a town: for itself only).
	Active *bool
}

func (p TemplatePatch) onlyTownAdjustable() bool {
	return p.Name == nil && p.Category == nil && p.OrgKinds == nil && p.Cadence == nil &&
		p.Evidence == nil && p.OverdueEveryDays == nil && p.EscalateAfterDays == nil
}

func (p TemplatePatch) apply(t *Template) {
	if p.Name != nil {
		t.Name = strings.TrimSpace(*p.Name)
	}
	if p.Category != nil {
		t.Category = *p.Category
	}
	if p.OrgKinds != nil {
		t.SetOrgKinds(dedupeList(p.OrgKinds))
	}
	if p.Cadence != nil {
		t.Cadence = *p.Cadence
	}
	if p.DueDaysBeforeEnd != nil {
		t.DueDaysBeforeEnd = *p.DueDaysBeforeEnd
	}
	if p.Evidence != nil {
		t.SetEvidence(dedupeList(p.Evidence))
	}
	if p.RemindDaysBefore != nil {
		t.SetRemindDaysBefore(normaliseRemindDays(p.RemindDaysBefore))
	}
	if p.OverdueEveryDays != nil {
		t.OverdueEveryDays = *p.OverdueEveryDays
	}
	if p.EscalateAfterDays != nil {
		t.EscalateAfterDays = *p.EscalateAfterDays
	}
	if p.Active != nil {
		t.Active = *p.Active
	}
}

func dedupeList[T comparable](in []T) []T {
	seen := make(map[T]bool, len(in))
	out := make([]T, 0, len(in))
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Templates lists the templates the actor's town works with: the district
// templates of its district, adjusted by the town's settings (a switched-off
// one has Active false), then the town's own. District users get their
// district's templates; platform admins and the system every template.
func (s *Service) Templates(ctx context.Context) ([]*Template, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.requireTaskRead(ctx); err != nil {
		return nil, err
	}
	sc := actor.ScopeOf(ctx)
	var out []*Template
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		switch {
		case sc.TenantID != 0:
			t, err := loadTown(ctx, tx, sc.TenantID)
			if err != nil {
				return err
			}
			out, err = townTemplates(ctx, tx, t.ID, t.DistrictID)
			return err
		case sc.DistrictID != 0:
			return tx.NewSelect().Model(&out).Where("tt.district_id = ?", sc.DistrictID).
				Where("tt.tenant_id IS NULL").OrderExpr("tt.id").Scan(ctx)
		default:
			return tx.NewSelect().Model(&out).OrderExpr("tt.district_id, tt.tenant_id, tt.id").Scan(ctx)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	return out, nil
}

// GetTemplate returns one template as the actor's town sees it, or NOT_FOUND.
func (s *Service) GetTemplate(ctx context.Context, id int64) (*Template, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.requireTaskRead(ctx); err != nil {
		return nil, err
	}
	var out *Template
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		t, err := s.templateInScope(ctx, tx, id)
		if err != nil {
			return err
		}
		if sc := actor.ScopeOf(ctx); sc.TenantID != 0 && t.IsDistrict() {
			set, err := townSetting(ctx, tx, sc.TenantID, t.ID)
			if err != nil {
				return err
			}
			adjusted := set.Apply(*t)
			t = &adjusted
		}
		out = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateTemplate adds a template: a town template (needs task.write on the
// town's root 镇党委) or a district template (needs district.write).
func (s *Service) CreateTemplate(ctx context.Context, in TemplateInput) (*Template, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	sc := actor.ScopeOf(ctx)
	townID, districtID := in.TownID, in.DistrictID
	switch {
	case sc.TenantID != 0:
		if townID != 0 && townID != sc.TenantID {
			return nil, apperr.ErrNotFound
		}
		townID = sc.TenantID
	case sc.DistrictID != 0:
		if townID != 0 {
			return nil, apperr.ErrForbidden
		}
		if districtID != 0 && districtID != sc.DistrictID {
			return nil, apperr.ErrForbidden
		}
		districtID = sc.DistrictID
	case townID == 0 && districtID == 0:
		return nil, apperr.Invalid("districtId", "请指定模板所属的区或乡镇")
	}
	t := &Template{
		Name: strings.TrimSpace(in.Name), Category: in.Category, Cadence: in.Cadence,
		DueDaysBeforeEnd: in.DueDaysBeforeEnd, RemindDaysBeforeText: DefaultRemindDaysBefore,
		OverdueEveryDays: in.OverdueEveryDays, EscalateAfterDays: in.EscalateAfterDays, Active: true,
	}
	t.SetOrgKinds(dedupeList(in.OrgKinds))
	t.SetEvidence(dedupeList(in.Evidence))
	if in.RemindDaysBefore != nil {
		t.SetRemindDaysBefore(normaliseRemindDays(in.RemindDaysBefore))
	}
	if t.OverdueEveryDays == 0 {
		t.OverdueEveryDays = DefaultOverdueEveryDays
	}
	if t.EscalateAfterDays == 0 {
		t.EscalateAfterDays = DefaultEscalateAfterDays
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	// Permission first, outside the write transaction (a policy reload inside
	// an open SQLite write transaction would wait on itself).
	if townID != 0 {
		var town *townInfo
		if err := s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
			town, err = loadTown(ctx, tx, townID)
			return err
		}); err != nil {
			return nil, err
		}
		if err := s.checkTownWrite(ctx, town); err != nil {
			return nil, err
		}
		t.TenantID, t.DistrictID = &town.ID, town.DistrictID
	} else {
		if err := s.authz.Check(ctx, authz.DistrictWrite, authz.Target{DistrictID: districtID}); err != nil {
			return nil, err
		}
		t.DistrictID = districtID
	}
	now := s.utcNow()
	t.CreatedAt, t.UpdatedAt = now, now
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
			return fmt.Errorf("insert template: %w", err)
		}
		return audit.Record(ctx, tx, templateChange(t, "task_template.create", nil, t))
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// UpdateTemplate changes a template. Towns edit their own templates (task.write
// on the town root) and adjust district templates for themselves only (the
// change is stored as the town's setting); district admins edit district
// templates (district.write). Changes apply to instances generated afterwards.
// It returns the template as the actor sees it.
func (s *Service) UpdateTemplate(ctx context.Context, id int64, p TemplatePatch) (*Template, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	sc := actor.ScopeOf(ctx)
	var cur *Template
	var town *townInfo
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		if cur, err = s.templateInScope(ctx, tx, id); err != nil {
			return err
		}
		switch {
		case cur.TenantID != nil:
			town, err = loadTown(ctx, tx, *cur.TenantID)
		case sc.TenantID != 0:
			town, err = loadTown(ctx, tx, sc.TenantID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	townAdjusts := cur.IsDistrict() && sc.TenantID != 0
	switch {
	case town != nil:
		err = s.checkTownWrite(ctx, town)
	default:
		err = s.authz.Check(ctx, authz.DistrictWrite, authz.Target{DistrictID: cur.DistrictID})
	}
	if err != nil {
		return nil, err
	}
	if townAdjusts {
		return s.adjustDistrictTemplate(ctx, town, cur, p)
	}
	next := *cur
	p.apply(&next)
	if err := next.Validate(); err != nil {
		return nil, err
	}
	next.UpdatedAt = s.utcNow()
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model(&next).WherePK().
			ExcludeColumn("id", "tenant_id", "district_id", "code", "created_at").Exec(ctx); err != nil {
			return fmt.Errorf("update template: %w", err)
		}
		return audit.Record(ctx, tx, templateChange(&next, "task_template.update", cur, &next))
	})
	if err != nil {
		return nil, err
	}
	return &next, nil
}

// adjustDistrictTemplate stores a town's own setting of a district template.
func (s *Service) adjustDistrictTemplate(ctx context.Context, town *townInfo, t *Template, p TemplatePatch) (*Template, error) {
	if !p.onlyTownAdjustable() {
		return nil, apperr.Invalid("input", "乡镇只能调整区级模板的启用状态、截止日和提醒天数")
	}
	if p.DueDaysBeforeEnd != nil {
		if err := checkDueOffset(t.Cadence, *p.DueDaysBeforeEnd); err != nil {
			return nil, err
		}
	}
	var remind string
	if p.RemindDaysBefore != nil {
		remind = formatInts(normaliseRemindDays(p.RemindDaysBefore))
		if err := checkRemindDays(p.RemindDaysBefore, remind); err != nil {
			return nil, err
		}
	}
	var out Template
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		set, err := townSetting(ctx, tx, town.ID, t.ID)
		if err != nil {
			return err
		}
		var before *TownSetting
		if set == nil {
			set = &TownSetting{TenantID: town.ID, TemplateID: t.ID, Enabled: true}
		} else {
			b := *set
			before = &b
		}
		if p.Active != nil {
			set.Enabled = *p.Active
		}
		if p.DueDaysBeforeEnd != nil {
			set.DueDaysBeforeEnd = p.DueDaysBeforeEnd
		}
		if p.RemindDaysBefore != nil {
			set.RemindDaysBefore = &remind
		}
		set.UpdatedAt = s.utcNow()
		if before == nil {
			if _, err := tx.NewInsert().Model(set).Exec(ctx); err != nil {
				if db.IsUniqueViolation(err) {
					return apperr.New(apperr.Conflict, "该模板的本镇设置正在被修改，请重试")
				}
				return fmt.Errorf("insert template setting: %w", err)
			}
		} else if _, err := tx.NewUpdate().Model(set).WherePK().
			Column("enabled", "due_days_before_end", "remind_days_before", "updated_at").Exec(ctx); err != nil {
			return fmt.Errorf("update template setting: %w", err)
		}
		out = set.Apply(*t)
		return audit.Record(ctx, tx, audit.Change{
			TenantID: town.ID, Action: "task_template.adjust", EntityType: "task_template_setting",
			EntityID: set.ID, Before: before, After: set,
		})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func templateChange(t *Template, action string, before, after *Template) audit.Change {
	c := audit.Change{Action: action, EntityType: "task_template", EntityID: t.ID, After: after}
	if before != nil {
		c.Before = before
	}
	if t.TenantID != nil {
		c.TenantID = *t.TenantID
	} else {
		c.DistrictID = t.DistrictID
	}
	return c
}

// templateInScope reads template id if the actor's scope may see it: a town
// its own and its district's, a district its own district's (and its towns'),
// the system everything. Otherwise NOT_FOUND.
func (s *Service) templateInScope(ctx context.Context, tx bun.IDB, id int64) (*Template, error) {
	sc := actor.ScopeOf(ctx)
	t := new(Template)
	q := tx.NewSelect().Model(t).Where("tt.id = ?", id)
	switch {
	case sc.System:
	case sc.TenantID != 0:
		q = q.Where("(tt.tenant_id = ? OR (tt.tenant_id IS NULL AND tt.district_id = (SELECT district_id FROM tenants WHERE id = ?)))",
			sc.TenantID, sc.TenantID)
	case sc.DistrictID != 0:
		q = q.Where("tt.district_id = ?", sc.DistrictID)
	default:
		return nil, apperr.ErrNoTenant
	}
	if err := q.Scan(ctx); err != nil {
		if db.IsNoRows(err) {
			return nil, apperr.ErrNotFound
		}
		return nil, fmt.Errorf("get template %d: %w", id, err)
	}
	return t, nil
}

// townTemplates returns a town's district templates (with its settings
// applied) followed by its own, active or not.
func townTemplates(ctx context.Context, tx bun.IDB, tenantID, districtID int64) ([]*Template, error) {
	var rows []*Template
	if err := tx.NewSelect().Model(&rows).
		Where("(tt.tenant_id = ? OR (tt.tenant_id IS NULL AND tt.district_id = ?))", tenantID, districtID).
		OrderExpr("CASE WHEN tt.tenant_id IS NULL THEN 0 ELSE 1 END, tt.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("read town templates: %w", err)
	}
	var sets []*TownSetting
	if err := tx.NewSelect().Model(&sets).Where("ts.tenant_id = ?", tenantID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read template settings: %w", err)
	}
	byTemplate := make(map[int64]*TownSetting, len(sets))
	for _, st := range sets {
		byTemplate[st.TemplateID] = st
	}
	for i, t := range rows {
		if t.IsDistrict() {
			adjusted := byTemplate[t.ID].Apply(*t)
			rows[i] = &adjusted
		}
	}
	return rows, nil
}

// townSetting returns a town's setting of a template, or nil.
func townSetting(ctx context.Context, tx bun.IDB, tenantID, templateID int64) (*TownSetting, error) {
	set := new(TownSetting)
	err := tx.NewSelect().Model(set).Where("ts.tenant_id = ?", tenantID).Where("ts.template_id = ?", templateID).Scan(ctx)
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read template setting: %w", err)
	}
	return set, nil
}

// townInfo is what the module needs to know about a town (tenant).
type townInfo struct {
	ID         int64
	DistrictID int64
	Loc        *time.Location
	Root       *org.Organization
}

// loadTown reads a town visible in ctx's scope and its root 镇党委; NOT_FOUND otherwise.
func loadTown(ctx context.Context, tx bun.IDB, tenantID int64) (*townInfo, error) {
	sc := actor.ScopeOf(ctx)
	var row struct {
		ID         int64  `bun:"id"`
		DistrictID int64  `bun:"district_id"`
		Timezone   string `bun:"timezone"`
	}
	err := tx.NewSelect().Table("tenants").Column("id", "district_id", "timezone").
		Where("id = ?", tenantID).Scan(ctx, &row)
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read town %d: %w", tenantID, err)
	}
	if !sc.CanRead(row.ID, row.DistrictID) {
		return nil, apperr.ErrNotFound
	}
	root := new(org.Organization)
	err = tx.NewSelect().Model(root).Where("o.tenant_id = ?", tenantID).Where("o.parent_id IS NULL").Scan(ctx)
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read town root: %w", err)
	}
	return &townInfo{ID: row.ID, DistrictID: row.DistrictID, Loc: Location(row.Timezone), Root: root}, nil
}

// Location loads a tenant's IANA time zone. An empty or unknown name means
// Asia/Shanghai, and when the zone database is missing Shanghai is UTC+8 (no
// daylight saving since 1991).
func Location(name string) *time.Location {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// checkTownWrite returns FORBIDDEN unless the actor may write town-level task
// settings: task.write on the town's root organisation.
func (s *Service) checkTownWrite(ctx context.Context, t *townInfo) error {
	if !actor.ScopeOf(ctx).CanWriteTenant(t.ID) {
		return apperr.ErrForbidden
	}
	return s.authz.Check(ctx, authz.TaskWrite, authz.Target{TenantID: t.ID, OrgPath: t.Root.Path})
}

// requireTaskRead returns FORBIDDEN when the actor may read tasks nowhere.
func (s *Service) requireTaskRead(ctx context.Context) error {
	g, err := s.authz.Grants(ctx, authz.TaskRead)
	if err != nil {
		return err
	}
	if g.Empty() {
		return apperr.ErrForbidden
	}
	return nil
}

// start begins a use case: it refuses anonymous contexts (UNAUTHENTICATED
// rather than an empty result) and brings the authorizer up to date before
// any transaction opens, pinning that policy version for the rest of the
// call: a reload inside an open SQLite write transaction would deadlock.
func (s *Service) start(ctx context.Context) (context.Context, error) {
	if !actor.IsSystem(ctx) {
		if _, err := actor.Require(ctx); err != nil {
			return ctx, err
		}
	}
	ctx = authz.WithRequestCache(ctx)
	if _, err := s.authz.Grants(ctx, authz.TaskRead); err != nil {
		return ctx, err
	}
	return ctx, nil
}
