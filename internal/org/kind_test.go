package org_test

import (
	"strings"
	"testing"

	"dangjian/internal/apperr"
	"dangjian/internal/org"
)

func TestCheckChildKind(t *testing.T) {
	allowed := map[org.Kind][]org.Kind{
		org.TownCommittee:      {org.CommunityCommittee, org.GeneralBranch, org.Branch, org.UnitOrg, org.FunctionalBranch, org.JointBranch},
		org.CommunityCommittee: {org.GeneralBranch, org.Branch, org.UnitOrg, org.FunctionalBranch, org.JointBranch},
		org.GeneralBranch:      {org.Branch, org.FunctionalBranch, org.JointBranch},
		org.UnitOrg:            {org.Branch, org.PartyGroup},
		org.Branch:             {org.PartyGroup},
		org.FunctionalBranch:   {org.PartyGroup},
		org.JointBranch:        {org.PartyGroup},
		org.PartyGroup:         nil,
	}
	for _, parent := range org.AllKinds() {
		for _, child := range org.AllKinds() {
			want := false
			for _, k := range allowed[parent] {
				want = want || k == child
			}
			err := org.CheckChildKind(parent, child)
			if (err == nil) != want {
				t.Errorf("%s → %s: allowed=%v, err=%v", parent, child, want, err)
				continue
			}
			if err != nil {
				e, ok := apperr.As(err)
				if !ok || e.Code != apperr.InvalidInput {
					t.Errorf("%s → %s: want INVALID_INPUT, got %v", parent, child, err)
				}
				if !strings.Contains(e.Message, parent.Label()) || !strings.Contains(e.Message, child.Label()) {
					t.Errorf("%s → %s: message %q should name both kinds", parent, child, e.Message)
				}
			}
		}
	}
	if err := org.CheckChildKind(org.TownCommittee, "NOPE"); apperr.CodeOf(err) != apperr.InvalidInput {
		t.Errorf("unknown kind: got %v", err)
	}
}

func TestKindLabels(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range org.AllKinds() {
		if !k.Valid() {
			t.Errorf("%s not valid", k)
		}
		l := k.Label()
		if l == string(k) || seen[l] {
			t.Errorf("%s: bad or duplicate label %q", k, l)
		}
		seen[l] = true
	}
	if org.Kind("X").Valid() {
		t.Error("unknown kind is valid")
	}
}

func TestCleanName(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"  第一党支部 ", "第一党支部", false},
		{"", "", true},
		{"   ", "", true},
		{strings.Repeat("党", 50), strings.Repeat("党", 50), false},
		{strings.Repeat("党", 51), "", true},
	}
	for _, tt := range tests {
		got, err := org.CleanName(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("CleanName(%q) = %q, %v", tt.in, got, err)
		}
		if err != nil && apperr.CodeOf(err) != apperr.InvalidInput {
			t.Errorf("CleanName(%q): code %s", tt.in, apperr.CodeOf(err))
		}
	}
}

func TestOrganizationPaths(t *testing.T) {
	o := &org.Organization{Path: "/1/5/9/"}
	if got := o.ParentPath(); got != "/1/5/" {
		t.Errorf("ParentPath = %q", got)
	}
	if got := o.AncestorIDs(); len(got) != 2 || got[0] != 1 || got[1] != 5 {
		t.Errorf("AncestorIDs = %v", got)
	}
	root := &org.Organization{Path: "/1/"}
	if root.ParentPath() != "" || len(root.AncestorIDs()) != 0 {
		t.Errorf("root: %q %v", root.ParentPath(), root.AncestorIDs())
	}
}
