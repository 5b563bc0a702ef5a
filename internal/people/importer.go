package people

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/org"
)

// Import limits.
const (
	MaxImportRows  = 5000
	MaxImportBytes = 20 << 20
)

// Sheet names of the import template.
const (
	DataSheet = "人员信息"
	HelpSheet = "填写说明"
)

// Column headers of the import template; a trailing * marks a required column.
const (
	ColName             = "姓名*"
	ColGender           = "性别*"
	ColBirthDate        = "出生日期"
	ColPhone            = "手机号码"
	ColOrg              = "所属党组织*"
	ColIsMember         = "是否党员*"
	ColMemberStatus     = "党员状态"
	ColJoinDate         = "入党日期"
	ColDuties           = "党内职务"
	ColIsCommunityCadre = "社区干部"
	ColIsLeagueMember   = "共青团员"
	ColIsVolunteer      = "志愿者"
	ColIsInService      = "在职党员"
	ColWorkUnit         = "工作单位"
)

// RowError is one problem found in an import file.
type RowError struct {
	// Row is the Excel row number (the header is row 1).
	Row int
	// Column is the header text of the column at fault.
	Column string
	// Message says what is wrong, in Chinese.
	Message string
}

// ImportResult reports an import: either Created people, or (with nothing
// written) every error found.
type ImportResult struct {
	Created int
	Errors  []RowError
}

// column describes one column of the template.
type column struct {
	header  string
	field   string // Input field the column fills, as named in validation problems
	help    string
	choices []string // drop-down values, when the column has a fixed set
	example string
	width   float64
}

func columns() []column {
	yesNo := []string{"是", "否"}
	return []column{
		{ColName, "name", "必填，不超过 30 个字", nil, "张三", 12},
		{ColGender, "gender", "必填", []string{"男", "女"}, "男", 8},
		{ColBirthDate, "birthDate", "选填，格式 YYYY-MM-DD，不能晚于今天", nil, "1980-05-01", 14},
		{ColPhone, "phone", "选填，11 位手机号码", nil, "13812345678", 15},
		{ColOrg, "orgId", "必填，填写本单位或其下属党组织的全称，须与系统中的名称一致", nil, "示例社区第一党支部", 24},
		{ColIsMember, "isMember", "必填", yesNo, "是", 10},
		{ColMemberStatus, "memberStatus", "党员必填，非党员不填", []string{"正式党员", "预备党员"}, "正式党员", 12},
		{ColJoinDate, "joinDate", "选填，仅党员填写，格式 YYYY-MM-DD，须晚于出生日期", nil, "2005-07-01", 14},
		{ColDuties, "duties", "选填，多个职务用“、”或“,”分隔，可选：" + strings.Join(Duties(), "、"), nil, "组织委员", 16},
		{ColIsCommunityCadre, "isCommunityCadre", "选填，不填视为“否”", yesNo, "否", 10},
		{ColIsLeagueMember, "isLeagueMember", "选填，不填视为“否”", yesNo, "否", 10},
		{ColIsVolunteer, "isVolunteer", "选填，不填视为“否”", yesNo, "是", 10},
		{ColIsInService, "isInService", "选填，不填视为“否”；填“是”时必须填写工作单位", yesNo, "是", 10},
		{ColWorkUnit, "workUnit", "在职党员必填，不超过 100 个字", nil, "示例科技有限公司", 20},
	}
}

// ImportTemplate returns the .xlsx template for Import: the 人员信息 sheet
// with headers, one example row (skipped on import while left unchanged) and
// drop-downs, and a 填写说明 sheet explaining each column.
func ImportTemplate() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", DataSheet); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	cols := columns()
	header, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FCE4D6"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
	})
	if err != nil {
		return nil, fmt.Errorf("template style: %w", err)
	}
	// Text format (@), so Excel keeps dates and phone numbers as typed.
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return nil, fmt.Errorf("template style: %w", err)
	}
	lastRow := MaxImportRows + 1
	for i, c := range cols {
		name, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(DataSheet, name, name, c.width); err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
		if err := f.SetColStyle(DataSheet, name, text); err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
		if err := f.SetCellStr(DataSheet, name+"1", c.header); err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
		if err := f.SetCellStr(DataSheet, name+"2", c.example); err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
		if len(c.choices) > 0 {
			dv := excelize.NewDataValidation(true)
			dv.SetSqref(fmt.Sprintf("%s2:%s%d", name, name, lastRow))
			if err := dv.SetDropList(c.choices); err != nil {
				return nil, fmt.Errorf("template: %w", err)
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误", "请从下拉列表中选择："+strings.Join(c.choices, "、"))
			if err := f.AddDataValidation(DataSheet, dv); err != nil {
				return nil, fmt.Errorf("template: %w", err)
			}
		}
	}
	lastCol, _ := excelize.ColumnNumberToName(len(cols))
	if err := f.SetCellStyle(DataSheet, "A1", lastCol+"1", header); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	if err := f.SetPanes(DataSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}

	if _, err := f.NewSheet(HelpSheet); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	help := [][]any{
		{"列名", "是否必填", "填写说明", "可选值", "示例"},
	}
	for _, c := range cols {
		required := "否"
		if strings.HasSuffix(c.header, "*") {
			required = "是"
		}
		help = append(help, []any{c.header, required, c.help, strings.Join(c.choices, "、"), c.example})
	}
	help = append(help,
		[]any{},
		[]any{"注意事项"},
		[]any{"1. 第 2 行是示例，保持原样导入时会被跳过；也可以直接删除或改成真实数据。"},
		[]any{"2. 带 * 的列必须填写；“是/否”列不填视为“否”。"},
		[]any{fmt.Sprintf("3. 每次最多导入 %d 行；任何一行有错误时整份文件都不会导入，请按错误报告修改后重新上传。", MaxImportRows)},
		[]any{"4. 同一文件中姓名和手机号码都相同的行视为重复。"},
	)
	for i, row := range help {
		if err := f.SetSheetRow(HelpSheet, fmt.Sprintf("A%d", i+1), &row); err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
	}
	for col, w := range map[string]float64{"A": 14, "B": 10, "C": 60, "D": 22, "E": 20} {
		if err := f.SetColWidth(HelpSheet, col, col, w); err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
	}
	if err := f.SetCellStyle(HelpSheet, "A1", "E1", header); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("write template: %w", err)
	}
	return buf.Bytes(), nil
}

// errUnreadable is the answer to anything that is not a readable .xlsx file.
func errUnreadable(cause error) error {
	return apperr.Wrap(apperr.InvalidInput, "无法读取文件，请使用下载的 .xlsx 模板", cause)
}

// sheetRow is one non-empty row of the data sheet.
type sheetRow struct {
	num   int
	cells map[string]string // header → trimmed cell text
}

// readSheet reads the data rows of an import file, keyed by header.
func readSheet(r io.Reader) (rows []sheetRow, missing []string, err error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, nil, errUnreadable(err)
	}
	if len(data) > MaxImportBytes {
		return nil, nil, apperr.Invalid("file", fmt.Sprintf("文件过大，不能超过 %d MB", MaxImportBytes>>20))
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 200 << 20})
	if err != nil {
		return nil, nil, errUnreadable(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, errUnreadable(errors.New("no sheets"))
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if s == DataSheet {
			sheet = s
		}
	}
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, nil, errUnreadable(err)
	}
	defer it.Close()

	cols := columns()
	example := map[string]string{}
	for _, c := range cols {
		example[c.header] = c.example
	}
	var index map[int]string // column position → header
	num := 0
	for it.Next() {
		num++
		cells, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, nil, errUnreadable(err)
		}
		if index == nil {
			index, missing = headerIndex(cells, cols)
			if len(missing) > 0 {
				return nil, missing, nil
			}
			continue
		}
		row := sheetRow{num: num, cells: map[string]string{}}
		for i, v := range cells {
			if h, ok := index[i]; ok {
				if v = strings.TrimSpace(v); v != "" {
					row.cells[h] = v
				}
			}
		}
		if len(row.cells) == 0 || sameCells(row.cells, example) {
			continue
		}
		rows = append(rows, row)
		if len(rows) > MaxImportRows {
			return nil, nil, apperr.Invalid("file", fmt.Sprintf("每次最多导入 %d 行，请分批导入", MaxImportRows))
		}
	}
	if err := it.Error(); err != nil {
		return nil, nil, errUnreadable(err)
	}
	if index == nil {
		return nil, nil, apperr.Invalid("file", "文件是空的，请使用下载的 .xlsx 模板")
	}
	return rows, nil, nil
}

// headerIndex maps the header row's positions to the template's headers,
// tolerating a missing * and stray spaces, and lists required headers not found.
func headerIndex(cells []string, cols []column) (map[int]string, []string) {
	canon := func(s string) string {
		return strings.NewReplacer("*", "", "＊", "", " ", "", "\u3000", "").Replace(strings.TrimSpace(s))
	}
	byName := map[string]string{}
	for _, c := range cols {
		byName[canon(c.header)] = c.header
	}
	index := map[int]string{}
	found := map[string]bool{}
	for i, v := range cells {
		if h, ok := byName[canon(v)]; ok && !found[h] {
			index[i] = h
			found[h] = true
		}
	}
	var missing []string
	for _, c := range cols {
		if strings.HasSuffix(c.header, "*") && !found[c.header] {
			missing = append(missing, c.header)
		}
	}
	return index, missing
}

func sameCells(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Import adds the people listed in an .xlsx file made from ImportTemplate to
// organisations in the subtree of rootOrgID (named in 所属党组织). It needs
// PersonWrite on rootOrgID. Every row is checked; if any is wrong nothing is
// written and the result lists all errors (with a nil error). Otherwise all
// rows are inserted in one transaction.
func (s *Service) Import(ctx context.Context, rootOrgID int64, r io.Reader) (*ImportResult, error) {
	ctx, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	rows, missing, err := readSheet(r)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{}
	for _, h := range missing {
		res.Errors = append(res.Errors, RowError{Row: 1, Column: h, Message: "缺少此列，请使用下载的 .xlsx 模板"})
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		root, err := s.importRoot(ctx, tx, rootOrgID)
		if err != nil || len(res.Errors) > 0 {
			return err
		}
		if len(rows) == 0 {
			return apperr.Invalid("file", "文件中没有可导入的人员数据")
		}
		orgs, err := subtreeOrgs(ctx, tx, root)
		if err != nil {
			return err
		}
		today := Today(s.now())
		inputs := make([]Input, len(rows))
		for i, row := range rows {
			in, errs := rowInput(row, orgs, today)
			inputs[i] = in
			res.Errors = append(res.Errors, errs...)
		}
		dups, err := s.duplicates(ctx, tx, root, rows, inputs)
		if err != nil {
			return err
		}
		res.Errors = append(res.Errors, dups...)
		if len(res.Errors) > 0 {
			return nil
		}
		now := s.now()
		people := make([]*Person, len(inputs))
		for i, in := range inputs {
			p := &Person{TenantID: root.TenantID, CreatedAt: now, UpdatedAt: now}
			p.apply(in)
			people[i] = p
		}
		const chunk = 500
		ids := make([]int64, 0, len(people))
		for start := 0; start < len(people); start += chunk {
			part := people[start:min(start+chunk, len(people))]
			if _, err := tx.NewInsert().Model(&part).Exec(ctx); err != nil {
				return fmt.Errorf("insert imported people: %w", err)
			}
			for _, p := range part {
				ids = append(ids, p.ID)
			}
		}
		res.Created = len(people)
		return audit.Record(ctx, tx, audit.Change{
			TenantID: root.TenantID, Action: "person.import", EntityType: "organization", EntityID: root.ID,
			After: map[string]any{"created": len(people), "personIds": ids},
		})
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Row < res.Errors[j].Row })
	return res, nil
}

// importRoot checks that the caller may import people under rootOrgID.
func (s *Service) importRoot(ctx context.Context, tx bun.IDB, rootOrgID int64) (*org.Organization, error) {
	o, err := findOrg(ctx, tx, rootOrgID)
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
		return nil, apperr.ErrNotFound
	}
	if err := s.checkWrite(ctx, o.TenantID, o.Path); err != nil {
		return nil, err
	}
	if o.Dissolved() {
		return nil, apperr.New(apperr.Conflict, "该组织已撤销，不能导入人员")
	}
	return o, nil
}

// subtreeOrgs returns the active organisations of root's subtree by name.
func subtreeOrgs(ctx context.Context, tx bun.IDB, root *org.Organization) (map[string][]*org.Organization, error) {
	var list []*org.Organization
	if err := tx.NewSelect().Model(&list).
		Where("o.tenant_id = ?", root.TenantID).Where("o.path LIKE ?", root.Path+"%").
		Where("o.dissolved_at IS NULL").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list organizations for import: %w", err)
	}
	byName := make(map[string][]*org.Organization, len(list))
	for _, o := range list {
		byName[o.Name] = append(byName[o.Name], o)
	}
	return byName, nil
}

// rowInput converts one row and checks it, returning every problem found.
func rowInput(row sheetRow, orgs map[string][]*org.Organization, today string) (Input, []RowError) {
	var errs []RowError
	bad := func(col, msg string) { errs = append(errs, RowError{Row: row.num, Column: col, Message: msg}) }
	c := row.cells
	in := Input{Name: c[ColName], Phone: normalizePhone(c[ColPhone]), WorkUnit: c[ColWorkUnit]}
	// failed holds the fields whose cell could not be read; validation
	// problems about them would only repeat the first message.
	failed := map[string]bool{}
	fail := func(field, col, msg string) {
		failed[field] = true
		bad(col, msg)
	}

	switch c[ColGender] {
	case "":
	case "男":
		in.Gender = Male
	case "女":
		in.Gender = Female
	default:
		fail("gender", ColGender, "性别只能填写“男”或“女”")
	}
	var ok bool
	if in.BirthDate, ok = cellDate(c[ColBirthDate]); !ok {
		fail("birthDate", ColBirthDate, "日期格式应为 YYYY-MM-DD，例如 1980-05-01")
	}
	if in.JoinDate, ok = cellDate(c[ColJoinDate]); !ok {
		fail("joinDate", ColJoinDate, "日期格式应为 YYYY-MM-DD，例如 2005-07-01")
	}
	switch c[ColIsMember] {
	case "是":
		in.IsMember = true
	case "否":
	case "":
		fail("isMember", ColIsMember, "请填写“是”或“否”")
	default:
		fail("isMember", ColIsMember, "只能填写“是”或“否”")
	}
	if failed["isMember"] {
		// Whether status and join date belong depends on the unreadable cell.
		failed["memberStatus"], failed["joinDate"] = true, true
	}
	switch c[ColMemberStatus] {
	case "":
	case "正式党员", "正式":
		in.MemberStatus = Full
	case "预备党员", "预备":
		in.MemberStatus = Probationary
	default:
		fail("memberStatus", ColMemberStatus, "党员状态只能填写“正式党员”或“预备党员”")
	}
	in.Duties = strings.FieldsFunc(c[ColDuties], func(r rune) bool {
		return strings.ContainsRune("、,，;；/ \u3000", r)
	})
	for _, flag := range []struct {
		col string
		dst *bool
	}{
		{ColIsCommunityCadre, &in.IsCommunityCadre}, {ColIsLeagueMember, &in.IsLeagueMember},
		{ColIsVolunteer, &in.IsVolunteer}, {ColIsInService, &in.IsInService},
	} {
		switch c[flag.col] {
		case "是":
			*flag.dst = true
		case "否", "":
		default:
			bad(flag.col, "只能填写“是”或“否”")
		}
	}
	switch name := c[ColOrg]; {
	case name == "":
		bad(ColOrg, "请填写所属党组织")
	case len(orgs[name]) == 0:
		bad(ColOrg, fmt.Sprintf("找不到名为“%s”的党组织（须为本单位或其下属组织，且名称完全一致）", name))
	case len(orgs[name]) > 1:
		bad(ColOrg, fmt.Sprintf("有多个名为“%s”的党组织，无法确定是哪一个，请先在系统中修改重名组织", name))
	default:
		in.OrgID = orgs[name][0].ID
	}

	in = normalize(in)
	header := map[string]string{}
	for _, col := range columns() {
		header[col.field] = col.header
	}
	for _, p := range validate(in, today) {
		if !failed[p.field] {
			bad(header[p.field], p.msg)
		}
	}
	order := map[string]int{}
	for i, col := range columns() {
		order[col.header] = i
	}
	sort.SliceStable(errs, func(i, j int) bool { return order[errs[i].Column] < order[errs[j].Column] })
	return in, errs
}

// duplicates finds rows repeating an earlier row's name and phone, and rows
// matching a person already on the rolls of root's subtree.
func (s *Service) duplicates(ctx context.Context, tx bun.IDB, root *org.Organization, rows []sheetRow, inputs []Input) ([]RowError, error) {
	var errs []RowError
	first := map[string]int{}
	var phones []string
	for i, in := range inputs {
		if in.Phone == "" || in.Name == "" {
			continue
		}
		key := in.Name + "\x00" + in.Phone
		if row, ok := first[key]; ok {
			errs = append(errs, RowError{Row: rows[i].num, Column: ColPhone,
				Message: fmt.Sprintf("与第 %d 行重复（姓名和手机号码相同）", row)})
			continue
		}
		first[key] = rows[i].num
		phones = append(phones, in.Phone)
	}
	const chunk = 500
	for start := 0; start < len(phones); start += chunk {
		var existing []struct {
			Name  string `bun:"name"`
			Phone string `bun:"phone"`
		}
		if err := tx.NewSelect().TableExpr("persons AS p").ColumnExpr("p.name, p.phone").
			Join("JOIN organizations AS o ON o.id = p.org_id").
			Where("p.tenant_id = ?", root.TenantID).Where("o.path LIKE ?", root.Path+"%").
			Where("p.removed_at IS NULL").Where("p.phone IN (?)", bun.In(phones[start:min(start+chunk, len(phones))])).
			Scan(ctx, &existing); err != nil {
			return nil, fmt.Errorf("find existing people: %w", err)
		}
		for _, e := range existing {
			if row, ok := first[e.Name+"\x00"+e.Phone]; ok {
				errs = append(errs, RowError{Row: row, Column: ColPhone, Message: "系统中已有姓名和手机号码都相同的人员"})
			}
		}
	}
	return errs, nil
}

// cellDate reads a date cell: YYYY-MM-DD, YYYY/M/D, YYYY.M.D, YYYY年M月D日,
// YYYYMMDD, or an Excel date serial. ok is false when it is none of these.
func cellDate(v string) (string, bool) {
	if v == "" {
		return "", true
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if len(v) == 8 && !strings.Contains(v, ".") {
			t, err := time.Parse("20060102", v)
			if err != nil {
				return "", false
			}
			return t.Format(time.DateOnly), true
		}
		if n < 1 || n >= 2958466 {
			return "", false
		}
		t, err := excelize.ExcelDateToTime(n, false)
		if err != nil {
			return "", false
		}
		return t.Format(time.DateOnly), true
	}
	s := strings.NewReplacer("/", "-", ".", "-", "年", "-", "月", "-", "日", "").Replace(v)
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return "", false
	}
	var ymd [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return "", false
		}
		ymd[i] = n
	}
	out := fmt.Sprintf("%04d-%02d-%02d", ymd[0], ymd[1], ymd[2])
	if _, err := time.Parse(time.DateOnly, out); err != nil {
		return "", false
	}
	return out, true
}

// normalizePhone undoes what spreadsheets do to numbers typed into a number
// cell ("1.3812345678E10") and strips spaces and dashes.
func normalizePhone(v string) string {
	if strings.ContainsAny(v, "eE") {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return strconv.FormatFloat(f, 'f', 0, 64)
		}
	}
	return strings.NewReplacer(" ", "", "-", "").Replace(v)
}
