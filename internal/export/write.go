package export

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/people"
)

// batch is how many rows one query reads: a ledger is streamed to the sheet
// batch by batch, never held whole in memory.
const batch = 2000

// column is one column of a sheet: its header and width.
type column struct {
	header string
	width  float64
}

// sheet streams rows into one worksheet with a bold, frozen header row.
type sheet struct {
	sw  *excelize.StreamWriter
	row int
}

func newSheet(f *excelize.File, name string, cols []column) (*sheet, error) {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FDE9D9"}}})
	if err != nil {
		return nil, err
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = excelize.Cell{StyleID: bold, Value: c.header}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return nil, err
	}
	return &sheet{sw: sw, row: 1}, nil
}

func (s *sheet) add(values ...any) error {
	s.row++
	cell, _ := excelize.CoordinatesToCellName(1, s.row)
	return s.sw.SetRow(cell, values)
}

// scope is where a ledger's rows come from.
type scope struct {
	org  *orgRef
	loc  *time.Location
	from time.Time
	to   time.Time
}

// write builds the workbook of e into the exports folder and returns its key
// and download filename.
func (s *Service) write(ctx context.Context, e *Export) (key, filename string, err error) {
	f := excelize.NewFile()
	defer f.Close()
	name := e.Kind.Label()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return "", "", err
	}
	var subject string
	switch e.Kind {
	case Comparison:
		subject, err = s.writeComparison(ctx, f, name, e)
	default:
		if e.OrgID == nil {
			return "", "", apperr.New(apperr.InvalidInput, "导出请求缺少组织")
		}
		var o *orgRef
		if o, err = s.orgByID(ctx, *e.OrgID); err != nil {
			return "", "", err
		}
		// The stored scope bounds the build: a town requester exports its own town only.
		if (e.TenantID != nil && *e.TenantID != o.TenantID) || o.DistrictID != e.DistrictID {
			return "", "", apperr.ErrNotFound
		}
		sc := scope{org: o, loc: zone(o.Timezone)}
		if e.Period != "" {
			p, err := affairs.ParsePeriod(e.Period, sc.loc)
			if err != nil {
				return "", "", err
			}
			sc.from, sc.to = p.Start.UTC(), p.End.UTC()
		}
		subject = o.Name
		switch e.Kind {
		case Tasks:
			err = s.writeTasks(ctx, f, name, sc)
		case Records:
			err = s.writeRecords(ctx, f, name, sc)
		case Members:
			err = s.writeMembers(ctx, f, name, sc)
		}
	}
	if err != nil {
		return "", "", err
	}
	if err := s.writeAbout(f, e, subject); err != nil {
		return "", "", err
	}

	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return "", "", fmt.Errorf("create exports folder: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, ".part-*.xlsx")
	if err != nil {
		return "", "", fmt.Errorf("create export file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := f.WriteTo(tmp); err != nil {
		tmp.Close()
		return "", "", fmt.Errorf("write export file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", "", err
	}
	key = strconv.FormatInt(e.ID, 10) + ".xlsx"
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, key)); err != nil {
		return "", "", fmt.Errorf("store export file: %w", err)
	}
	when := e.Period
	if when == "" {
		when = s.clock.Now().In(zone("")).Format("20060102")
	}
	filename = fmt.Sprintf("%s_%s_%s.xlsx", name, strings.NewReplacer("/", "-", `\`, "-").Replace(subject), when)
	return key, filename, nil
}

// writeAbout adds the 说明 sheet: what, whose, which period, when.
func (s *Service) writeAbout(f *excelize.File, e *Export, subject string) error {
	const name = "说明"
	if _, err := f.NewSheet(name); err != nil {
		return err
	}
	period := e.Period
	if period == "" {
		period = "当前名册"
	}
	rows := [][]any{
		{"台账", e.Kind.Label()},
		{"范围", subject},
		{"期间", period},
		{"生成时间", s.clock.Now().In(zone("")).Format("2006-01-02 15:04:05")},
	}
	if e.Kind == Members {
		rows = append(rows, []any{"说明", "为保护个人信息，本台账不含联系电话"})
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(name, cell, &r); err != nil {
			return err
		}
	}
	return f.SetColWidth(name, "A", "B", 40)
}

func statusLabel(st affairs.Status) string {
	return map[affairs.Status]string{affairs.Pending: "待完成", affairs.Submitted: "已提交待审核",
		affairs.Returned: "已退回", affairs.Done: "已完成", affairs.Overdue: "已逾期"}[st]
}

// writeTasks writes the task instances of the subtree due in the period.
func (s *Service) writeTasks(ctx context.Context, f *excelize.File, name string, sc scope) error {
	sh, err := newSheet(f, name, []column{{"组织", 28}, {"任务", 36}, {"期间", 12}, {"截止日期", 18},
		{"状态", 14}, {"完成时间", 18}, {"是否按时", 10}})
	if err != nil {
		return err
	}
	now := s.clock.Now()
	type row struct {
		OrgName     string     `bun:"org_name"`
		Title       string     `bun:"title"`
		Period      string     `bun:"period"`
		DueAt       time.Time  `bun:"due_at"`
		Status      string     `bun:"status"`
		CompletedAt *time.Time `bun:"completed_at"`
	}
	for offset := 0; ; offset += batch {
		var rows []row
		err := s.read(ctx, func(ctx context.Context, idb bun.IDB) error {
			return idb.NewRaw(`SELECT o.name AS org_name, ti.title, ti.period, ti.due_at, ti.status, ti.completed_at
				FROM task_instances ti JOIN organizations o ON o.id = ti.org_id
				WHERE ti.tenant_id = ? AND o.path LIKE ? AND ti.due_at >= ? AND ti.due_at < ?
				ORDER BY o.path, ti.due_at, ti.id LIMIT ? OFFSET ?`,
				sc.org.TenantID, sc.org.Path+"%", sc.from, sc.to, batch, offset).Scan(ctx, &rows)
		})
		if err != nil {
			return fmt.Errorf("read tasks: %w", err)
		}
		for _, r := range rows {
			inst := affairs.Instance{Status: affairs.Status(r.Status), DueAt: r.DueAt, CompletedAt: r.CompletedAt}
			st := inst.StatusAt(now)
			done, onTime := "", ""
			if r.CompletedAt != nil {
				done = r.CompletedAt.In(sc.loc).Format("2006-01-02 15:04")
			}
			switch {
			case st == affairs.Done && r.CompletedAt != nil && !r.CompletedAt.After(r.DueAt):
				onTime = "是"
			case st == affairs.Done || now.After(r.DueAt):
				onTime = "否"
			}
			if err := sh.add(r.OrgName, r.Title, r.Period, r.DueAt.In(sc.loc).Format("2006-01-02 15:04"),
				statusLabel(st), done, onTime); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			break
		}
	}
	return sh.sw.Flush()
}

// writeRecords writes the activity records of the subtree held in the period.
func (s *Service) writeRecords(ctx context.Context, f *excelize.File, name string, sc scope) error {
	sh, err := newSheet(f, name, []column{{"组织", 28}, {"活动", 36}, {"时间", 18}, {"地点", 24},
		{"应到/实到", 12}, {"是否补录", 10}})
	if err != nil {
		return err
	}
	type row struct {
		OrgName  string    `bun:"org_name"`
		Title    string    `bun:"title"`
		StartAt  time.Time `bun:"start_at"`
		Place    string    `bun:"place"`
		Expected int       `bun:"expected"`
		Present  int       `bun:"present"`
		Late     bool      `bun:"late"`
	}
	for offset := 0; ; offset += batch {
		var rows []row
		err := s.read(ctx, func(ctx context.Context, idb bun.IDB) error {
			return idb.NewRaw(`SELECT o.name AS org_name, ar.title, ar.start_at, ar.place, ar.late,
				(SELECT COUNT(*) FROM record_attendance ra WHERE ra.record_id = ar.id) AS expected,
				(SELECT COUNT(*) FROM record_attendance ra WHERE ra.record_id = ar.id AND ra.present) AS present
				FROM activity_records ar JOIN organizations o ON o.id = ar.org_id
				WHERE ar.tenant_id = ? AND o.path LIKE ? AND ar.start_at >= ? AND ar.start_at < ?
				ORDER BY o.path, ar.start_at, ar.id LIMIT ? OFFSET ?`,
				sc.org.TenantID, sc.org.Path+"%", sc.from, sc.to, batch, offset).Scan(ctx, &rows)
		})
		if err != nil {
			return fmt.Errorf("read records: %w", err)
		}
		for _, r := range rows {
			att := ""
			if r.Expected > 0 {
				att = fmt.Sprintf("%d/%d", r.Expected, r.Present)
			}
			late := "否"
			if r.Late {
				late = "是"
			}
			if err := sh.add(r.OrgName, r.Title, r.StartAt.In(sc.loc).Format("2006-01-02 15:04"), r.Place, att, late); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			break
		}
	}
	return sh.sw.Flush()
}

// writeMembers writes the current party members of the subtree. Phone
// numbers are left out: the ledger leaves the platform's access control.
func (s *Service) writeMembers(ctx context.Context, f *excelize.File, name string, sc scope) error {
	sh, err := newSheet(f, name, []column{{"姓名", 12}, {"性别", 8}, {"所属组织", 28}, {"党员状态", 12},
		{"入党日期", 14}, {"党内职务", 24}})
	if err != nil {
		return err
	}
	type row struct {
		Name     string `bun:"name"`
		Gender   string `bun:"gender"`
		OrgName  string `bun:"org_name"`
		Status   string `bun:"member_status"`
		JoinDate string `bun:"join_date"`
		Duties   string `bun:"duties"`
	}
	for offset := 0; ; offset += batch {
		var rows []row
		err := s.read(ctx, func(ctx context.Context, idb bun.IDB) error {
			return idb.NewRaw(`SELECT p.name, p.gender, o.name AS org_name, p.member_status, p.join_date, p.duties
				FROM persons p JOIN organizations o ON o.id = p.org_id
				WHERE p.tenant_id = ? AND o.path LIKE ? AND p.is_member AND p.removed_at IS NULL
				ORDER BY o.path, p.id LIMIT ? OFFSET ?`,
				sc.org.TenantID, sc.org.Path+"%", batch, offset).Scan(ctx, &rows)
		})
		if err != nil {
			return fmt.Errorf("read members: %w", err)
		}
		for _, r := range rows {
			var duties []string
			_ = json.Unmarshal([]byte(r.Duties), &duties) // "" or malformed text: no duties shown
			if err := sh.add(r.Name, people.Gender(r.Gender).Label(), r.OrgName,
				people.MemberStatus(r.Status).Label(), r.JoinDate, strings.Join(duties, "、")); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			break
		}
	}
	return sh.sw.Flush()
}

// writeComparison writes the towns of the requester's district side by side:
// the score of each town's root organisation for the period, its rank and
// its change against the previous period.
func (s *Service) writeComparison(ctx context.Context, f *excelize.File, name string, e *Export) (string, error) {
	p, err := affairs.ParsePeriod(e.Period, zone(""))
	if err != nil {
		return "", err
	}
	var district string
	var rows []struct {
		Name  string   `bun:"name"`
		Score *float64 `bun:"score"`
		Prev  *float64 `bun:"prev"`
	}
	err = s.read(ctx, func(ctx context.Context, idb bun.IDB) error {
		if err := idb.NewRaw("SELECT name FROM districts WHERE id = ?", e.DistrictID).Scan(ctx, &district); err != nil {
			return err
		}
		return idb.NewRaw(`SELECT t.name,
			(SELECT s.total FROM score_snapshots s JOIN organizations o ON o.id = s.org_id
				WHERE o.tenant_id = t.id AND o.parent_id IS NULL AND s.period = ? ORDER BY o.id LIMIT 1) AS score,
			(SELECT s.total FROM score_snapshots s JOIN organizations o ON o.id = s.org_id
				WHERE o.tenant_id = t.id AND o.parent_id IS NULL AND s.period = ? ORDER BY o.id LIMIT 1) AS prev
			FROM tenants t WHERE t.district_id = ? ORDER BY t.id`, p.Key, p.Prev().Key, e.DistrictID).Scan(ctx, &rows)
	})
	if err != nil {
		return "", fmt.Errorf("read comparison: %w", err)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].Score, rows[j].Score
		if (a != nil) != (b != nil) {
			return a != nil
		}
		return a != nil && *a > *b
	})
	sh, err := newSheet(f, name, []column{{"乡镇", 20}, {"得分", 10}, {"排名", 8}, {"较上期", 10}})
	if err != nil {
		return "", err
	}
	for i, r := range rows {
		var score, rank, delta any = "暂无评分", "", ""
		if r.Score != nil {
			score, rank = round1(*r.Score), i+1
			if r.Prev != nil {
				delta = round1(*r.Score - *r.Prev)
			}
		}
		if err := sh.add(r.Name, score, rank, delta); err != nil {
			return "", err
		}
	}
	return district, sh.sw.Flush()
}

// read runs fn as the system: the build has already bounded its rows to the
// stored scope of the request.
func (s *Service) read(ctx context.Context, fn func(ctx context.Context, idb bun.IDB) error) error {
	return s.db.Read(ctx, fn)
}

func round1(f float64) float64 {
	if f < 0 {
		return -round1(-f)
	}
	return float64(int64(f*10+0.5)) / 10
}
