package affairs

import (
	"testing"
	"time"

	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/org"
	"dangjian/internal/pagination"
)

func TestDeployments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newTaskFixture(t, d)
		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		community := f.TownUser(t, authz.OrgSecretary, f.C1)
		branch := f.TownUser(t, authz.OrgSecretary, f.B1)
		branch2 := f.TownUser(t, authz.OrgSecretary, f.B2)
		viewer := f.DistrictUser(t, authz.DistrictViewer)
		deadline := time.Date(2026, 11, 20, 17, 30, 0, 0, shanghai)

		targets := func(dep *WorkDeployment) map[int64]*Instance {
			t.Helper()
			items, total := listAll(t, 3, func(p pagination.Request) (pagination.Page[*Instance], error) {
				return f.Svc.ListInstances(office, InstanceFilter{DeploymentID: &dep.ID}, p)
			}, idCursor)
			out := map[int64]*Instance{}
			for _, i := range items {
				out[i.OrgID] = i
			}
			if len(out) != total {
				t.Fatalf("deployment %d: %d targets, total %d", dep.ID, len(out), total)
			}
			return out
		}
		wantTargets := func(dep *WorkDeployment, orgs ...*org.Organization) {
			t.Helper()
			got := targets(dep)
			if len(got) != len(orgs) {
				t.Fatalf("%s: %d targets, want %d", dep.Title, len(got), len(orgs))
			}
			for _, o := range orgs {
				i, ok := got[o.ID]
				if !ok {
					t.Fatalf("%s: %s is no target", dep.Title, o.Name)
				}
				if i.Title != dep.Title || !i.DueAt.Equal(deadline) || i.Period != "2026-11" ||
					i.DeploymentID == nil || *i.DeploymentID != dep.ID || i.TemplateID != nil || i.Status != Pending {
					t.Fatalf("%s: target instance %+v", dep.Title, i)
				}
			}
		}

		// The town to its branches.
		toBranches, err := f.Svc.CreateDeployment(office, DeploymentInput{IssuerOrgID: f.A.Root.ID,
			Title: " 迎接区委督查 ", Content: "准备台账", Deadline: deadline, TargetRootID: f.A.Root.ID,
			TargetKinds: []org.Kind{org.Branch}})
		noErr(t, err)
		if toBranches.Title != "迎接区委督查" || toBranches.TenantID != f.A.TenantID || len(toBranches.TargetKinds()) != 1 {
			t.Fatalf("deployment = %+v", toBranches)
		}
		wantTargets(toBranches, f.B1, f.B2)
		// The town to everything below it.
		toAll, err := f.Svc.CreateDeployment(office, DeploymentInput{IssuerOrgID: f.A.Root.ID,
			Title: "学习贯彻", Deadline: deadline, TargetRootID: f.A.Root.ID})
		noErr(t, err)
		wantTargets(toAll, f.C1, f.B1, f.G1, f.GB1, f.B2, f.U1)
		// A community to its subtree.
		fromC1, err := f.Svc.CreateDeployment(community, DeploymentInput{IssuerOrgID: f.C1.ID,
			Title: "社区走访", Deadline: deadline, TargetRootID: f.C1.ID})
		noErr(t, err)
		wantTargets(fromC1, f.B1, f.G1, f.GB1, f.B2)

		// Refusals.
		_, err = f.Svc.CreateDeployment(branch, DeploymentInput{IssuerOrgID: f.A.Root.ID,
			Title: "越权", Deadline: deadline, TargetRootID: f.A.Root.ID})
		wantErrCode(t, err, apperr.Forbidden, apperr.NotFound)
		_, err = f.Svc.CreateDeployment(branch, DeploymentInput{IssuerOrgID: f.B1.ID,
			Title: "越权", Deadline: deadline, TargetRootID: f.A.Root.ID})
		wantErrCode(t, err, apperr.Forbidden, apperr.NotFound)
		_, err = f.Svc.CreateDeployment(branch, DeploymentInput{IssuerOrgID: f.B1.ID,
			Title: "支部自己", Deadline: deadline, TargetRootID: f.B1.ID})
		wantErrCode(t, err, apperr.InvalidInput)
		_, err = f.Svc.CreateDeployment(community, DeploymentInput{IssuerOrgID: f.C1.ID,
			Title: "范围外", Deadline: deadline, TargetRootID: f.U1.ID})
		wantErrCode(t, err, apperr.NotFound, apperr.InvalidInput)
		_, err = f.Svc.CreateDeployment(office, DeploymentInput{IssuerOrgID: f.C1.ID,
			Title: "向上", Deadline: deadline, TargetRootID: f.A.Root.ID})
		wantErrCode(t, err, apperr.InvalidInput)
		_, err = f.Svc.CreateDeployment(viewer, DeploymentInput{IssuerOrgID: f.A.Root.ID,
			Title: "区里", Deadline: deadline, TargetRootID: f.A.Root.ID})
		wantErrCode(t, err, apperr.Forbidden)
		for name, in := range map[string]DeploymentInput{
			"past deadline": {IssuerOrgID: f.A.Root.ID, Title: "过期", Deadline: fixtureNow.Add(-time.Minute), TargetRootID: f.A.Root.ID},
			"no title":      {IssuerOrgID: f.A.Root.ID, Title: "  ", Deadline: deadline, TargetRootID: f.A.Root.ID},
			"bad kind":      {IssuerOrgID: f.A.Root.ID, Title: "x", Deadline: deadline, TargetRootID: f.A.Root.ID, TargetKinds: []org.Kind{"X"}},
			"no targets":    {IssuerOrgID: f.A.Root.ID, Title: "x", Deadline: deadline, TargetRootID: f.A.Root.ID, TargetKinds: []org.Kind{org.JointBranch}},
		} {
			_, err := f.Svc.CreateDeployment(office, in)
			if apperr.CodeOf(err) != apperr.InvalidInput {
				t.Errorf("%s: %v, want INVALID_INPUT", name, err)
			}
		}

		// Who sees what.
		for _, c := range []struct {
			name string
			page func() (pagination.Page[*WorkDeployment], error)
			want []int64
		}{
			{"office", func() (pagination.Page[*WorkDeployment], error) {
				return f.Svc.ListDeployments(office, DeploymentFilter{}, pagination.Request{})
			}, []int64{fromC1.ID, toAll.ID, toBranches.ID}},
			{"office, issued by C1", func() (pagination.Page[*WorkDeployment], error) {
				return f.Svc.ListDeployments(office, DeploymentFilter{IssuerOrgID: &f.C1.ID}, pagination.Request{})
			}, []int64{fromC1.ID}},
			{"community: its own and the town's to it", func() (pagination.Page[*WorkDeployment], error) {
				return f.Svc.ListDeployments(community, DeploymentFilter{}, pagination.Request{})
			}, []int64{fromC1.ID, toAll.ID, toBranches.ID}},
			{"a targeted branch", func() (pagination.Page[*WorkDeployment], error) {
				return f.Svc.ListDeployments(branch2, DeploymentFilter{}, pagination.Request{})
			}, []int64{fromC1.ID, toAll.ID, toBranches.ID}},
			{"district viewer", func() (pagination.Page[*WorkDeployment], error) {
				return f.Svc.ListDeployments(viewer, DeploymentFilter{}, pagination.Request{})
			}, []int64{fromC1.ID, toAll.ID, toBranches.ID}},
		} {
			p, err := c.page()
			noErr(t, err)
			var got []int64
			for _, dp := range p.Items {
				got = append(got, dp.ID)
			}
			if !equalIDs(got, c.want) || p.TotalCount != len(c.want) {
				t.Errorf("%s: %v (total %d), want %v", c.name, got, p.TotalCount, c.want)
			}
		}
		// Paging newest first.
		items, total := listAll(t, 1, func(p pagination.Request) (pagination.Page[*WorkDeployment], error) {
			return f.Svc.ListDeployments(office, DeploymentFilter{}, p)
		}, func(dp *WorkDeployment) string { return pagination.EncodeCursor(pagination.Cursor{ID: dp.ID}) })
		if len(items) != 3 || total != 3 || items[0].ID != fromC1.ID || items[2].ID != toBranches.ID {
			t.Fatalf("paged deployments: %d of %d", len(items), total)
		}
		u1 := f.TownUser(t, authz.OrgSecretary, f.U1)
		_, err = f.Svc.GetDeployment(u1, fromC1.ID)
		wantErrCode(t, err, apperr.NotFound)
		if got, err := f.Svc.GetDeployment(u1, toAll.ID); err != nil || got.Content != "" || got.Title != "学习贯彻" {
			t.Fatalf("target reads deployment: %+v, %v", got, err)
		}

		// Progress.
		tg := targets(toAll)
		f.setState(t, tg[f.B1.ID].ID, Done, ptrTo(fixtureNow), ptrTo(fixtureNow))
		f.setState(t, tg[f.B2.ID].ID, Submitted, ptrTo(fixtureNow), nil)
		f.setState(t, tg[f.G1.ID].ID, Returned, ptrTo(fixtureNow), nil)
		pr, err := f.Svc.DeploymentProgress(office, toAll.ID)
		noErr(t, err)
		if *pr != (Progress{Total: 6, Submitted: 1, Done: 1, Pending: 4}) {
			t.Fatalf("progress = %+v", *pr)
		}
		f.Clock.Set(deadline.Add(time.Hour))
		pr, err = f.Svc.DeploymentProgress(office, toAll.ID)
		noErr(t, err)
		if *pr != (Progress{Total: 6, Submitted: 1, Done: 1, Overdue: 4}) {
			t.Fatalf("progress after the deadline = %+v", *pr)
		}
		// A target sees its own part only.
		pr, err = f.Svc.DeploymentProgress(branch, toAll.ID)
		noErr(t, err)
		if pr.Total != 2 { // B1 and its group G1
			t.Fatalf("branch progress = %+v", *pr)
		}
	})
}
