// Package demo loads the demonstration data: district 示范区 with three towns,
// their party-organisation trees, about 30 members each, and the demo accounts.
// Loading is idempotent: a second run finds the district and does nothing.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/auth"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/org"
	"dangjian/internal/people"
	"dangjian/internal/tenancy"
)

// Password is the password of every demo account.
const Password = "Demo-2026"

// DistrictCode identifies the demo district.
const DistrictCode = "demo"

// Account is one demo sign-in.
type Account struct {
	Username string
	Role     string
}

// Accounts lists the demo accounts, for the README and the start-up log.
func Accounts() []Account {
	return []Account{
		{"district.admin", "区委组织部管理员（示范区）"},
		{"towna.admin", "党建办（红旗镇）"},
		{"townb.admin", "党建办（东风街道）"},
		{"towna.branch", "支部书记（红旗镇 幸福社区第一党支部）"},
	}
}

// Services are what the loader writes through.
type Services struct {
	DB      *db.DB
	Tenancy *tenancy.Service
	Orgs    *org.Service
	People  *people.Service
	Auth    *auth.Service
	Affairs *affairs.Service
}

type townPlan struct {
	name, code  string
	communities []string
	extra       []org.Kind
}

var plans = []townPlan{
	{"红旗镇", "towna", []string{"幸福社区", "和平社区", "光明社区"}, []org.Kind{org.UnitOrg}},
	{"东风街道", "townb", []string{"朝阳社区", "新华社区", "民主社区"}, []org.Kind{org.FunctionalBranch}},
	{"青山镇", "townc", []string{"青山社区", "绿水社区"}, []org.Kind{org.JointBranch}},
}

// Load loads the demo data unless it is already there. It reports whether it loaded anything.
func Load(ctx context.Context, s Services, logger *slog.Logger) (bool, error) {
	ctx = actor.System(ctx)
	var n int
	err := s.DB.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, err := tx.NewSelect().Table("districts").Where("code = ?", DistrictCode).Count(ctx)
		n = int(c)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("look for demo district: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	district, err := s.Tenancy.CreateDistrict(ctx, "示范区", DistrictCode)
	if err != nil {
		return false, fmt.Errorf("create demo district: %w", err)
	}
	names := newNameSource()
	var branchOfA *org.Organization
	var secretaryOfA *people.Person
	var seeded []*townSeed
	for ti, p := range plans {
		town, root, err := s.Tenancy.CreateTown(ctx, tenancy.CreateTownInput{DistrictID: district.ID, Name: p.name, Code: p.code})
		if err != nil {
			return false, fmt.Errorf("create town %s: %w", p.name, err)
		}
		var branches []*org.Organization
		for ci, cname := range p.communities {
			community, err := s.Orgs.Create(ctx, org.CreateInput{ParentID: root.ID, Name: cname + "党委", Kind: org.CommunityCommittee, SortOrder: ptr(ci)})
			if err != nil {
				return false, err
			}
			for bi := 0; bi < 2; bi++ {
				b, err := s.Orgs.Create(ctx, org.CreateInput{ParentID: community.ID, Name: fmt.Sprintf("%s第%s党支部", cname, cn(bi+1)), Kind: org.Branch, SortOrder: ptr(bi)})
				if err != nil {
					return false, err
				}
				branches = append(branches, b)
				if _, err := s.Orgs.Create(ctx, org.CreateInput{ParentID: b.ID, Name: "第一党小组", Kind: org.PartyGroup}); err != nil {
					return false, err
				}
			}
		}
		for _, k := range p.extra {
			name := map[org.Kind]string{
				org.UnitOrg:          p.name + "中心学校党支部",
				org.FunctionalBranch: p.name + "流动党员功能型党支部",
				org.JointBranch:      p.name + "非公企业联合党支部",
			}[k]
			b, err := s.Orgs.Create(ctx, org.CreateInput{ParentID: root.ID, Name: name, Kind: k})
			if err != nil {
				return false, err
			}
			branches = append(branches, b)
		}
		ts := &townSeed{town: town, root: root, branches: branches, people: map[int64][]int64{}}
		seeded = append(seeded, ts)
		// About 30 people per town: a secretary and members in each branch.
		for i := 0; i < 30; i++ {
			b := branches[i%len(branches)]
			in := names.person(b.ID, i, i < len(branches))
			person, err := s.People.Create(ctx, in)
			if err != nil {
				return false, fmt.Errorf("create demo person: %w", err)
			}
			ts.people[b.ID] = append(ts.people[b.ID], person.ID)
			if ti == 0 && i == 0 {
				branchOfA, secretaryOfA = b, person
			}
		}
		if ti < 2 {
			u, err := s.Auth.CreateUserSystem(ctx, auth.CreateUserInput{
				Username: p.code + ".admin", Password: Password, DisplayName: p.name + "党建办", TenantID: &town.ID,
			})
			if err != nil {
				return false, fmt.Errorf("create %s.admin: %w", p.code, err)
			}
			if _, err := s.Auth.AssignRoleSystem(ctx, u.ID, authz.TownOffice, &root.ID, nil); err != nil {
				return false, err
			}
		}
		if ti == 0 {
			u, err := s.Auth.CreateUserSystem(ctx, auth.CreateUserInput{
				Username: "towna.branch", Password: Password, DisplayName: secretaryOfA.Name,
				TenantID: &town.ID, PersonID: &secretaryOfA.ID,
			})
			if err != nil {
				return false, fmt.Errorf("create towna.branch: %w", err)
			}
			if _, err := s.Auth.AssignRoleSystem(ctx, u.ID, authz.OrgSecretary, &branchOfA.ID, nil); err != nil {
				return false, err
			}
		}
	}
	u, err := s.Auth.CreateUserSystem(ctx, auth.CreateUserInput{
		Username: "district.admin", Password: Password, DisplayName: "示范区委组织部", DistrictID: &district.ID,
	})
	if err != nil {
		return false, fmt.Errorf("create district.admin: %w", err)
	}
	if _, err := s.Auth.AssignRoleSystem(ctx, u.ID, authz.DistrictAdmin, nil, &district.ID); err != nil {
		return false, err
	}
	if err := loadAffairs(ctx, s, seeded, branchOfA.ID, time.Now()); err != nil {
		return false, fmt.Errorf("demo party affairs: %w", err)
	}
	if logger != nil {
		logger.InfoContext(ctx, "demo data loaded", "district", district.Name, "towns", len(plans))
	}
	return true, nil
}

func ptr[T any](v T) *T { return &v }

func cn(n int) string { return []string{"零", "一", "二", "三", "四", "五"}[n] }

// nameSource makes deterministic, varied Chinese names and details.
type nameSource struct{ n int }

func newNameSource() *nameSource { return &nameSource{} }

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"}
	givens   = []string{"建国", "秀英", "志强", "桂兰", "海燕", "文博", "丽娟", "德明", "春梅", "国庆", "晓东", "玉兰", "振华", "红霞", "子涵", "宇航", "淑珍", "立新", "雪梅", "俊杰", "思雨", "卫东", "佳怡", "永生"}
)

func (s *nameSource) person(orgID int64, i int, secretary bool) people.Input {
	s.n++
	k := s.n * 7
	gender := people.Male
	if k%3 == 0 {
		gender = people.Female
	}
	in := people.Input{
		OrgID:     orgID,
		Name:      surnames[k%len(surnames)] + givens[(k/3+i)%len(givens)],
		Gender:    gender,
		BirthDate: fmt.Sprintf("%d-%02d-%02d", 1955+k%45, 1+k%12, 1+k%28),
		Phone:     fmt.Sprintf("13%d%08d", 5+k%5, 10000000+k*7919%90000000),
		IsMember:  true,
	}
	in.MemberStatus = people.Full
	in.JoinDate = fmt.Sprintf("%d-07-01", 1955+k%45+22)
	if i%11 == 10 {
		in.MemberStatus = people.Probationary
		in.JoinDate = "2026-07-01"
	}
	if secretary {
		in.Duties = []string{"书记"}
		in.IsCommunityCadre = true
	} else if i%7 == 1 {
		in.Duties = []string{"组织委员"}
	}
	if i%5 == 2 {
		in.IsVolunteer = true
	}
	if i%9 == 4 {
		in.IsInService = true
		in.WorkUnit = "区人民医院"
	}
	if i%13 == 6 {
		in.IsMember = false
		in.MemberStatus = ""
		in.JoinDate = ""
		in.IsLeagueMember = true
		in.BirthDate = fmt.Sprintf("%d-05-04", 2000+k%6)
	}
	return in
}
