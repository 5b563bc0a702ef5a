package people

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"dangjian/internal/apperr"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/org"
	"dangjian/internal/pagination"
)

// fill writes rows (starting at Excel row 3, below the example) into the
// downloaded template, the way a user would.
func fill(t *testing.T, rows [][]string) []byte {
	t.Helper()
	tpl, err := ImportTemplate()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+3)
			if err := f.SetCellStr(DataSheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportTemplate(t *testing.T) {
	tpl, err := ImportTemplate()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); fmt.Sprint(got) != fmt.Sprint([]string{DataSheet, HelpSheet}) {
		t.Fatalf("sheets = %v", got)
	}
	rows, err := f.GetRows(DataSheet)
	if err != nil {
		t.Fatal(err)
	}
	want := "姓名* 性别* 出生日期 手机号码 所属党组织* 是否党员* 党员状态 入党日期 党内职务 社区干部 共青团员 志愿者 在职党员 工作单位"
	if len(rows) != 2 || strings.Join(rows[0], " ") != want {
		t.Fatalf("rows = %v", rows)
	}
	// The example row, left as it is, is not imported.
	data, _, err := readSheet(bytes.NewReader(tpl))
	if err != nil || len(data) != 0 {
		t.Fatalf("example row read as data: %v %v", data, err)
	}
	dvs, err := f.GetDataValidations(DataSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(dvs) != 7 { // 性别, 是否党员, 党员状态 and four 是/否 flags
		t.Fatalf("%d drop-downs", len(dvs))
	}
	help, err := f.GetRows(HelpSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(help) < 15 || help[1][0] != ColName {
		t.Fatalf("help sheet = %v", help)
	}
}

func TestImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := w.office

		t.Run("template round trip", func(t *testing.T) {
			file := fill(t, [][]string{
				{"张三", "男", "1980-05-01", "13812345678", "甲东第一党支部", "是", "正式党员", "2005-07-01", "书记、组织委员", "是", "否", "是", "是", "某科技公司"},
				{"李四", "女", "1999/3/8", "", "甲东第二党支部", "否", "", "", "", "", "是", "是", "", ""},
				{}, // a blank line in between is ignored
				{"王五", "男", "", "13900001111", "甲东社区党委", "是", "预备党员", "", "党小组组长", "", "", "", "", ""},
			})
			res, err := w.svc.Import(ctx, w.A.Root.ID, bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Errors) != 0 || res.Created != 3 {
				t.Fatalf("result = %+v", res)
			}
			page := must[pagination.Page[*Person]](t)(w.svc.List(ctx, Filter{}, pagination.Request{}))
			if page.TotalCount != 3 {
				t.Fatalf("%d people after import", page.TotalCount)
			}
			zs, ls, ww := page.Items[0], page.Items[1], page.Items[2]
			if zs.Name != "张三" || zs.OrgID != w.aB1.ID || zs.Gender != Male || zs.BirthDate != "1980-05-01" ||
				zs.Phone != "13812345678" || !zs.IsMember || zs.MemberStatus != Full || zs.JoinDate != "2005-07-01" ||
				fmt.Sprint(zs.Duties) != "[书记 组织委员]" || !zs.IsCommunityCadre || zs.IsLeagueMember ||
				!zs.IsVolunteer || !zs.IsInService || zs.WorkUnit != "某科技公司" || zs.TenantID != w.A.TenantID {
				t.Fatalf("张三 = %+v", zs)
			}
			if ls.Gender != Female || ls.BirthDate != "1999-03-08" || ls.IsMember || !ls.IsLeagueMember || ls.OrgID != w.aB2.ID {
				t.Fatalf("李四 = %+v", ls)
			}
			if ww.MemberStatus != Probationary || ww.OrgID != w.aEast.ID || fmt.Sprint(ww.Duties) != "[党小组组长]" {
				t.Fatalf("王五 = %+v", ww)
			}
			// Importing the same file again finds the people already there.
			res, err = w.svc.Import(ctx, w.A.Root.ID, bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 0 || len(res.Errors) != 2 || res.Errors[0].Row != 3 || res.Errors[1].Row != 6 {
				t.Fatalf("re-import = %+v", res)
			}
		})

		t.Run("every bad row reported, nothing written", func(t *testing.T) {
			w.MustCreate(t, w.aB2, org.PartyGroup, "第一党小组")
			w.MustCreate(t, w.aB1, org.PartyGroup, "第一党小组")
			file := fill(t, [][]string{
				{"好人", "男", "", "", "甲东第一党支部", "否"},
				{"坏一", "男性", "1980-13-01", "12345", "甲东第一党支部", "是", "", "", "", "", "", "", "", ""},
				{"好人二", "女", "", "", "甲东第二党支部", "否"},
				{"坏二", "女", "", "", "乙东第一党支部", "是", "正式党员", "", "主任"},
				{"坏三", "男", "", "", "第一党小组", "否", "", "", "", "", "", "", "是", ""},
			})
			res, err := w.svc.Import(ctx, w.A.Root.ID, bytes.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 0 {
				t.Fatalf("created %d", res.Created)
			}
			rowsWithErrors := map[int][]string{}
			for _, e := range res.Errors {
				rowsWithErrors[e.Row] = append(rowsWithErrors[e.Row], e.Column+"："+e.Message)
			}
			if len(rowsWithErrors) != 3 || rowsWithErrors[4] == nil || rowsWithErrors[6] == nil || rowsWithErrors[7] == nil {
				t.Fatalf("errors = %+v", res.Errors)
			}
			got := strings.Join(rowsWithErrors[4], "\n")
			for _, want := range []string{"性别*：性别只能填写“男”或“女”", "出生日期：日期格式", "手机号码：手机号码应为 11 位", "党员状态：党员须选择党员状态"} {
				if !strings.Contains(got, want) {
					t.Errorf("row 4 lacks %q:\n%s", want, got)
				}
			}
			got = strings.Join(rowsWithErrors[6], "\n")
			for _, want := range []string{"所属党组织*：找不到名为“乙东第一党支部”", "党内职务：党内职务“主任”无效"} {
				if !strings.Contains(got, want) {
					t.Errorf("row 6 lacks %q:\n%s", want, got)
				}
			}
			got = strings.Join(rowsWithErrors[7], "\n")
			for _, want := range []string{"所属党组织*：有多个名为“第一党小组”", "工作单位：在职党员须填写工作单位"} {
				if !strings.Contains(got, want) {
					t.Errorf("row 7 lacks %q:\n%s", want, got)
				}
			}
			page := must[pagination.Page[*Person]](t)(w.svc.List(ctx, Filter{NameContains: "好人"}, pagination.Request{}))
			if page.TotalCount != 0 {
				t.Fatal("valid rows of a failed import were written")
			}
		})

		t.Run("duplicates in the file", func(t *testing.T) {
			file := fill(t, [][]string{
				{"周七", "男", "", "13700000001", "甲东第一党支部", "否"},
				{"周七", "男", "", "13700000001", "甲东第二党支部", "否"},
			})
			res := must[*ImportResult](t)(w.svc.Import(ctx, w.A.Root.ID, bytes.NewReader(file)))
			if len(res.Errors) != 1 || res.Errors[0].Row != 4 || !strings.Contains(res.Errors[0].Message, "与第 3 行重复") {
				t.Fatalf("errors = %+v", res.Errors)
			}
		})

		t.Run("subtree only", func(t *testing.T) {
			// Imported under branch 1, a name of branch 2 is unknown.
			file := fill(t, [][]string{{"吴八", "男", "", "", "甲东第二党支部", "否"}})
			res := must[*ImportResult](t)(w.svc.Import(ctx, w.aB1.ID, bytes.NewReader(file)))
			if len(res.Errors) != 1 || res.Errors[0].Column != ColOrg {
				t.Fatalf("errors = %+v", res.Errors)
			}
		})

		t.Run("unreadable files and wrong headers", func(t *testing.T) {
			_, err := w.svc.Import(ctx, w.A.Root.ID, strings.NewReader("name,phone\n张三,138"))
			wantCode(t, err, apperr.InvalidInput)
			if e, _ := apperr.As(err); e.Message != "无法读取文件，请使用下载的 .xlsx 模板" {
				t.Fatalf("message = %q", e.Message)
			}
			_, err = w.svc.Import(ctx, w.A.Root.ID, bytes.NewReader([]byte{0x50, 0x4b, 0x03, 0x04, 0xff, 0x00}))
			wantCode(t, err, apperr.InvalidInput)

			f := excelize.NewFile()
			_ = f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "电话"})
			_ = f.SetSheetRow("Sheet1", "A2", &[]any{"张三", "13812345678"})
			buf, err := f.WriteToBuffer()
			if err != nil {
				t.Fatal(err)
			}
			res := must[*ImportResult](t)(w.svc.Import(ctx, w.A.Root.ID, buf))
			var cols []string
			for _, e := range res.Errors {
				if e.Row != 1 {
					t.Fatalf("header error on row %d", e.Row)
				}
				cols = append(cols, e.Column)
			}
			if strings.Join(cols, ",") != "性别*,所属党组织*,是否党员*" || res.Created != 0 {
				t.Fatalf("header errors = %+v", res)
			}

			_, err = w.svc.Import(ctx, w.A.Root.ID, bytes.NewReader(fill(t, nil)))
			wantCode(t, err, apperr.InvalidInput)
		})

		t.Run("permissions", func(t *testing.T) {
			file := fill(t, [][]string{{"郑九", "男", "", "", "甲东第一党支部", "否"}})
			_, err := w.svc.Import(w.districtViewer, w.A.Root.ID, bytes.NewReader(file))
			wantCode(t, err, apperr.Forbidden)
			_, err = w.svc.Import(w.committeeMemberOnAll, w.A.Root.ID, bytes.NewReader(file))
			wantCode(t, err, apperr.Forbidden)
			_, err = w.svc.Import(w.branchSecretary, w.A.Root.ID, bytes.NewReader(file))
			wantCode(t, err, apperr.NotFound)
			_, err = w.svc.Import(w.office, w.B.Root.ID, bytes.NewReader(file))
			wantCode(t, err, apperr.NotFound)
			res := must[*ImportResult](t)(w.svc.Import(w.branchSecretary, w.aB1.ID, bytes.NewReader(file)))
			if res.Created != 1 {
				t.Fatalf("secretary import = %+v", res)
			}
		})
	})
}

func TestImportRowLimit(t *testing.T) {
	rows := make([][]string, MaxImportRows+1)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("人%d", i), "男", "", "", "支部", "否"}
	}
	_, _, err := readSheet(bytes.NewReader(fill(t, rows)))
	wantCode(t, err, apperr.InvalidInput)
	_, _, err = readSheet(bytes.NewReader(fill(t, rows[:MaxImportRows])))
	if err != nil {
		t.Fatalf("%d rows: %v", MaxImportRows, err)
	}
}
