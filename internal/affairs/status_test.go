package affairs

import (
	"fmt"
	"testing"
	"time"

	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
)

func TestCurrentPeriods(t *testing.T) {
	got := CurrentPeriods(time.Date(2026, 11, 25, 9, 0, 0, 0, shanghai), shanghai)
	if fmt.Sprint(got) != "[2026-W48 2026-11 2026-Q4 2026-H2 2026]" {
		t.Fatalf("CurrentPeriods = %v", got)
	}
}

func TestOrgStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		f.generate(t, f.A.TenantID, fixtureNow)
		f.generate(t, f.B.TenantID, fixtureNow)
		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		branch := f.TownUser(t, authz.OrgSecretary, f.B1)
		viewer := f.DistrictUser(t, authz.DistrictViewer)
		type light struct{ g, a, r int }
		check := func(name string, s *StatusSummary, total light, children map[int64]light) {
			t.Helper()
			if (light{s.Green, s.Amber, s.Red}) != total {
				t.Errorf("%s: total %d/%d/%d, want %v", name, s.Green, s.Amber, s.Red, total)
			}
			if len(s.Children) != len(children) {
				t.Fatalf("%s: %d children, want %d", name, len(s.Children), len(children))
			}
			for _, c := range s.Children {
				if got := (light{c.Green, c.Amber, c.Red}); got != children[c.OrgID] {
					t.Errorf("%s: child %s %v, want %v", name, c.Name, got, children[c.OrgID])
				}
			}
		}

		// Mid-November everything current is green: C1's subtree holds 20, U1 7, the root 1.
		s, err := f.Svc.OrgStatus(office, f.A.Root.ID, "")
		noErr(t, err)
		if fmt.Sprint(s.Periods) != "[2026-W46 2026-11 2026-Q4 2026-H2 2026]" || s.Name != "甲镇党委" {
			t.Fatalf("summary = %+v", s)
		}
		check("all current", s, light{28, 0, 0}, map[int64]light{f.C1.ID: {20, 0, 0}, f.U1.ID: {7, 0, 0}})

		// B1's 支委会 done on time, B2's submitted late, then December comes.
		f.setState(t, f.instanceOf(t, CodeBranchCommittee, f.B1, "2026-11").ID, Done,
			ptrTo(fixtureNow), ptrTo(fixtureNow.Add(day)))
		late := time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai)
		f.setState(t, f.instanceOf(t, CodeBranchCommittee, f.B2, "2026-11").ID, Submitted, ptrTo(late), nil)
		f.Clock.Set(late.Add(time.Hour))
		s, err = f.Svc.OrgStatus(office, f.A.Root.ID, "2026-11")
		noErr(t, err)
		// November: 支委会 ×3, 主题党日 ×3, 党小组会 ×1.
		check("November", s, light{1, 1, 5}, map[int64]light{
			f.C1.ID: {1, 1, 3}, // B1 green + B1 theme day red, G1 red, B2 amber + theme day red
			f.U1.ID: {0, 0, 2},
		})
		s, err = f.Svc.OrgStatus(office, f.C1.ID, "2026-11")
		noErr(t, err)
		check("C1 November", s, light{1, 1, 3}, map[int64]light{f.B1.ID: {1, 0, 2}, f.GB1.ID: {0, 1, 1}})
		// On December 29th the quarter's and the yearly meetings are amber or red.
		f.Clock.Set(time.Date(2026, 12, 29, 9, 0, 0, 0, shanghai))
		s, err = f.Svc.OrgStatus(office, f.B1.ID, "")
		noErr(t, err)
		// Current: December has no instances yet (not generated); Q4 ×3 amber (due Dec 31), 2026 ×2 red
		// (due Dec 16); and November's undone work stays red: B1's 主题党日 and G1's 党小组会.
		check("B1 end of December", s, light{0, 3, 4}, map[int64]light{f.G1.ID: {0, 0, 1}})

		// Who may ask.
		if _, err := f.Svc.OrgStatus(viewer, f.A.Root.ID, ""); err != nil {
			t.Fatalf("district viewer: %v", err)
		}
		_, err = f.Svc.OrgStatus(branch, f.A.Root.ID, "")
		wantErrCode(t, err, apperr.NotFound)
		if s, err := f.Svc.OrgStatus(branch, f.B1.ID, "2026-11"); err != nil || s.Green+s.Amber+s.Red != 3 {
			t.Fatalf("branch's own status: %+v, %v", s, err)
		}
		_, err = f.Svc.OrgStatus(office, f.A.Root.ID, "2026-13")
		wantErrCode(t, err, apperr.InvalidInput)
	})
}
