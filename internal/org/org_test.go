package org_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/org"
	"dangjian/internal/org/orgtest"
	"dangjian/internal/pagination"
)

func wantCode(t *testing.T, err error, code apperr.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got no error", code)
	}
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("want %s, got %s (%v)", code, got, err)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ids(items []*org.Organization) []int64 {
	out := make([]int64, len(items))
	for i, o := range items {
		out[i] = o.ID
	}
	return out
}

func names(items []*org.Organization) []string {
	out := make([]string, len(items))
	for i, o := range items {
		out[i] = o.Name
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestTree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := orgtest.New(t, d)
		ctx := f.TownUser(t, authz.TownOffice, f.A.Root)
		svc := f.Orgs
		root := f.A.Root
		if root.Path != fmt.Sprintf("/%d/", root.ID) || root.Depth != 0 || root.Kind != org.TownCommittee {
			t.Fatalf("root = %+v", root)
		}
		err := d.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
			_, err := svc.CreateRoot(ctx, tx, f.A.TenantID, "又一个镇党委")
			return err
		})
		wantCode(t, err, apperr.Conflict)

		create := func(parent *org.Organization, kind org.Kind, name string) *org.Organization {
			t.Helper()
			o, err := svc.Create(ctx, org.CreateInput{ParentID: parent.ID, Name: name, Kind: kind})
			if err != nil {
				t.Fatalf("create %q: %v", name, err)
			}
			return o
		}
		east := create(root, org.CommunityCommittee, " 东社区党委 ")
		if east.Name != "东社区党委" || east.Path != fmt.Sprintf("%s%d/", root.Path, east.ID) || east.Depth != 1 {
			t.Fatalf("east = %+v", east)
		}
		west := create(root, org.CommunityCommittee, "西社区党委")
		b1 := create(east, org.Branch, "第一党支部")
		g1 := create(b1, org.PartyGroup, "第一党小组")
		create(east, org.Branch, "第二党支部")

		// Kind rules, names and input checks.
		_, err = svc.Create(ctx, org.CreateInput{ParentID: g1.ID, Name: "小组下的支部", Kind: org.Branch})
		wantCode(t, err, apperr.InvalidInput)
		_, err = svc.Create(ctx, org.CreateInput{ParentID: root.ID, Name: "第二镇党委", Kind: org.TownCommittee})
		wantCode(t, err, apperr.InvalidInput)
		_, err = svc.Create(ctx, org.CreateInput{ParentID: east.ID, Name: "第一党支部", Kind: org.Branch})
		wantCode(t, err, apperr.Conflict)
		_, err = svc.Create(ctx, org.CreateInput{ParentID: east.ID, Name: " ", Kind: org.Branch})
		wantCode(t, err, apperr.InvalidInput)
		// The same name under another parent is fine.
		create(west, org.Branch, "第一党支部")

		// Rename.
		renamed, err := svc.Update(ctx, b1.ID, org.UpdateInput{Name: ptr("东社区第一党支部"), SortOrder: ptr(3)})
		if err != nil {
			t.Fatal(err)
		}
		if renamed.Name != "东社区第一党支部" || renamed.SortOrder != 3 {
			t.Fatalf("renamed = %+v", renamed)
		}
		_, err = svc.Update(ctx, b1.ID, org.UpdateInput{Name: ptr("第二党支部")})
		wantCode(t, err, apperr.Conflict)
		got := must[*org.Organization](t)(svc.Get(ctx, b1.ID))
		if got.Name != "东社区第一党支部" {
			t.Fatalf("get after rename = %q", got.Name)
		}

		// Move the subtree east/b1 (with its group) under west: every descendant follows.
		moved, err := svc.Move(ctx, b1.ID, west.ID)
		if err != nil {
			t.Fatal(err)
		}
		if moved.Path != fmt.Sprintf("%s%d/", west.Path, b1.ID) || moved.Depth != 2 || *moved.ParentID != west.ID {
			t.Fatalf("moved = %+v", moved)
		}
		g1 = must[*org.Organization](t)(svc.Get(ctx, g1.ID))
		if g1.Path != fmt.Sprintf("%s%d/", moved.Path, g1.ID) || g1.Depth != 3 {
			t.Fatalf("group after move = %+v", g1)
		}
		// Deeper move: the branch goes under a general branch, two levels down.
		gb := create(west, org.GeneralBranch, "西社区党总支")
		moved = must[*org.Organization](t)(svc.Move(ctx, b1.ID, gb.ID))
		g1 = must[*org.Organization](t)(svc.Get(ctx, g1.ID))
		if moved.Depth != 3 || g1.Depth != 4 || g1.Path != fmt.Sprintf("%s%d/%d/", gb.Path, b1.ID, g1.ID) {
			t.Fatalf("after second move: branch %+v, group %+v", moved, g1)
		}
		// Into its own subtree, onto itself, the root, and kind rules.
		_, err = svc.Move(ctx, b1.ID, g1.ID)
		wantCode(t, err, apperr.InvalidInput)
		_, err = svc.Move(ctx, b1.ID, b1.ID)
		wantCode(t, err, apperr.InvalidInput)
		_, err = svc.Move(ctx, west.ID, gb.ID)
		wantCode(t, err, apperr.InvalidInput)
		_, err = svc.Move(ctx, root.ID, east.ID)
		wantCode(t, err, apperr.InvalidInput)
		_, err = svc.Move(ctx, gb.ID, b1.ID)
		wantCode(t, err, apperr.InvalidInput) // 党支部下不能设立党总支
		// Name clash under the new parent.
		create(west, org.Branch, "第二党支部")
		second := must[pagination.Page[*org.Organization]](t)(svc.List(ctx,
			org.Filter{ParentID: &east.ID, NameContains: "第二"}, pagination.Request{}))
		if len(second.Items) != 1 {
			t.Fatalf("east's 第二党支部: %v", names(second.Items))
		}
		_, err = svc.Move(ctx, second.Items[0].ID, west.ID)
		wantCode(t, err, apperr.Conflict)

		// Dissolve: refused with children, kept as history when done.
		_, err = svc.Dissolve(ctx, b1.ID)
		wantCode(t, err, apperr.Conflict)
		_, err = svc.Dissolve(ctx, root.ID)
		wantCode(t, err, apperr.InvalidInput)
		gone := must[*org.Organization](t)(svc.Dissolve(ctx, g1.ID))
		if !gone.Dissolved() {
			t.Fatal("group not dissolved")
		}
		_, err = svc.Dissolve(ctx, g1.ID)
		wantCode(t, err, apperr.Conflict)
		_, err = svc.Update(ctx, g1.ID, org.UpdateInput{Name: ptr("新名字")})
		wantCode(t, err, apperr.Conflict)
		_, err = svc.Create(ctx, org.CreateInput{ParentID: g1.ID, Name: "x", Kind: org.PartyGroup})
		wantCode(t, err, apperr.Conflict)
		if got := must[*org.Organization](t)(svc.Get(ctx, g1.ID)); !got.Dissolved() {
			t.Fatal("Get should still return the dissolved org")
		}
		under := org.Filter{ParentID: &b1.ID}
		if p := must[pagination.Page[*org.Organization]](t)(svc.List(ctx, under, pagination.Request{})); len(p.Items) != 0 {
			t.Fatalf("dissolved listed by default: %v", names(p.Items))
		}
		under.IncludeDissolved = true
		if p := must[pagination.Page[*org.Organization]](t)(svc.List(ctx, under, pagination.Request{})); len(p.Items) != 1 || p.Items[0].ID != g1.ID {
			t.Fatalf("IncludeDissolved: %v", names(p.Items))
		}
		// The dissolved group's name is free again.
		g2 := create(b1, org.PartyGroup, "第一党小组")
		// Once its last active child is gone, the branch itself can be dissolved.
		must[*org.Organization](t)(svc.Dissolve(ctx, g2.ID))
		must[*org.Organization](t)(svc.Dissolve(ctx, b1.ID))
		// Move bumps the authz version: the office's grants still work after all the moves.
		must[*org.Organization](t)(svc.Get(ctx, gb.ID))
	})
}

func TestQueries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := orgtest.New(t, d)
		ctx := f.TownUser(t, authz.TownOffice, f.A.Root)
		svc := f.Orgs
		root := f.A.Root
		east := f.MustCreate(t, root, org.CommunityCommittee, "东社区党委")
		west := f.MustCreate(t, root, org.CommunityCommittee, "西社区党委")
		gb := f.MustCreate(t, east, org.GeneralBranch, "东社区党总支")
		var branches []*org.Organization
		for i := 1; i <= 5; i++ {
			branches = append(branches, f.MustCreate(t, gb, org.Branch, fmt.Sprintf("东社区第%d党支部", i)))
		}
		fb := f.MustCreate(t, gb, org.FunctionalBranch, "流动党员功能型党支部")
		grp := f.MustCreate(t, branches[0], org.PartyGroup, "第一党小组")
		f.MustCreate(t, west, org.Branch, "西社区党支部")
		f.MustCreate(t, f.B.Root, org.CommunityCommittee, "乙镇东社区党委")

		list := func(fl org.Filter) []*org.Organization {
			t.Helper()
			return must[pagination.Page[*org.Organization]](t)(svc.List(ctx, fl, pagination.Request{First: ptr(100)})).Items
		}
		// Children.
		if got := list(org.Filter{ParentID: &root.ID}); fmt.Sprint(ids(got)) != fmt.Sprint([]int64{east.ID, west.ID}) {
			t.Fatalf("children of root: %v", names(got))
		}
		// Descendants exclude the node itself; kind and name filters combine.
		desc := list(org.Filter{DescendantsOf: &east.ID})
		if len(desc) != 1+5+1+1 {
			t.Fatalf("descendants of east: %v", names(desc))
		}
		for _, o := range desc {
			if o.ID == east.ID {
				t.Fatal("descendants include the node itself")
			}
		}
		if got := list(org.Filter{DescendantsOf: &east.ID, Kinds: []org.Kind{org.FunctionalBranch, org.PartyGroup}}); fmt.Sprint(ids(got)) != fmt.Sprint([]int64{fb.ID, grp.ID}) {
			t.Fatalf("kinds filter: %v", names(got))
		}
		if got := list(org.Filter{DescendantsOf: &root.ID, NameContains: "第3"}); len(got) != 1 || got[0].ID != branches[2].ID {
			t.Fatalf("name filter: %v", names(got))
		}
		if got := list(org.Filter{NameContains: "%"}); len(got) != 0 {
			t.Fatalf("%% must be literal: %v", names(got))
		}
		// Ancestors, root first, without the node itself.
		if got := list(org.Filter{AncestorsOf: &grp.ID}); fmt.Sprint(ids(got)) != fmt.Sprint([]int64{root.ID, east.ID, gb.ID, branches[0].ID}) {
			t.Fatalf("ancestors: %v", names(got))
		}
		if got := list(org.Filter{AncestorsOf: &root.ID}); len(got) != 0 {
			t.Fatalf("ancestors of root: %v", names(got))
		}
		// Ancestors stay root first even when a parent's id is larger than its child's.
		late := f.MustCreate(t, root, org.CommunityCommittee, "新社区党委")
		must[*org.Organization](t)(svc.Move(ctx, gb.ID, late.ID))
		anc := must[pagination.Page[*org.Organization]](t)(svc.List(ctx, org.Filter{AncestorsOf: &grp.ID}, pagination.Request{First: ptr(2)}))
		if fmt.Sprint(ids(anc.Items)) != fmt.Sprint([]int64{root.ID, late.ID}) || !anc.HasNextPage || anc.TotalCount != 4 {
			t.Fatalf("ancestors page 1: %v %v %d", names(anc.Items), anc.HasNextPage, anc.TotalCount)
		}
		after := pagination.EncodeCursor(pagination.Cursor{ID: anc.Items[1].ID})
		anc = must[pagination.Page[*org.Organization]](t)(svc.List(ctx, org.Filter{AncestorsOf: &grp.ID}, pagination.Request{First: ptr(2), After: &after}))
		if fmt.Sprint(ids(anc.Items)) != fmt.Sprint([]int64{gb.ID, branches[0].ID}) || anc.HasNextPage {
			t.Fatalf("ancestors page 2: %v %v", names(anc.Items), anc.HasNextPage)
		}

		// Pagination over all of town A: 3 pages of 5, TotalCount of every match.
		all := list(org.Filter{})
		if len(all) != 13 {
			t.Fatalf("town A has %d orgs: %v", len(all), names(all))
		}
		var seen []int64
		var cursor *string
		for page := 0; ; page++ {
			p := must[pagination.Page[*org.Organization]](t)(svc.List(ctx, org.Filter{}, pagination.Request{First: ptr(5), After: cursor}))
			if p.TotalCount != 13 {
				t.Fatalf("page %d TotalCount = %d", page, p.TotalCount)
			}
			seen = append(seen, ids(p.Items)...)
			if !p.HasNextPage {
				break
			}
			c := pagination.EncodeCursor(pagination.Cursor{ID: p.Items[len(p.Items)-1].ID})
			cursor = &c
		}
		if fmt.Sprint(seen) != fmt.Sprint(ids(all)) {
			t.Fatalf("paged %v, want %v", seen, ids(all))
		}
		bad := "???"
		_, err := svc.List(ctx, org.Filter{}, pagination.Request{After: &bad})
		wantCode(t, err, apperr.InvalidInput)

		// GetMany returns only what exists and is visible.
		m := must[map[int64]*org.Organization](t)(svc.GetMany(ctx, []int64{east.ID, west.ID, f.B.Root.ID, 999999}))
		if len(m) != 2 || m[east.ID] == nil || m[west.ID] == nil {
			t.Fatalf("GetMany = %v", m)
		}
	})
}

func TestAuditRecorded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := orgtest.New(t, d)
		ctx := f.TownUser(t, authz.TownOffice, f.A.Root)
		o := must[*org.Organization](t)(f.Orgs.Create(ctx, org.CreateInput{ParentID: f.A.Root.ID, Name: "东社区党委", Kind: org.CommunityCommittee}))
		must[*org.Organization](t)(f.Orgs.Update(ctx, o.ID, org.UpdateInput{Name: ptr("东社区")}))
		must[*org.Organization](t)(f.Orgs.Dissolve(ctx, o.ID))
		var actions []string
		err := d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Table("audit_log").Column("action").
				Where("entity_type = 'organization' AND entity_id = ?", o.ID).OrderExpr("id").Scan(ctx, &actions)
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(actions) != "[org.create org.update org.dissolve]" {
			t.Fatalf("audit actions = %v", actions)
		}
	})
}

func TestAuthorization(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := orgtest.New(t, d)
		svc := f.Orgs
		aEast := f.MustCreate(t, f.A.Root, org.CommunityCommittee, "甲东社区党委")
		aBranch := f.MustCreate(t, aEast, org.Branch, "甲东第一党支部")
		aOther := f.MustCreate(t, aEast, org.Branch, "甲东第二党支部")
		bEast := f.MustCreate(t, f.B.Root, org.CommunityCommittee, "乙东社区党委")
		bBranch := f.MustCreate(t, bEast, org.Branch, "乙东第一党支部")

		office := f.TownUser(t, authz.TownOffice, f.A.Root)
		t.Run("town office of A cannot touch B", func(t *testing.T) {
			for _, id := range []int64{f.B.Root.ID, bEast.ID, bBranch.ID} {
				_, err := svc.Get(office, id)
				wantCode(t, err, apperr.NotFound)
				_, err = svc.Update(office, id, org.UpdateInput{Name: ptr("改名")})
				wantCode(t, err, apperr.NotFound)
				_, err = svc.Dissolve(office, id)
				wantCode(t, err, apperr.NotFound)
				_, err = svc.Move(office, id, f.A.Root.ID)
				wantCode(t, err, apperr.NotFound)
				_, err = svc.Create(office, org.CreateInput{ParentID: id, Name: "渗透支部", Kind: org.Branch})
				wantCode(t, err, apperr.NotFound)
			}
			_, err := svc.Move(office, aBranch.ID, bEast.ID)
			wantCode(t, err, apperr.NotFound)
			for _, fl := range []org.Filter{{}, {TenantID: &f.B.TenantID}, {DescendantsOf: &f.B.Root.ID}, {AncestorsOf: &bBranch.ID}, {ParentID: &bEast.ID}} {
				p := must[pagination.Page[*org.Organization]](t)(svc.List(office, fl, pagination.Request{First: ptr(100)}))
				for _, o := range p.Items {
					if o.TenantID != f.A.TenantID {
						t.Fatalf("filter %+v leaked %q of town B", fl, o.Name)
					}
				}
			}
			m := must[map[int64]*org.Organization](t)(svc.GetMany(office, []int64{bEast.ID, aEast.ID}))
			if len(m) != 1 || m[aEast.ID] == nil {
				t.Fatalf("GetMany leaked: %v", m)
			}
			// A reference read names organisations of the caller's own town only.
			m = must[map[int64]*org.Organization](t)(svc.GetRefs(office, []int64{f.B.Root.ID, bBranch.ID, aEast.ID}))
			if len(m) != 1 || m[aEast.ID] == nil {
				t.Fatalf("GetRefs leaked: %v", m)
			}
			// Unchanged in B.
			if got := must[*org.Organization](t)(svc.Get(f.System(), bBranch.ID)); got.Name != "乙东第一党支部" || got.Dissolved() {
				t.Fatalf("B changed: %+v", got)
			}
		})

		t.Run("branch secretary only inside his subtree", func(t *testing.T) {
			sec := f.TownUser(t, authz.OrgSecretary, aBranch)
			// He can name his town's committee (a deployment's issuer) but not read it.
			refs := must[map[int64]*org.Organization](t)(svc.GetRefs(sec, []int64{f.A.Root.ID, f.B.Root.ID}))
			if len(refs) != 1 || refs[f.A.Root.ID] == nil {
				t.Fatalf("GetRefs for the branch secretary = %v, want his town's root only", refs)
			}
			if seen := must[map[int64]*org.Organization](t)(svc.GetMany(sec, []int64{f.A.Root.ID})); len(seen) != 0 {
				t.Fatalf("GetMany opens the town root to the branch secretary: %v", seen)
			}
			grp := must[*org.Organization](t)(svc.Create(sec, org.CreateInput{ParentID: aBranch.ID, Name: "第一党小组", Kind: org.PartyGroup}))
			must[*org.Organization](t)(svc.Update(sec, aBranch.ID, org.UpdateInput{SortOrder: ptr(1)}))
			must[*org.Organization](t)(svc.Update(sec, grp.ID, org.UpdateInput{Name: ptr("一组")}))
			// Dissolving his own group needs write on its parent (his branch): fine.
			must[*org.Organization](t)(svc.Dissolve(sec, grp.ID))
			// Outside: the sibling branch and the community are not even readable.
			_, err := svc.Create(sec, org.CreateInput{ParentID: aOther.ID, Name: "小组", Kind: org.PartyGroup})
			wantCode(t, err, apperr.NotFound)
			_, err = svc.Update(sec, aEast.ID, org.UpdateInput{Name: ptr("改名")})
			wantCode(t, err, apperr.NotFound)
			// Dissolving or moving his own branch needs write on the community above.
			_, err = svc.Dissolve(sec, aBranch.ID)
			wantCode(t, err, apperr.Forbidden)
			p := must[pagination.Page[*org.Organization]](t)(svc.List(sec, org.Filter{}, pagination.Request{First: ptr(100)}))
			for _, o := range p.Items {
				if o.ID != aBranch.ID && o.ID != grp.ID {
					t.Fatalf("secretary sees %q outside his subtree", o.Name)
				}
			}
			// A committee member on the community reads but cannot write.
			cm := f.TownUser(t, authz.CommitteeMember, aEast)
			must[*org.Organization](t)(svc.Get(cm, aBranch.ID))
			_, err = svc.Update(cm, aBranch.ID, org.UpdateInput{Name: ptr("改名")})
			wantCode(t, err, apperr.Forbidden)
			_, err = svc.Create(cm, org.CreateInput{ParentID: aEast.ID, Name: "新支部", Kind: org.Branch})
			wantCode(t, err, apperr.Forbidden)
			// Moving needs write on both the old and the new parent.
			_, err = svc.Move(sec, aBranch.ID, aEast.ID)
			wantCode(t, err, apperr.NotFound) // the community is not even readable for him
			mover := f.TownUser(t, authz.CommitteeMember, f.A.Root)
			f.Grant(t, mover, authz.OrgSecretary, aEast)
			_, err = svc.Move(mover, aBranch.ID, f.A.Root.ID) // may write the old parent, only read the new
			wantCode(t, err, apperr.Forbidden)
			aWest := f.MustCreate(t, f.A.Root, org.CommunityCommittee, "甲西社区党委")
			_, err = svc.Move(mover, aWest.ID, aEast.ID) // may write the new parent, only read the old
			wantCode(t, err, apperr.Forbidden)
			f.Grant(t, mover, authz.OrgSecretary, aWest)
			must[*org.Organization](t)(svc.Move(mover, aOther.ID, aWest.ID))
		})

		t.Run("district viewer reads both towns, writes nothing", func(t *testing.T) {
			dv := f.DistrictUser(t, authz.DistrictViewer)
			must[*org.Organization](t)(svc.Get(dv, aBranch.ID))
			must[*org.Organization](t)(svc.Get(dv, bBranch.ID))
			p := must[pagination.Page[*org.Organization]](t)(svc.List(dv, org.Filter{}, pagination.Request{First: ptr(100)}))
			towns := map[int64]bool{}
			for _, o := range p.Items {
				towns[o.TenantID] = true
			}
			if !towns[f.A.TenantID] || !towns[f.B.TenantID] {
				t.Fatalf("district viewer sees towns %v", towns)
			}
			_, err := svc.Create(dv, org.CreateInput{ParentID: aEast.ID, Name: "新支部", Kind: org.Branch})
			wantCode(t, err, apperr.Forbidden)
			_, err = svc.Update(dv, bBranch.ID, org.UpdateInput{Name: ptr("改名")})
			wantCode(t, err, apperr.Forbidden)
			_, err = svc.Dissolve(dv, aOther.ID)
			wantCode(t, err, apperr.Forbidden)
			_, err = svc.Move(dv, aOther.ID, f.A.Root.ID)
			wantCode(t, err, apperr.Forbidden)
		})

		t.Run("other district sees nothing", func(t *testing.T) {
			var otherDistrict int64
			err := d.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
				return tx.NewRaw("INSERT INTO districts (name, code) VALUES ('外区', 'D2') RETURNING id").Scan(ctx, &otherDistrict)
			})
			if err != nil {
				t.Fatal(err)
			}
			outsider := actor.With(context.Background(), actor.Actor{UserID: 4242, DistrictID: otherDistrict})
			_, err = svc.Get(outsider, aBranch.ID)
			wantCode(t, err, apperr.NotFound)
			p := must[pagination.Page[*org.Organization]](t)(svc.List(outsider, org.Filter{}, pagination.Request{}))
			if len(p.Items) != 0 || p.TotalCount != 0 {
				t.Fatalf("outsider sees %v", names(p.Items))
			}
		})

		t.Run("grants follow a moved subtree", func(t *testing.T) {
			sec := f.TownUser(t, authz.OrgSecretary, bBranch)
			must[*org.Organization](t)(svc.Get(sec, bBranch.ID))
			bWest := f.MustCreate(t, f.B.Root, org.CommunityCommittee, "乙西社区党委")
			bOffice := f.TownUser(t, authz.TownOffice, f.B.Root)
			must[*org.Organization](t)(svc.Move(bOffice, bBranch.ID, bWest.ID))
			// His role is on the node, so it now covers the node's new path.
			must[*org.Organization](t)(svc.Update(sec, bBranch.ID, org.UpdateInput{SortOrder: ptr(2)}))
			grp := must[*org.Organization](t)(svc.Create(sec, org.CreateInput{ParentID: bBranch.ID, Name: "小组", Kind: org.PartyGroup}))
			if grp.Path != fmt.Sprintf("%s%d/%d/", bWest.Path, bBranch.ID, grp.ID) {
				t.Fatalf("group path %s", grp.Path)
			}
		})

		t.Run("no actor", func(t *testing.T) {
			ctx := context.Background()
			_, err := svc.Get(ctx, aBranch.ID)
			wantCode(t, err, apperr.Unauthenticated)
			_, err = svc.List(ctx, org.Filter{}, pagination.Request{})
			wantCode(t, err, apperr.Unauthenticated)
			_, err = svc.GetMany(ctx, []int64{aBranch.ID})
			wantCode(t, err, apperr.Unauthenticated)
			_, err = svc.Create(ctx, org.CreateInput{ParentID: aEast.ID, Name: "x", Kind: org.Branch})
			wantCode(t, err, apperr.Unauthenticated)
			// A signed-in user without any town or district scope fails closed.
			_, err = svc.List(actor.With(ctx, actor.Actor{UserID: 77}), org.Filter{}, pagination.Request{})
			if err == nil {
				t.Fatal("scope-less actor listed organisations")
			}
		})
	})
}

// TestRowLevelSecurity proves that PostgreSQL itself keeps towns apart, even
// for SQL that forgets the tenant filter.
func TestRowLevelSecurity(t *testing.T) {
	d := dbtest.Postgres(t)
	f := orgtest.New(t, d)
	f.MustCreate(t, f.A.Root, org.CommunityCommittee, "甲东社区党委")
	f.MustCreate(t, f.B.Root, org.CommunityCommittee, "乙东社区党委")
	f.MustCreate(t, f.B.Root, org.CommunityCommittee, "乙西社区党委")
	office := f.TownUser(t, authz.TownOffice, f.A.Root)

	var n, total int
	err := d.RunInTx(office, func(ctx context.Context, tx bun.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM organizations").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = d.RunInTx(f.System(), func(ctx context.Context, tx bun.Tx) error {
		return tx.QueryRowContext(ctx, "SELECT count(*) FROM organizations").Scan(&total)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || total != 5 {
		t.Fatalf("town A sees %d of %d organisations, want 2 of 5", n, total)
	}
	err = d.RunInTx(office, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx,
			"INSERT INTO organizations (tenant_id, parent_id, kind, name, path, depth) VALUES (?, ?, 'BRANCH', '偷渡支部', '/x/', 1)",
			f.B.TenantID, f.B.Root.ID)
		return err
	})
	if err == nil {
		t.Fatal("town A inserted a row of town B")
	}
	err = d.RunInTx(office, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE organizations SET name = '被改' WHERE tenant_id = ?", f.B.TenantID)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k != 0 {
			return fmt.Errorf("updated %d rows of town B", k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
