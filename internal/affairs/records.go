package affairs

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	"dangjian/internal/files"
	"dangjian/internal/org"
	"dangjian/internal/pagination"
)

// Limits of an activity record.
const (
	MaxRecordTitleLen    = 100
	MaxRecordPlaceLen    = 100
	MaxRecordContentLen  = 20000
	MaxRecordMinutesLen  = 50000
	MaxAbsenceReasonLen  = 200
	MaxRecordInstances   = 20
	MaxRecordPeople      = 2000
	MaxRecordAttachments = 50
	// MaxRecordDuration bounds one activity (a two-day 组织生活会 with a study session fits).
	MaxRecordDuration = 72 * time.Hour
	// MaxRecordAhead is how far in the future an activity may be dated, for
	// clocks and time zones that disagree a little; records document what happened.
	MaxRecordAhead = 24 * time.Hour
)

// Record is an activity record (纪实): one meeting, lecture or activity held
// by an organisation, with who came and what was done. It completes one or
// more task instances of that organisation (a 主题党日 held together with a
// 党员大会 counts for both). A record whose instances are of a SUMMARY
// template is a summary (总结), its Content the summary text.
type Record struct {
	bun.BaseModel `bun:"table:activity_records,alias:ar" json:"-"`

	ID       int64     `bun:"id,pk,autoincrement" json:"id"`
	TenantID int64     `bun:"tenant_id" json:"tenantId"`
	OrgID    int64     `bun:"org_id" json:"orgId"`
	Kind     Category  `bun:"kind" json:"kind"`
	Title    string    `bun:"title" json:"title"`
	StartAt  time.Time `bun:"start_at" json:"startAt"`
	EndAt    time.Time `bun:"end_at" json:"endAt"`
	Place    string    `bun:"place" json:"place"`
	// HostID is the person who chaired the activity (主持人).
	HostID  *int64 `bun:"host_person_id" json:"hostId,omitempty"`
	Content string `bun:"content" json:"content"`
	Minutes string `bun:"minutes" json:"minutes"`
	// Late is set when the record was entered more than LateAfterWorkdays
	// working days after the activity ended (补录).
	Late      bool      `bun:"late" json:"late"`
	CreatedBy *int64    `bun:"created_by" json:"createdBy,omitempty"`
	CreatedAt time.Time `bun:"created_at" json:"createdAt"`
	UpdatedAt time.Time `bun:"updated_at" json:"updatedAt"`
}

// IsSummary reports whether the record is a periodic summary (总结).
func (r *Record) IsSummary() bool { return r.Kind == Summary }

// Attendance is one person expected at an activity: present, or absent with a reason.
type Attendance struct {
	bun.BaseModel `bun:"table:record_attendance,alias:ra" json:"-"`

	TenantID      int64  `bun:"tenant_id" json:"tenantId"`
	RecordID      int64  `bun:"record_id,pk" json:"recordId"`
	PersonID      int64  `bun:"person_id,pk" json:"personId"`
	Present       bool   `bun:"present" json:"present"`
	AbsenceReason string `bun:"absence_reason" json:"absenceReason"`
}

// Attachment is an uploaded photo or PDF. It belongs to no record
// (RecordID nil) from upload until a record claims it.
type Attachment struct {
	bun.BaseModel `bun:"table:attachments,alias:att" json:"-"`

	ID          int64  `bun:"id,pk,autoincrement" json:"id"`
	TenantID    int64  `bun:"tenant_id" json:"tenantId"`
	RecordID    *int64 `bun:"record_id" json:"recordId,omitempty"`
	Filename    string `bun:"filename" json:"filename"`
	ContentType string `bun:"content_type" json:"contentType"`
	SizeBytes   int64  `bun:"size_bytes" json:"sizeBytes"`
	SHA256      string `bun:"sha256" json:"sha256"`
	// StorageKey names the content in the file store; never shown to clients.
	StorageKey string    `bun:"storage_key" json:"-"`
	CreatedBy  *int64    `bun:"created_by" json:"createdBy,omitempty"`
	CreatedAt  time.Time `bun:"created_at" json:"createdAt"`
}

// IsImage reports whether the attachment is a photo.
func (a *Attachment) IsImage() bool { return files.IsImage(a.ContentType) }

// recordInstance links a record to an instance it completes.
type recordInstance struct {
	bun.BaseModel `bun:"table:record_instances,alias:ri"`

	TenantID   int64 `bun:"tenant_id"`
	RecordID   int64 `bun:"record_id,pk"`
	InstanceID int64 `bun:"instance_id,pk"`
}

// Absentee is a person who missed the activity, and why (缺席原因).
type Absentee struct {
	PersonID int64
	Reason   string
}

// RecordInput is what CreateRecord needs.
type RecordInput struct {
	// TaskInstanceIDs are the instances the record completes, all of one organisation.
	TaskInstanceIDs []int64
	// Kind is optional: by default the category of the first instance's
	// template (DEPLOYMENT for a deployment, CUSTOM otherwise).
	Kind  Category
	Title string
	// StartAt and EndAt may both be left zero for a summary: it is dated when written.
	StartAt, EndAt time.Time
	Place          string
	// HostID is a person of the organisation (or below it) who chaired the activity.
	HostID      *int64
	AttendeeIDs []int64
	Absentees   []Absentee
	Content     string
	Minutes     string
	// AttachmentIDs are uploads (UploadAttachment) of the caller, not yet used by a record.
	AttachmentIDs []int64
}

// normalize trims text, drops duplicate ids and makes times UTC.
func (in RecordInput) normalize() RecordInput {
	in.TaskInstanceIDs = uniqueIDs(in.TaskInstanceIDs)
	in.AttendeeIDs = uniqueIDs(in.AttendeeIDs)
	in.AttachmentIDs = uniqueIDs(in.AttachmentIDs)
	in.Kind = Category(strings.TrimSpace(string(in.Kind)))
	in.Title = strings.TrimSpace(in.Title)
	in.Place = strings.TrimSpace(in.Place)
	in.Content = strings.TrimSpace(in.Content)
	in.Minutes = strings.TrimSpace(in.Minutes)
	abs := make([]Absentee, 0, len(in.Absentees))
	for _, a := range in.Absentees {
		a.Reason = strings.TrimSpace(a.Reason)
		abs = append(abs, a)
	}
	in.Absentees = abs
	if !in.StartAt.IsZero() {
		in.StartAt = in.StartAt.UTC().Truncate(time.Microsecond)
	}
	if !in.EndAt.IsZero() {
		in.EndAt = in.EndAt.UTC().Truncate(time.Microsecond)
	}
	return in
}

// Validate checks the input on its own, as of now: lengths, times, and that
// no one is both present and absent. Zero StartAt and EndAt pass here (a
// summary may leave them out); CreateRecord requires them for activities.
func (in RecordInput) Validate(now time.Time) error {
	in = in.normalize()
	switch n := len(in.TaskInstanceIDs); {
	case n == 0:
		return apperr.Invalid("taskInstanceIds", "请选择本次活动完成的任务")
	case n > MaxRecordInstances:
		return apperr.Invalid("taskInstanceIds", fmt.Sprintf("一条纪实最多完成 %d 项任务", MaxRecordInstances))
	}
	if in.Kind != "" && !in.Kind.validRecordKind() {
		return apperr.Invalid("kind", "活动类型无效")
	}
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		return apperr.Invalid("title", "请填写活动名称")
	case n > MaxRecordTitleLen:
		return apperr.Invalid("title", fmt.Sprintf("活动名称不能超过 %d 个字", MaxRecordTitleLen))
	}
	if utf8.RuneCountInString(in.Place) > MaxRecordPlaceLen {
		return apperr.Invalid("place", fmt.Sprintf("活动地点不能超过 %d 个字", MaxRecordPlaceLen))
	}
	if utf8.RuneCountInString(in.Content) > MaxRecordContentLen {
		return apperr.Invalid("content", fmt.Sprintf("活动内容不能超过 %d 个字", MaxRecordContentLen))
	}
	if utf8.RuneCountInString(in.Minutes) > MaxRecordMinutesLen {
		return apperr.Invalid("minutes", fmt.Sprintf("会议记录不能超过 %d 个字", MaxRecordMinutesLen))
	}
	if err := checkRecordTimes(in.StartAt, in.EndAt, now); err != nil {
		return err
	}
	if len(in.AttendeeIDs)+len(in.Absentees) > MaxRecordPeople {
		return apperr.Invalid("attendeeIds", fmt.Sprintf("参加和缺席人员合计不能超过 %d 人", MaxRecordPeople))
	}
	if len(in.AttachmentIDs) > MaxRecordAttachments {
		return apperr.Invalid("attachmentIds", fmt.Sprintf("附件不能超过 %d 个", MaxRecordAttachments))
	}
	present := make(map[int64]bool, len(in.AttendeeIDs))
	for _, id := range in.AttendeeIDs {
		present[id] = true
	}
	absent := make(map[int64]bool, len(in.Absentees))
	for _, a := range in.Absentees {
		switch {
		case present[a.PersonID]:
			return apperr.Invalid("absentees", "同一人不能既出席又缺席")
		case absent[a.PersonID]:
			return apperr.Invalid("absentees", "缺席人员重复")
		case a.Reason == "":
			return apperr.Invalid("absentees", "请填写缺席原因")
		case utf8.RuneCountInString(a.Reason) > MaxAbsenceReasonLen:
			return apperr.Invalid("absentees", fmt.Sprintf("缺席原因不能超过 %d 个字", MaxAbsenceReasonLen))
		}
		absent[a.PersonID] = true
	}
	return nil
}

// checkRecordTimes checks an activity's times as of now; both zero is allowed
// (a summary), one alone is not.
func checkRecordTimes(start, end, now time.Time) error {
	switch {
	case start.IsZero() && end.IsZero():
		return nil
	case start.IsZero():
		return apperr.Invalid("startAt", "请填写活动开始时间")
	case end.IsZero():
		return apperr.Invalid("endAt", "请填写活动结束时间")
	case !end.After(start):
		return apperr.Invalid("endAt", "活动结束时间必须晚于开始时间")
	case end.Sub(start) > MaxRecordDuration:
		return apperr.Invalid("endAt", "一次活动的时长不能超过 3 天")
	case start.After(now.Add(MaxRecordAhead)) || end.After(now.Add(MaxRecordAhead)):
		return apperr.Invalid("startAt", "活动时间不能晚于当前时间，请在活动结束后再填写纪实")
	}
	return nil
}

// pathedInstance is an instance with its organisation's path, which decides who sees it.
type pathedInstance struct {
	Instance `bun:",extend"`
	OrgPath  string `bun:"org_path,scanonly"`
}

// pathedRecord is a record with its organisation's path.
type pathedRecord struct {
	Record  `bun:",extend"`
	OrgPath string `bun:"org_path,scanonly"`
}

// CreateRecord records an activity and submits the instances it completes
// for review, in one transaction. The caller needs task.write on the
// instances' organisation. Instances must be pending, returned or overdue;
// the record must carry the evidence every instance's template asks for.
func (s *Service) CreateRecord(ctx context.Context, in RecordInput) (*Record, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	now := s.utcNow()
	in = in.normalize()
	if err := in.Validate(now); err != nil {
		return nil, err
	}
	var out *Record
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		insts, err := s.instancesForRecord(ctx, tx, in.TaskInstanceIDs)
		if err != nil {
			return err
		}
		first := insts[0]
		templates, err := templatesOf(ctx, tx, insts)
		if err != nil {
			return err
		}
		summary, err := checkSummaryMix(insts, templates)
		if err != nil {
			return err
		}
		if in.StartAt.IsZero() {
			if !summary {
				return apperr.Invalid("startAt", "请填写活动开始和结束时间")
			}
			in.StartAt, in.EndAt = now, now
		}
		if in.Kind == "" {
			in.Kind = defaultKind(first.Instance, templates)
		}
		if summary && in.Kind != Summary {
			return apperr.Invalid("kind", "总结类任务的活动类型必须是工作总结")
		}
		if err := checkPeople(ctx, tx, first.TenantID, first.OrgPath, in); err != nil {
			return err
		}
		atts, err := s.attachmentsForRecord(ctx, tx, first.TenantID, in.AttachmentIDs)
		if err != nil {
			return err
		}
		if err := checkEvidence(insts, templates, summary, in, atts); err != nil {
			return err
		}
		loc, err := zoneOfTown(ctx, tx, first.TenantID)
		if err != nil {
			return err
		}
		rec := &Record{
			TenantID: first.TenantID, OrgID: first.OrgID, Kind: in.Kind, Title: in.Title,
			StartAt: in.StartAt, EndAt: in.EndAt, Place: in.Place, HostID: in.HostID,
			Content: in.Content, Minutes: in.Minutes, Late: IsLateEntry(in.EndAt, now, loc),
			CreatedBy: actorUserID(ctx), CreatedAt: now, UpdatedAt: now,
		}
		if _, err := tx.NewInsert().Model(rec).Exec(ctx); err != nil {
			return fmt.Errorf("insert activity record: %w", err)
		}
		if err := insertRecordParts(ctx, tx, rec, in); err != nil {
			return err
		}
		if err := claimAttachments(ctx, tx, rec, in.AttachmentIDs); err != nil {
			return err
		}
		if err := submitInstances(ctx, tx, rec, insts, now); err != nil {
			return err
		}
		out = rec
		return audit.Record(ctx, tx, audit.Change{
			TenantID: rec.TenantID, Action: "activity_record.create", EntityType: "activity_record",
			EntityID: rec.ID, After: recordAudit{Record: rec, InstanceIDs: in.TaskInstanceIDs,
				AttendeeIDs: in.AttendeeIDs, Absentees: in.Absentees, AttachmentIDs: in.AttachmentIDs},
		})
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, out.TenantID)
	return out, nil
}

// recordAudit is what the audit log keeps of a new record.
type recordAudit struct {
	*Record
	InstanceIDs   []int64    `json:"instanceIds"`
	AttendeeIDs   []int64    `json:"attendeeIds"`
	Absentees     []Absentee `json:"absentees"`
	AttachmentIDs []int64    `json:"attachmentIds"`
}

// instancesForRecord loads the instances a record is to complete: visible,
// of one organisation the caller may write tasks for, and open.
func (s *Service) instancesForRecord(ctx context.Context, tx bun.IDB, ids []int64) ([]*pathedInstance, error) {
	rows, err := s.instancesByID(ctx, tx, ids)
	if err != nil {
		return nil, err
	}
	if len(rows) != len(ids) {
		return nil, apperr.ErrNotFound
	}
	first := rows[0]
	for _, r := range rows[1:] {
		if r.OrgID != first.OrgID {
			return nil, apperr.Invalid("taskInstanceIds", "一条纪实只能完成同一党组织的任务")
		}
	}
	if err := s.checkTaskWrite(ctx, first.TenantID, first.OrgPath); err != nil {
		return nil, err
	}
	for _, r := range rows {
		if !r.Status.openForRecord() {
			return nil, apperr.New(apperr.Conflict, "该任务已提交或已完成")
		}
	}
	return rows, nil
}

// openForRecord reports whether an instance in status st can be completed by a new record.
func (st Status) openForRecord() bool { return st == Pending || st == Returned || st == Overdue }

// instancesByID returns those of ids the caller may read (tenant scope and
// task.read), with their organisation's path, in the order of ids.
func (s *Service) instancesByID(ctx context.Context, idb bun.IDB, ids []int64) ([]*pathedInstance, error) {
	var rows []*pathedInstance
	q, err := s.instanceQuery(ctx, idb, &rows)
	if err != nil {
		return nil, err
	}
	if err := q.ColumnExpr("ti.*").ColumnExpr("o.path AS org_path").
		Where("ti.id IN (?)", bun.In(ids)).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("load task instances: %w", err)
	}
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	sort.Slice(rows, func(i, j int) bool { return pos[rows[i].ID] < pos[rows[j].ID] })
	return rows, nil
}

// visibleInstance is instancesByID for one id, NOT_FOUND when hidden.
func (s *Service) visibleInstance(ctx context.Context, idb bun.IDB, id int64) (*pathedInstance, error) {
	rows, err := s.instancesByID(ctx, idb, []int64{id})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, apperr.ErrNotFound
	}
	return rows[0], nil
}

// checkTaskWrite returns FORBIDDEN unless the caller may write tasks of the
// organisation at path in town tenantID (district users never write town rows).
func (s *Service) checkTaskWrite(ctx context.Context, tenantID int64, path string) error {
	if !actor.ScopeOf(ctx).CanWriteTenant(tenantID) {
		return apperr.ErrForbidden
	}
	return s.authz.Check(ctx, authz.TaskWrite, authz.Target{TenantID: tenantID, OrgPath: path})
}

// templatesOf loads the templates of the instances, by id.
func templatesOf(ctx context.Context, idb bun.IDB, insts []*pathedInstance) (map[int64]*Template, error) {
	var ids []int64
	for _, i := range insts {
		if i.TemplateID != nil {
			ids = append(ids, *i.TemplateID)
		}
	}
	out := make(map[int64]*Template, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []*Template
	// The instances were scope-checked; their templates are the town's or its district's.
	if err := idb.NewSelect().Model(&rows).Where("tt.id IN (?)", bun.In(uniqueIDs(ids))).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load task templates: %w", err)
	}
	for _, t := range rows {
		out[t.ID] = t
	}
	return out, nil
}

// checkSummaryMix reports whether the instances are summaries, refusing a mix
// of summaries and activities in one record.
func checkSummaryMix(insts []*pathedInstance, templates map[int64]*Template) (bool, error) {
	n := 0
	for _, i := range insts {
		if t := templateOf(i.Instance, templates); t != nil && t.Category == Summary {
			n++
		}
	}
	if n > 0 && n < len(insts) {
		return false, apperr.Invalid("taskInstanceIds", "工作总结不能与其他活动合并填写")
	}
	return n > 0, nil
}

func templateOf(i Instance, templates map[int64]*Template) *Template {
	if i.TemplateID == nil {
		return nil
	}
	return templates[*i.TemplateID]
}

// defaultKind is the kind of a record completing i: its template's category,
// DEPLOYMENT for a deployment, CUSTOM otherwise.
func defaultKind(i Instance, templates map[int64]*Template) Category {
	if t := templateOf(i, templates); t != nil {
		return t.Category
	}
	if i.DeploymentID != nil {
		return Deployment
	}
	return Custom
}

// validRecordKind reports whether c may be the kind of a record: any template
// category, or DEPLOYMENT.
func (c Category) validRecordKind() bool { return c.Valid() || c == Deployment }

// checkPeople checks that host, attendees and absentees are on the rolls of
// the organisation at orgPath or below it, in its town, and not removed.
func checkPeople(ctx context.Context, idb bun.IDB, tenantID int64, orgPath string, in RecordInput) error {
	ids := append([]int64{}, in.AttendeeIDs...)
	for _, a := range in.Absentees {
		ids = append(ids, a.PersonID)
	}
	if in.HostID != nil {
		ids = append(ids, *in.HostID)
	}
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil
	}
	var found []int64
	if err := idb.NewSelect().TableExpr("persons AS p").ColumnExpr("p.id").
		Join("JOIN organizations AS o ON o.id = p.org_id AND o.tenant_id = p.tenant_id").
		Where("p.id IN (?)", bun.In(ids)).
		Where("p.tenant_id = ?", tenantID).
		Where("o.path LIKE ?", orgPath+"%").
		Where("p.removed_at IS NULL").
		Scan(ctx, &found); err != nil {
		return fmt.Errorf("check record people: %w", err)
	}
	ok := make(map[int64]bool, len(found))
	for _, id := range found {
		ok[id] = true
	}
	if in.HostID != nil && !ok[*in.HostID] {
		return apperr.Invalid("hostId", "主持人必须是本组织（含下级组织）的在册人员")
	}
	for _, id := range in.AttendeeIDs {
		if !ok[id] {
			return apperr.Invalid("attendeeIds", "参加人员必须是本组织（含下级组织）的在册人员")
		}
	}
	for _, a := range in.Absentees {
		if !ok[a.PersonID] {
			return apperr.Invalid("absentees", "缺席人员必须是本组织（含下级组织）的在册人员")
		}
	}
	return nil
}

// attachmentsForRecord loads the attachments a record is to claim: of the
// town, not claimed yet, and uploaded by the caller (any uploader for the system).
func (s *Service) attachmentsForRecord(ctx context.Context, idb bun.IDB, tenantID int64, ids []int64) ([]*Attachment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []*Attachment
	q := idb.NewSelect().Model(&rows).
		Where("att.id IN (?)", bun.In(ids)).
		Where("att.tenant_id = ?", tenantID).
		Where("att.record_id IS NULL")
	if uid := actorUserID(ctx); uid != nil {
		q = q.Where("att.created_by = ?", *uid)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("load attachments: %w", err)
	}
	if len(rows) != len(ids) {
		return nil, apperr.Invalid("attachmentIds", "附件不存在、已被其他纪实使用，或不是您上传的")
	}
	return rows, nil
}

// checkEvidence refuses a record lacking what the instances' templates
// require (and a summary without its text), naming everything missing.
func checkEvidence(insts []*pathedInstance, templates map[int64]*Template, summary bool, in RecordInput, atts []*Attachment) error {
	need := map[Evidence]bool{}
	for _, i := range insts {
		if t := templateOf(i.Instance, templates); t != nil {
			for _, e := range t.Evidence() {
				need[e] = true
			}
		}
	}
	if summary {
		need[EvidenceSummary] = true
	}
	photos := 0
	for _, a := range atts {
		if a.IsImage() {
			photos++
		}
	}
	var missing []string
	field := ""
	add := func(f, what string) {
		if field == "" {
			field = f
		}
		missing = append(missing, what)
	}
	if need[EvidenceMinutes] && in.Minutes == "" {
		add("minutes", "会议记录")
	}
	if need[EvidenceAttendance] && len(in.AttendeeIDs) == 0 {
		add("attendeeIds", "参加人员")
	}
	if need[EvidencePhotos] && photos == 0 {
		add("attachmentIds", "活动照片（至少一张）")
	}
	if need[EvidenceSummary] && in.Content == "" {
		if summary {
			add("content", "总结内容")
		} else {
			add("content", "活动内容（总结）")
		}
	}
	if len(missing) > 0 {
		return apperr.Invalid(field, "该任务要求的材料不全，还缺少："+strings.Join(missing, "、"))
	}
	return nil
}

// insertRecordParts stores the record's links to its instances and its attendance.
func insertRecordParts(ctx context.Context, tx bun.IDB, rec *Record, in RecordInput) error {
	links := make([]*recordInstance, 0, len(in.TaskInstanceIDs))
	for _, id := range in.TaskInstanceIDs {
		links = append(links, &recordInstance{TenantID: rec.TenantID, RecordID: rec.ID, InstanceID: id})
	}
	if _, err := tx.NewInsert().Model(&links).Exec(ctx); err != nil {
		return fmt.Errorf("link record to instances: %w", err)
	}
	var att []*Attendance
	for _, id := range in.AttendeeIDs {
		att = append(att, &Attendance{TenantID: rec.TenantID, RecordID: rec.ID, PersonID: id, Present: true})
	}
	for _, a := range in.Absentees {
		att = append(att, &Attendance{TenantID: rec.TenantID, RecordID: rec.ID, PersonID: a.PersonID, AbsenceReason: a.Reason})
	}
	if len(att) == 0 {
		return nil
	}
	if _, err := tx.NewInsert().Model(&att).Exec(ctx); err != nil {
		return fmt.Errorf("insert attendance: %w", err)
	}
	return nil
}

// claimAttachments sets the record of the attachments; the record_id IS NULL
// guard makes two records racing for one upload fail instead of sharing it.
func claimAttachments(ctx context.Context, tx bun.IDB, rec *Record, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	res, err := tx.NewUpdate().Model((*Attachment)(nil)).
		Set("record_id = ?", rec.ID).
		Where("id IN (?)", bun.In(ids)).
		Where("tenant_id = ?", rec.TenantID).
		Where("record_id IS NULL").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("claim attachments: %w", err)
	}
	if n, _ := res.RowsAffected(); n != int64(len(ids)) {
		return apperr.New(apperr.Conflict, "附件已被其他纪实使用，请重新上传")
	}
	return nil
}

// submitInstances moves the instances to SUBMITTED and writes their history.
// The status guard in the UPDATE makes a concurrent submission or review fail
// with CONFLICT rather than be overwritten.
func submitInstances(ctx context.Context, tx bun.IDB, rec *Record, insts []*pathedInstance, now time.Time) error {
	ids := make([]int64, len(insts))
	for i, in := range insts {
		ids[i] = in.ID
	}
	res, err := tx.NewUpdate().Model((*Instance)(nil)).
		Set("status = ?", Submitted).
		Set("submitted_at = ?", now).
		Set("updated_at = ?", now).
		Where("id IN (?)", bun.In(ids)).
		Where("tenant_id = ?", rec.TenantID).
		Where("status IN (?)", bun.In([]Status{Pending, Returned, Overdue})).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("submit task instances: %w", err)
	}
	if n, _ := res.RowsAffected(); n != int64(len(ids)) {
		return apperr.New(apperr.Conflict, "该任务已提交或已完成")
	}
	events := make([]*ReviewEvent, len(insts))
	recID := rec.ID
	for i, in := range insts {
		events[i] = &ReviewEvent{TenantID: rec.TenantID, InstanceID: in.ID, Action: ReviewSubmit,
			RecordID: &recID, ActorUserID: actorUserID(ctx), CreatedAt: now}
	}
	if _, err := tx.NewInsert().Model(&events).Exec(ctx); err != nil {
		return fmt.Errorf("insert review history: %w", err)
	}
	for _, in := range insts {
		after := in.Instance
		after.Status, after.SubmittedAt, after.UpdatedAt = Submitted, &now, now
		if err := audit.Record(ctx, tx, audit.Change{
			TenantID: rec.TenantID, Action: "task_instance.submit", EntityType: "task_instance",
			EntityID: in.ID, Before: &in.Instance, After: &after,
		}); err != nil {
			return err
		}
	}
	return nil
}

// RecordFilter narrows ListRecords. Zero values do not filter.
type RecordFilter struct {
	// OrgID lists one organisation's records (and, with IncludeDescendants, its subtree's).
	OrgID              *int64
	IncludeDescendants bool
	// InstanceID lists the records that completed one task instance.
	InstanceID *int64
	// From and To bound the activity's start: From ≤ startAt < To.
	From, To *time.Time
}

// ListRecords returns a page of the records the caller may read (task.read on
// their organisation), newest entry first.
func (s *Service) ListRecords(ctx context.Context, f RecordFilter, page pagination.Request) (pagination.Page[*Record], error) {
	var out pagination.Page[*Record]
	ctx, err := s.start(ctx)
	if err != nil {
		return out, err
	}
	limit, err := page.Limit()
	if err != nil {
		return out, err
	}
	cur, hasCur, err := page.Cursor()
	if err != nil {
		return out, err
	}
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []*pathedRecord
		q, err := s.selectRecords(ctx, tx, &rows)
		if err != nil {
			return err
		}
		if f.OrgID != nil {
			if f.IncludeDescendants {
				q = q.Where("o.path LIKE (SELECT po.path FROM organizations AS po WHERE po.id = ?) || '%'", *f.OrgID)
			} else {
				q = q.Where("ar.org_id = ?", *f.OrgID)
			}
		}
		if f.InstanceID != nil {
			q = q.Where("ar.id IN (SELECT ri.record_id FROM record_instances AS ri WHERE ri.instance_id = ?)", *f.InstanceID)
		}
		if f.From != nil {
			q = q.Where("ar.start_at >= ?", f.From.UTC())
		}
		if f.To != nil {
			q = q.Where("ar.start_at < ?", f.To.UTC())
		}
		total, err := q.Count(ctx)
		if err != nil {
			return fmt.Errorf("count activity records: %w", err)
		}
		out.TotalCount = int(total)
		if hasCur {
			q = q.Where("ar.id < ?", cur.ID)
		}
		if err := q.OrderExpr("ar.id DESC").Limit(int64(limit + 1)).Scan(ctx); err != nil {
			return fmt.Errorf("list activity records: %w", err)
		}
		rows, out.HasNextPage = pagination.Trim(rows, limit)
		out.Items = unpathRecords(rows)
		return nil
	})
	return out, err
}

// GetRecord returns record id if the caller may read it, else NOT_FOUND.
func (s *Service) GetRecord(ctx context.Context, id int64) (*Record, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	var out *Record
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		r, err := s.visibleRecord(ctx, tx, id)
		if err == nil {
			out = &r.Record
		}
		return err
	})
	return out, err
}

// GetRecords returns the records among ids that the caller may read, keyed by
// id, in one query (for dataloaders). Missing and hidden ids are absent.
func (s *Service) GetRecords(ctx context.Context, ids []int64) (map[int64]*Record, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*Record, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		var rows []*pathedRecord
		q, err := s.selectRecords(ctx, tx, &rows)
		if err != nil {
			return err
		}
		if err := q.Where("ar.id IN (?)", bun.In(uniqueIDs(ids))).Scan(ctx); err != nil {
			return fmt.Errorf("get activity records: %w", err)
		}
		for _, r := range unpathRecords(rows) {
			out[r.ID] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RecordAttendance returns who was expected at a record's activity: those
// present first, then the absent with their reasons.
func (s *Service) RecordAttendance(ctx context.Context, recordID int64) ([]*Attendance, error) {
	var out []*Attendance
	err := s.readRecord(ctx, recordID, func(ctx context.Context, tx bun.IDB, r *pathedRecord) error {
		if err := tx.NewSelect().Model(&out).
			Where("ra.record_id = ?", r.ID).Where("ra.tenant_id = ?", r.TenantID).
			OrderExpr("ra.present DESC, ra.person_id").Scan(ctx); err != nil {
			return fmt.Errorf("read attendance: %w", err)
		}
		return nil
	})
	return out, err
}

// RecordAttachments returns a record's photos and files, in upload order.
func (s *Service) RecordAttachments(ctx context.Context, recordID int64) ([]*Attachment, error) {
	var out []*Attachment
	err := s.readRecord(ctx, recordID, func(ctx context.Context, tx bun.IDB, r *pathedRecord) error {
		if err := tx.NewSelect().Model(&out).
			Where("att.record_id = ?", r.ID).Where("att.tenant_id = ?", r.TenantID).
			OrderExpr("att.id").Scan(ctx); err != nil {
			return fmt.Errorf("read attachments: %w", err)
		}
		return nil
	})
	return out, err
}

// RecordInstances returns the ids of the task instances a record completed.
func (s *Service) RecordInstances(ctx context.Context, recordID int64) ([]int64, error) {
	var out []int64
	err := s.readRecord(ctx, recordID, func(ctx context.Context, tx bun.IDB, r *pathedRecord) error {
		if err := tx.NewSelect().Model((*recordInstance)(nil)).Column("instance_id").
			Where("ri.record_id = ?", r.ID).Where("ri.tenant_id = ?", r.TenantID).
			OrderExpr("ri.instance_id").Scan(ctx, &out); err != nil {
			return fmt.Errorf("read record instances: %w", err)
		}
		return nil
	})
	return out, err
}

// InstanceRecords returns the records submitted for a task instance, oldest
// first (a returned task has one per submission).
func (s *Service) InstanceRecords(ctx context.Context, instanceID int64) ([]*Record, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Record
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		if _, err := s.visibleInstance(ctx, tx, instanceID); err != nil {
			return err
		}
		var rows []*pathedRecord
		q, err := s.selectRecords(ctx, tx, &rows)
		if err != nil {
			return err
		}
		if err := q.Where("ar.id IN (SELECT ri.record_id FROM record_instances AS ri WHERE ri.instance_id = ?)", instanceID).
			OrderExpr("ar.id").Scan(ctx); err != nil {
			return fmt.Errorf("read instance records: %w", err)
		}
		out = unpathRecords(rows)
		return nil
	})
	return out, err
}

// readRecord runs fn on record id once the caller is known to see it.
func (s *Service) readRecord(ctx context.Context, id int64, fn func(ctx context.Context, tx bun.IDB, r *pathedRecord) error) error {
	ctx, err := s.start(ctx)
	if err != nil {
		return err
	}
	return s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		r, err := s.visibleRecord(ctx, tx, id)
		if err != nil {
			return err
		}
		return fn(ctx, tx, r)
	})
}

// selectRecords selects the records the caller may read, with their org path.
func (s *Service) selectRecords(ctx context.Context, idb bun.IDB, model any) (*bun.SelectQuery, error) {
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("ar.tenant_id")
	if err != nil {
		return nil, err
	}
	grants, err := s.authz.Grants(ctx, authz.TaskRead)
	if err != nil {
		return nil, err
	}
	grantCond, grantArgs := grants.Filter("ar.tenant_id", "o.path")
	return idb.NewSelect().Model(model).
		ColumnExpr("ar.*").ColumnExpr("o.path AS org_path").
		Join("JOIN organizations AS o ON o.id = ar.org_id AND o.tenant_id = ar.tenant_id").
		Where(scopeCond, scopeArgs...).
		Where(grantCond, grantArgs...), nil
}

// visibleRecord returns record id when the caller may read it, else NOT_FOUND.
func (s *Service) visibleRecord(ctx context.Context, idb bun.IDB, id int64) (*pathedRecord, error) {
	r := new(pathedRecord)
	q, err := s.selectRecords(ctx, idb, r)
	if err != nil {
		return nil, err
	}
	err = q.Where("ar.id = ?", id).Scan(ctx)
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get activity record %d: %w", id, err)
	}
	return r, nil
}

func unpathRecords(rows []*pathedRecord) []*Record {
	out := make([]*Record, len(rows))
	for i, r := range rows {
		out[i] = &r.Record
	}
	return out
}

// UploadAttachment stores a photo or PDF for a record of organisation orgID
// that the caller is about to write (task.write on it). The attachment stays
// unclaimed — visible to its uploader only — until CreateRecord claims it.
// filename is kept for display only; the file's type is sniffed from its
// content (see files.Store.Put), whatever contentType says.
func (s *Service) UploadAttachment(ctx context.Context, orgID int64, filename, contentType string, r io.Reader) (*Attachment, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	if s.files == nil {
		return nil, errors.New("upload attachment: no file store configured")
	}
	var o *org.Organization
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		o, err = s.visibleOrg(ctx, tx, orgID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.checkTaskWrite(ctx, o.TenantID, o.Path); err != nil {
		return nil, err
	}
	if o.Dissolved() {
		return nil, apperr.Invalid("orgId", "该党组织已撤销")
	}
	stored, err := s.files.Put(ctx, r, filename, contentType, files.MaxSize)
	if err != nil {
		return nil, err
	}
	a := &Attachment{
		TenantID: o.TenantID, Filename: files.CleanFilename(filename), ContentType: stored.ContentType,
		SizeBytes: stored.Size, SHA256: stored.SHA256, StorageKey: stored.Key,
		CreatedBy: actorUserID(ctx), CreatedAt: s.utcNow(),
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{
			TenantID: a.TenantID, Action: "attachment.upload", EntityType: "attachment", EntityID: a.ID,
			After: map[string]any{"attachment": a, "orgId": o.ID},
		})
	})
	if err != nil {
		// The row never committed: do not leave its content behind.
		_ = s.files.Remove(context.WithoutCancel(ctx), stored.Key)
		return nil, err
	}
	return a, nil
}

// OpenAttachment returns an attachment and its content for download. A
// claimed attachment is visible with task.read on its record's organisation;
// an unclaimed one to its uploader only. Anything else is NOT_FOUND. The
// caller closes the reader.
func (s *Service) OpenAttachment(ctx context.Context, id int64) (*Attachment, io.ReadCloser, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, nil, err
	}
	if s.files == nil {
		return nil, nil, errors.New("open attachment: no file store configured")
	}
	a := new(Attachment)
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("att.tenant_id")
		if err != nil {
			return err
		}
		err = tx.NewSelect().Model(a).Where("att.id = ?", id).Where(scopeCond, scopeArgs...).Scan(ctx)
		if db.IsNoRows(err) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("get attachment %d: %w", id, err)
		}
		if a.RecordID == nil {
			if uid := actorUserID(ctx); uid != nil && (a.CreatedBy == nil || *a.CreatedBy != *uid) {
				return apperr.ErrNotFound
			}
			return nil
		}
		_, err = s.visibleRecord(ctx, tx, *a.RecordID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	rc, err := s.files.Open(ctx, a.StorageKey)
	if err != nil {
		return nil, nil, err
	}
	return a, rc, nil
}

// visibleOrg returns organisation id when it is in the caller's scope and the
// caller may read its tasks, else NOT_FOUND.
func (s *Service) visibleOrg(ctx context.Context, idb bun.IDB, id int64) (*org.Organization, error) {
	scopeCond, scopeArgs, err := actor.ScopeOf(ctx).Filter("o.tenant_id")
	if err != nil {
		return nil, err
	}
	o := new(org.Organization)
	err = idb.NewSelect().Model(o).Where("o.id = ?", id).Where(scopeCond, scopeArgs...).Scan(ctx)
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get organization %d: %w", id, err)
	}
	if err := s.authz.CheckVisible(ctx, authz.TaskRead, authz.Target{TenantID: o.TenantID, OrgPath: o.Path}); err != nil {
		return nil, err
	}
	return o, nil
}

// actorUserID is the signed-in user's id, or nil for the system.
func actorUserID(ctx context.Context) *int64 {
	if a, ok := actor.FromContext(ctx); ok {
		id := a.UserID
		return &id
	}
	return nil
}

// uniqueIDs returns ids without duplicates, in first-seen order.
func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
