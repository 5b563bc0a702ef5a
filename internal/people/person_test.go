package people

import (
	"strings"
	"testing"
	"time"
)

func valid() Input {
	return Input{
		OrgID: 1, Name: "张三", Gender: Male, BirthDate: "1980-05-01", Phone: "13812345678",
		IsMember: true, MemberStatus: Full, JoinDate: "2005-07-01", Duties: []string{"书记"},
		IsInService: true, WorkUnit: "某公司",
	}
}

func TestValidate(t *testing.T) {
	const today = "2026-03-15"
	tests := []struct {
		name   string
		change func(*Input)
		field  string // "" when valid
		msg    string // part of the message
	}{
		{"valid member", func(*Input) {}, "", ""},
		{"valid non-member", func(in *Input) {
			in.IsMember, in.MemberStatus, in.JoinDate, in.Duties, in.IsInService = false, "", "", nil, false
		}, "", ""},
		{"born today", func(in *Input) { in.BirthDate, in.JoinDate = today, "" }, "", ""},
		{"empty name", func(in *Input) { in.Name = "" }, "name", "姓名不能为空"},
		{"long name", func(in *Input) { in.Name = strings.Repeat("张", 31) }, "name", "30"},
		{"30 runes ok", func(in *Input) { in.Name = strings.Repeat("张", 30) }, "", ""},
		{"no gender", func(in *Input) { in.Gender = "" }, "gender", "性别"},
		{"bad gender", func(in *Input) { in.Gender = "X" }, "gender", "男或女"},
		{"bad birth format", func(in *Input) { in.BirthDate = "1980/05/01" }, "birthDate", "YYYY-MM-DD"},
		{"impossible birth date", func(in *Input) { in.BirthDate = "1980-02-30" }, "birthDate", "YYYY-MM-DD"},
		{"future birth", func(in *Input) { in.BirthDate, in.JoinDate = "2026-03-16", "" }, "birthDate", "不能晚于今天"},
		{"future join", func(in *Input) { in.JoinDate = "2027-01-01" }, "joinDate", "不能晚于今天"},
		{"join before birth", func(in *Input) { in.JoinDate = "1979-01-01" }, "joinDate", "晚于出生日期"},
		{"join on birth", func(in *Input) { in.JoinDate = in.BirthDate }, "joinDate", "晚于出生日期"},
		{"short phone", func(in *Input) { in.Phone = "1381234567" }, "phone", "11 位"},
		{"landline", func(in *Input) { in.Phone = "02112345678" }, "phone", "11 位"},
		{"12x phone", func(in *Input) { in.Phone = "12812345678" }, "phone", "11 位"},
		{"no phone ok", func(in *Input) { in.Phone = "" }, "", ""},
		{"member without status", func(in *Input) { in.MemberStatus = "" }, "memberStatus", "党员状态"},
		{"non-member with status", func(in *Input) { in.IsMember, in.JoinDate = false, "" }, "memberStatus", "非党员"},
		{"bad status", func(in *Input) { in.MemberStatus = "X" }, "memberStatus", "正式党员或预备党员"},
		{"non-member with join date", func(in *Input) { in.IsMember, in.MemberStatus = false, "" }, "joinDate", "非党员"},
		{"bad duty", func(in *Input) { in.Duties = []string{"书记", "主任"} }, "duties", "主任"},
		{"in service without unit", func(in *Input) { in.WorkUnit = "" }, "workUnit", "在职党员须填写工作单位"},
		{"long unit", func(in *Input) { in.WorkUnit = strings.Repeat("单", 101) }, "workUnit", "100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.change(&in)
			ps := validate(normalize(in), today)
			if tt.field == "" {
				if len(ps) > 0 {
					t.Fatalf("want valid, got %v", ps)
				}
				return
			}
			if len(ps) == 0 {
				t.Fatalf("want a problem with %s", tt.field)
			}
			if ps[0].field != tt.field || !strings.Contains(ps[0].msg, tt.msg) {
				t.Fatalf("got %v, want %s: …%s…", ps, tt.field, tt.msg)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	ps := validate(normalize(Input{Name: " ", Gender: "X", Phone: "123", IsMember: true, IsInService: true}), "2026-01-01")
	var fields []string
	for _, p := range ps {
		fields = append(fields, p.field)
	}
	if got := strings.Join(fields, ","); got != "name,gender,phone,memberStatus,workUnit" {
		t.Fatalf("fields = %s", got)
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678": "138****5678",
		"":            "",
		"1234567":     "12****67",
		"12345":       "*****",
	} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsMobile(t *testing.T) {
	for in, want := range map[string]bool{
		"13812345678": true, "19912345678": true, "12812345678": false, "1381234567": false,
		"138123456789": false, "1381234567a": false, "23812345678": false, "": false,
	} {
		if got := IsMobile(in); got != want {
			t.Errorf("IsMobile(%q) = %v", in, got)
		}
	}
}

func TestToday(t *testing.T) {
	// 17:00 UTC is already the next day in China.
	if got := Today(time.Date(2026, 3, 15, 17, 0, 0, 0, time.UTC)); got != "2026-03-16" {
		t.Fatalf("Today = %s", got)
	}
}

func TestPatched(t *testing.T) {
	in := valid()
	name := "李四"
	off := false
	got := patched(in, Patch{Name: &name, IsMember: &off})
	if got.Name != "李四" || got.IsMember || got.MemberStatus != "" || got.JoinDate != "" || got.Phone != in.Phone {
		t.Fatalf("patched = %+v", got)
	}
	if got := patched(in, Patch{}); got.Name != in.Name || got.MemberStatus != Full {
		t.Fatalf("empty patch changed %+v", got)
	}
}

func TestCellDate(t *testing.T) {
	tests := map[string]struct {
		want string
		ok   bool
	}{
		"":            {"", true},
		"1980-05-01":  {"1980-05-01", true},
		"1980/5/1":    {"1980-05-01", true},
		"1980.05.01":  {"1980-05-01", true},
		"1980年5月1日":   {"1980-05-01", true},
		"19800501":    {"1980-05-01", true},
		"29342":       {"1980-05-01", true}, // Excel serial
		"1980-02-30":  {"", false},
		"昨天":          {"", false},
		"1980-05":     {"", false},
		"99999999999": {"", false},
	}
	for in, tt := range tests {
		got, ok := cellDate(in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("cellDate(%q) = %q, %v; want %q, %v", in, got, ok, tt.want, tt.ok)
		}
	}
}
