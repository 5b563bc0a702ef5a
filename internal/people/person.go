// Package people keeps the people of each town's party organisations: party
// members (正式党员, 预备党员) and the others the plan counts — community
// cadres (社区干部), Youth League members (共青团员), volunteers (志愿者) and
// in-service members (在职党员) — with their org, duties and contact details,
// plus bulk import from an Excel template.
package people

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// Gender is a person's gender.
type Gender string

// Genders.
const (
	Male   Gender = "MALE"   // 男
	Female Gender = "FEMALE" // 女
)

// Valid reports whether g is a known gender.
func (g Gender) Valid() bool { return g == Male || g == Female }

// Label returns the Chinese name of g.
func (g Gender) Label() string {
	switch g {
	case Male:
		return "男"
	case Female:
		return "女"
	}
	return string(g)
}

// MemberStatus is a party member's standing; "" for people who are not members.
type MemberStatus string

// Member statuses.
const (
	Full         MemberStatus = "FULL"         // 正式党员
	Probationary MemberStatus = "PROBATIONARY" // 预备党员
)

// Valid reports whether s is a known member status ("" is not).
func (s MemberStatus) Valid() bool { return s == Full || s == Probationary }

// Label returns the Chinese name of s.
func (s MemberStatus) Label() string {
	switch s {
	case Full:
		return "正式党员"
	case Probationary:
		return "预备党员"
	}
	return string(s)
}

// Duties lists the party duties (党内职务) a person may hold.
func Duties() []string {
	return []string{"书记", "副书记", "组织委员", "宣传委员", "纪检委员", "青年委员", "统战委员", "保密委员", "党小组组长", "委员"}
}

// ValidDuty reports whether d is one of Duties.
func ValidDuty(d string) bool {
	for _, v := range Duties() {
		if v == d {
			return true
		}
	}
	return false
}

// Person is someone on the rolls of a town's party organisation.
type Person struct {
	bun.BaseModel `bun:"table:persons,alias:p" json:"-"`

	ID       int64  `bun:"id,pk,autoincrement" json:"id"`
	TenantID int64  `bun:"tenant_id" json:"tenantId"`
	OrgID    int64  `bun:"org_id" json:"orgId"`
	Name     string `bun:"name" json:"name"`
	Gender   Gender `bun:"gender" json:"gender"`
	// BirthDate is YYYY-MM-DD or "".
	BirthDate string `bun:"birth_date" json:"birthDate"`
	// Phone is masked ("138****5678") when the reader may not manage the person.
	Phone        string       `bun:"phone" json:"phone"`
	IsMember     bool         `bun:"is_member" json:"isMember"`
	MemberStatus MemberStatus `bun:"member_status" json:"memberStatus"`
	// JoinDate (入党日期) is YYYY-MM-DD or "".
	JoinDate string `bun:"join_date" json:"joinDate"`
	// Duties are party duties from Duties(), stored as JSON text.
	Duties           []string   `bun:"duties" json:"duties"`
	IsCommunityCadre bool       `bun:"is_community_cadre" json:"isCommunityCadre"`
	IsLeagueMember   bool       `bun:"is_league_member" json:"isLeagueMember"`
	IsVolunteer      bool       `bun:"is_volunteer" json:"isVolunteer"`
	IsInService      bool       `bun:"is_in_service" json:"isInService"`
	WorkUnit         string     `bun:"work_unit" json:"workUnit"`
	RemovedAt        *time.Time `bun:"removed_at" json:"removedAt,omitempty"`
	CreatedAt        time.Time  `bun:"created_at" json:"createdAt"`
	UpdatedAt        time.Time  `bun:"updated_at" json:"updatedAt"`
	// PhoneMasked is set when Phone was masked for the reader.
	PhoneMasked bool `bun:"-" json:"phoneMasked,omitempty"`
}

// Removed reports whether the person was removed from the rolls.
func (p *Person) Removed() bool { return p.RemovedAt != nil }

// Input is a person's data, for Create.
type Input struct {
	OrgID            int64
	Name             string
	Gender           Gender
	BirthDate        string
	Phone            string
	IsMember         bool
	MemberStatus     MemberStatus
	JoinDate         string
	Duties           []string
	IsCommunityCadre bool
	IsLeagueMember   bool
	IsVolunteer      bool
	IsInService      bool
	WorkUnit         string
}

// Patch changes the fields that are set, for Update.
type Patch struct {
	OrgID            *int64
	Name             *string
	Gender           *Gender
	BirthDate        *string
	Phone            *string
	IsMember         *bool
	MemberStatus     *MemberStatus
	JoinDate         *string
	Duties           *[]string
	IsCommunityCadre *bool
	IsLeagueMember   *bool
	IsVolunteer      *bool
	IsInService      *bool
	WorkUnit         *string
}

// Limits.
const (
	MaxNameLen     = 30
	MaxWorkUnitLen = 100
)

// IsMobile reports whether s is a mainland mobile number: 11 digits, 1[3-9]xxxxxxxxx.
func IsMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Today returns the date of now in China (UTC+8, no daylight saving) as YYYY-MM-DD.
func Today(now time.Time) string {
	return now.In(time.FixedZone("CST", 8*60*60)).Format(time.DateOnly)
}

// problem is one invalid field.
type problem struct {
	field string // input field name, as in the API
	msg   string
}

// normalize trims text fields and cleans the duty list.
func normalize(in Input) Input {
	in.Name = strings.TrimSpace(in.Name)
	in.BirthDate = strings.TrimSpace(in.BirthDate)
	in.Phone = strings.TrimSpace(in.Phone)
	in.JoinDate = strings.TrimSpace(in.JoinDate)
	in.WorkUnit = strings.TrimSpace(in.WorkUnit)
	duties := make([]string, 0, len(in.Duties))
	seen := map[string]bool{}
	for _, d := range in.Duties {
		d = strings.TrimSpace(d)
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		duties = append(duties, d)
	}
	in.Duties = duties
	return in
}

// validate checks a normalized input against today's date (YYYY-MM-DD) and
// returns every problem, in field order.
func validate(in Input, today string) []problem {
	var ps []problem
	add := func(field, msg string) { ps = append(ps, problem{field, msg}) }

	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		add("name", "姓名不能为空")
	case n > MaxNameLen:
		add("name", fmt.Sprintf("姓名不能超过 %d 个字", MaxNameLen))
	}
	switch {
	case in.Gender == "":
		add("gender", "请选择性别")
	case !in.Gender.Valid():
		add("gender", "性别只能是男或女")
	}
	birthOK := checkDate(in.BirthDate, "出生日期", today, func(m string) { add("birthDate", m) })
	if in.Phone != "" && !IsMobile(in.Phone) {
		add("phone", "手机号码应为 11 位手机号，例如 13812345678")
	}
	switch {
	case in.IsMember && in.MemberStatus == "":
		add("memberStatus", "党员须选择党员状态（正式党员或预备党员）")
	case in.MemberStatus != "" && !in.MemberStatus.Valid():
		add("memberStatus", "党员状态只能是正式党员或预备党员")
	case !in.IsMember && in.MemberStatus != "":
		add("memberStatus", "非党员不能填写党员状态")
	}
	joinOK := checkDate(in.JoinDate, "入党日期", today, func(m string) { add("joinDate", m) })
	switch {
	case !in.IsMember && in.JoinDate != "":
		add("joinDate", "非党员不能填写入党日期")
	case birthOK && joinOK && in.BirthDate != "" && in.JoinDate != "" && in.JoinDate <= in.BirthDate:
		add("joinDate", "入党日期应晚于出生日期")
	}
	for _, d := range in.Duties {
		if !ValidDuty(d) {
			add("duties", fmt.Sprintf("党内职务“%s”无效，可选：%s", d, strings.Join(Duties(), "、")))
			break
		}
	}
	switch {
	case in.IsInService && in.WorkUnit == "":
		add("workUnit", "在职党员须填写工作单位")
	case utf8.RuneCountInString(in.WorkUnit) > MaxWorkUnitLen:
		add("workUnit", fmt.Sprintf("工作单位不能超过 %d 个字", MaxWorkUnitLen))
	}
	return ps
}

// checkDate reports whether s is empty or a valid past date; it reports the
// problem through bad otherwise.
func checkDate(s, label, today string, bad func(string)) bool {
	if s == "" {
		return true
	}
	if len(s) != len(time.DateOnly) {
		bad(label + "格式应为 YYYY-MM-DD，例如 1980-05-01")
		return false
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		bad(label + "格式应为 YYYY-MM-DD，例如 1980-05-01")
		return false
	}
	if s > today {
		bad(label + "不能晚于今天")
		return false
	}
	return true
}

// MaskPhone hides the middle of a phone number: "13812345678" → "138****5678".
func MaskPhone(phone string) string {
	r := []rune(phone)
	switch {
	case len(r) == 0:
		return ""
	case len(r) >= 11:
		return string(r[:3]) + "****" + string(r[len(r)-4:])
	case len(r) >= 7:
		return string(r[:2]) + "****" + string(r[len(r)-2:])
	}
	return strings.Repeat("*", len(r))
}

// mask hides p's phone number for a reader who may not manage p.
func (p *Person) mask() {
	p.Phone = MaskPhone(p.Phone)
	p.PhoneMasked = true
}

// inputOf returns the editable data of p.
func inputOf(p *Person) Input {
	return Input{
		OrgID: p.OrgID, Name: p.Name, Gender: p.Gender, BirthDate: p.BirthDate, Phone: p.Phone,
		IsMember: p.IsMember, MemberStatus: p.MemberStatus, JoinDate: p.JoinDate,
		Duties:           append([]string(nil), p.Duties...),
		IsCommunityCadre: p.IsCommunityCadre, IsLeagueMember: p.IsLeagueMember,
		IsVolunteer: p.IsVolunteer, IsInService: p.IsInService, WorkUnit: p.WorkUnit,
	}
}

// apply sets p's editable data from in.
func (p *Person) apply(in Input) {
	p.OrgID, p.Name, p.Gender, p.BirthDate, p.Phone = in.OrgID, in.Name, in.Gender, in.BirthDate, in.Phone
	p.IsMember, p.MemberStatus, p.JoinDate = in.IsMember, in.MemberStatus, in.JoinDate
	p.Duties = append([]string{}, in.Duties...)
	p.IsCommunityCadre, p.IsLeagueMember, p.IsVolunteer, p.IsInService = in.IsCommunityCadre, in.IsLeagueMember, in.IsVolunteer, in.IsInService
	p.WorkUnit = in.WorkUnit
}

// patched returns in with the fields set in pt. Turning IsMember off without
// saying otherwise also clears the member status and join date.
func patched(in Input, pt Patch) Input {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	setBool := func(dst *bool, src *bool) {
		if src != nil {
			*dst = *src
		}
	}
	if pt.OrgID != nil {
		in.OrgID = *pt.OrgID
	}
	set(&in.Name, pt.Name)
	if pt.Gender != nil {
		in.Gender = *pt.Gender
	}
	set(&in.BirthDate, pt.BirthDate)
	set(&in.Phone, pt.Phone)
	setBool(&in.IsMember, pt.IsMember)
	if pt.IsMember != nil && !*pt.IsMember {
		if pt.MemberStatus == nil {
			in.MemberStatus = ""
		}
		if pt.JoinDate == nil {
			in.JoinDate = ""
		}
	}
	if pt.MemberStatus != nil {
		in.MemberStatus = *pt.MemberStatus
	}
	set(&in.JoinDate, pt.JoinDate)
	if pt.Duties != nil {
		in.Duties = append([]string(nil), (*pt.Duties)...)
	}
	setBool(&in.IsCommunityCadre, pt.IsCommunityCadre)
	setBool(&in.IsLeagueMember, pt.IsLeagueMember)
	setBool(&in.IsVolunteer, pt.IsVolunteer)
	setBool(&in.IsInService, pt.IsInService)
	set(&in.WorkUnit, pt.WorkUnit)
	return in
}
