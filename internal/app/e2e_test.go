package app

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/demo"
)

// TestE2EOrgTree builds a part of town A's tree as its party-building office
// and hands a new branch to a secretary, who then works in it.
func TestE2EOrgTree(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			m := startDemo(t, b)
			admin := newClient(t, m).as("towna.admin")

			var me struct {
				Me struct {
					Username string `json:"username"`
					Town     struct {
						ID   string `json:"id"`
						Name string `json:"name"`
						Root struct {
							ID string `json:"id"`
						} `json:"rootOrganization"`
					} `json:"town"`
					Roles []struct {
						Role string `json:"role"`
						Org  struct {
							ID string `json:"id"`
						} `json:"org"`
					} `json:"roles"`
				} `json:"me"`
			}
			admin.must(`{ me { username town { id name rootOrganization { id } } roles { role org { id } } } }`, nil, &me)
			if me.Me.Username != "towna.admin" || me.Me.Town.Name != "红旗镇" {
				t.Fatalf("me = %+v", me.Me)
			}
			root := me.Me.Town.Root.ID
			if len(me.Me.Roles) != 1 || me.Me.Roles[0].Role != "TOWN_OFFICE" || me.Me.Roles[0].Org.ID != root {
				t.Fatalf("roles of towna.admin = %+v, want TOWN_OFFICE on the town root", me.Me.Roles)
			}

			create := func(c *client, parent, name, kind string) orgRow {
				t.Helper()
				var out struct {
					CreateOrganization struct{ Organization orgRow } `json:"createOrganization"`
				}
				c.must(`mutation($p: ID!, $n: String!, $k: OrgKind!) {
					createOrganization(input: {parentId: $p, name: $n, kind: $k}) { organization { `+orgFields+` } } }`,
					map[string]any{"p": parent, "n": name, "k": kind}, &out)
				o := out.CreateOrganization.Organization
				if o.Name != name || o.Kind != kind || o.Parent == nil || o.Parent.ID != parent || o.Town.Name != "红旗镇" {
					t.Fatalf("created %+v, want %s %s under %s", o, kind, name, parent)
				}
				return o
			}
			community := create(admin, root, "春风社区党委", "COMMUNITY_COMMITTEE")
			branch := create(admin, community.ID, "春风社区第一党支部", "BRANCH")
			group := create(admin, branch.ID, "第一党小组", "PARTY_GROUP")

			var renamed struct {
				UpdateOrganization struct{ Organization orgRow } `json:"updateOrganization"`
			}
			admin.must(`mutation($id: ID!) { updateOrganization(input: {id: $id, name: "春风社区党支部"}) { organization { `+orgFields+` } } }`,
				map[string]any{"id": branch.ID}, &renamed)
			if renamed.UpdateOrganization.Organization.Name != "春风社区党支部" {
				t.Fatalf("rename: %+v", renamed.UpdateOrganization.Organization)
			}

			heping := orgByName(t, admin.orgs(nil), "和平社区党委")
			var moved struct {
				MoveOrganization struct{ Organization orgRow } `json:"moveOrganization"`
			}
			admin.must(`mutation($id: ID!, $p: ID!) { moveOrganization(input: {id: $id, newParentId: $p}) { organization { `+orgFields+` } } }`,
				map[string]any{"id": branch.ID, "p": heping.ID}, &moved)
			if o := moved.MoveOrganization.Organization; o.Parent == nil || o.Parent.ID != heping.ID || !strings.HasPrefix(o.Path, heping.Path) {
				t.Fatalf("moved branch = %+v, want it under 和平社区党委 (%s)", o, heping.Path)
			}
			// The party group moved along with its branch.
			below := admin.orgs(map[string]any{"descendantsOf": heping.ID})
			if !hasOrg(below, group.ID) {
				t.Fatalf("party group %s not below 和平社区党委 after the move: %+v", group.ID, below)
			}
			if hasOrg(admin.orgs(map[string]any{"descendantsOf": community.ID}), branch.ID) {
				t.Fatal("the branch is still below 春风社区党委 after the move")
			}

			var secretary struct {
				CreatePerson struct{ Person personRow } `json:"createPerson"`
			}
			admin.must(`mutation($o: ID!) { createPerson(input: {orgId: $o, name: "柳春风", gender: FEMALE, phone: "13912345678",
				isMember: true, memberStatus: FULL, joinDate: "2010-07-01", duties: ["书记"]}) { person { id name phone phoneMasked org { id } } } }`,
				map[string]any{"o": branch.ID}, &secretary)
			sec := secretary.CreatePerson.Person
			if sec.Name != "柳春风" || sec.Org.ID != branch.ID || sec.PhoneMasked || sec.Phone == nil || *sec.Phone != "13912345678" {
				t.Fatalf("created person = %+v", sec)
			}
			admin.must(`mutation($o: ID!) { createPerson(input: {orgId: $o, name: "石小雨", gender: MALE, isMember: false, isVolunteer: true}) { person { id } } }`,
				map[string]any{"o": branch.ID}, nil)

			var user struct {
				CreateUser struct {
					User struct {
						ID string `json:"id"`
					} `json:"user"`
				} `json:"createUser"`
			}
			admin.must(`mutation($t: ID!, $p: ID!) { createUser(input: {username: "chunfeng.secretary", password: "Chunfeng-2026",
				displayName: "柳春风", townId: $t, personId: $p}) { user { id } } }`,
				map[string]any{"t": me.Me.Town.ID, "p": sec.ID}, &user)
			var assigned struct {
				AssignRole struct {
					RoleAssignment struct {
						Role      string `json:"role"`
						RoleLabel string `json:"roleLabel"`
					} `json:"roleAssignment"`
				} `json:"assignRole"`
			}
			admin.must(`mutation($u: ID!, $o: ID!) { assignRole(input: {userId: $u, role: ORG_SECRETARY, orgId: $o}) { roleAssignment { role roleLabel } } }`,
				map[string]any{"u": user.CreateUser.User.ID, "o": branch.ID}, &assigned)
			if ra := assigned.AssignRole.RoleAssignment; ra.Role != "ORG_SECRETARY" || !hasChinese(ra.RoleLabel) {
				t.Fatalf("assigned %+v", ra)
			}

			secClient := newClient(t, m).login("chunfeng.secretary", "Chunfeng-2026")
			if _, name, town := secClient.me(); name != "chunfeng.secretary" || town != me.Me.Town.ID {
				t.Fatalf("the secretary is %s of town %s", name, town)
			}
			create(secClient, branch.ID, "第二党小组", "PARTY_GROUP")
			secClient.refused(`mutation($p: ID!) { createOrganization(input: {parentId: $p, name: "越权支部", kind: BRANCH}) { organization { id } } }`,
				map[string]any{"p": heping.ID}, "FORBIDDEN", "NOT_FOUND")
		})
	}
}

func hasOrg(rows []orgRow, id string) bool {
	for _, r := range rows {
		if r.ID == id {
			return true
		}
	}
	return false
}

// GraphQL operations the attack tables reuse.
const (
	qNode         = `query($id: ID!) { node(id: $id) { __typename id ... on Organization { name town { id } } ... on Person { name phone org { id } } ... on User { username town { id } } } }`
	qOrgs         = `query($f: OrganizationFilter) { organizations(first: 50, filter: $f) { totalCount edges { node { id name town { id name } } } } }`
	qPeople       = `query($f: PersonFilter) { people(first: 50, filter: $f) { totalCount edges { node { id name phone org { id } } } } }`
	qUsers        = `query($f: UserFilter) { users(first: 50, filter: $f) { totalCount edges { node { id username town { id } } } } }`
	qAudit        = `query($f: AuditFilter) { auditLog(first: 50, filter: $f) { edges { node { action entityType entityId town { id name } before after } } } }`
	mCreateOrg    = `mutation($p: ID!) { createOrganization(input: {parentId: $p, name: "渗透测试支部", kind: BRANCH}) { organization { id } } }`
	mUpdateOrg    = `mutation($id: ID!) { updateOrganization(input: {id: $id, name: "已被篡改"}) { organization { id name } } }`
	mMoveOrg      = `mutation($id: ID!, $p: ID!) { moveOrganization(input: {id: $id, newParentId: $p}) { organization { id path } } }`
	mDissolveOrg  = `mutation($id: ID!) { dissolveOrganization(input: {id: $id}) { organization { id dissolved } } }`
	mCreatePerson = `mutation($o: ID!) { createPerson(input: {orgId: $o, name: "冒名者", gender: MALE, isMember: true, memberStatus: FULL}) { person { id } } }`
	mUpdatePerson = `mutation($id: ID!) { updatePerson(input: {id: $id, name: "已被篡改", phone: "13000000000"}) { person { id name phone } } }`
	mMovePerson   = `mutation($id: ID!, $o: ID!) { updatePerson(input: {id: $id, orgId: $o}) { person { id org { id } } } }`
	mRemovePerson = `mutation($id: ID!) { removePerson(input: {id: $id}) { person { id removed } } }`
	mCreateUser   = `mutation($t: ID) { createUser(input: {username: "intruder", password: "Intruder-2026", townId: $t}) { user { id } } }`
	mUpdateUser   = `mutation($id: ID!) { updateUser(input: {id: $id, disabled: true}) { user { id disabled } } }`
	mResetPwd     = `mutation($id: ID!) { resetPassword(input: {id: $id, newPassword: "Stolen-2026"}) { ok } }`
	mAssignOrg    = `mutation($u: ID!, $o: ID!, $r: Role!) { assignRole(input: {userId: $u, role: $r, orgId: $o}) { roleAssignment { id } } }`
	mRevokeRole   = `mutation($id: ID!) { revokeRole(input: {id: $id}) { ok } }`
)

// townFacts are the ids of a demo town, read by its own office.
type townFacts struct {
	townID, rootID, userID, roleID string
	orgs                           []orgRow
	people                         []personRow
}

func readTown(t *testing.T, c *client) townFacts {
	t.Helper()
	var me struct {
		Me struct {
			ID   string `json:"id"`
			Town struct {
				ID   string `json:"id"`
				Root struct {
					ID string `json:"id"`
				} `json:"rootOrganization"`
			} `json:"town"`
			Roles []struct {
				ID string `json:"id"`
			} `json:"roles"`
		} `json:"me"`
	}
	c.must(`{ me { id town { id rootOrganization { id } } roles { id } } }`, nil, &me)
	f := townFacts{townID: me.Me.Town.ID, rootID: me.Me.Town.Root.ID, userID: me.Me.ID, orgs: c.orgs(nil), people: c.people()}
	if len(me.Me.Roles) > 0 {
		f.roleID = me.Me.Roles[0].ID
	}
	if len(f.orgs) < 5 || len(f.people) < 20 {
		t.Fatalf("town %s shows %d orgs and %d people to its office", f.townID, len(f.orgs), len(f.people))
	}
	return f
}

// snapshot is everything a town's office sees of its orgs, people and users,
// to compare before and after an attack.
func snapshot(t *testing.T, c *client) string {
	t.Helper()
	parts := [][]json.RawMessage{
		c.all("organizations", `query($after: String) { organizations(first: 50, after: $after, filter: {includeDissolved: true}) {
			pageInfo { hasNextPage endCursor } edges { node { id name kind path sortOrder dissolved updatedAt } } } }`, nil),
		c.all("people", `query($after: String) { people(first: 50, after: $after, filter: {includeRemoved: true}) {
			pageInfo { hasNextPage endCursor } edges { node { id name phone gender memberStatus duties removed org { id } updatedAt } } } }`, nil),
		c.all("users", `query($after: String) { users(first: 50, after: $after, filter: {includeDisabled: true}) {
			pageInfo { hasNextPage endCursor } edges { node { id username displayName disabled roles { id role org { id } } } } } }`, nil),
	}
	b, err := json.Marshal(parts)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestE2ETenantIsolation attacks town B (东风街道) from town A (红旗镇), from
// inside town A's tree and from the district, and checks that every attempt
// is refused and that neither town's data changed.
func TestE2ETenantIsolation(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			m := startDemo(t, b)
			anon := newClient(t, m)
			townA, townB := anon.as("towna.admin"), anon.as("townb.admin")
			branchA, district := anon.as("towna.branch"), anon.as("district.admin")
			a, bt := readTown(t, townA), readTown(t, townB)
			beforeA, beforeB := snapshot(t, townA), snapshot(t, townB)

			bBranch := orgByName(t, bt.orgs, "朝阳社区第一党支部")
			bPerson := bt.people[0]
			aBranch := orgByName(t, a.orgs, "和平社区第一党支部")
			aPerson := a.people[len(a.people)-1]

			bIDs := map[string]bool{bt.townID: true, bt.userID: true, bt.roleID: true}
			for _, o := range bt.orgs {
				bIDs[o.ID] = true
			}
			for _, p := range bt.people {
				bIDs[p.ID] = true
			}
			// What of town B must never show up in an answer to town A: its
			// ids, its name, its admin, the names of its orgs that town A has not.
			leaks := []string{"东风街道", "townb.admin"}
			for id := range bIDs {
				leaks = append(leaks, `"`+id+`"`)
			}
			aNames := map[string]bool{}
			for _, o := range a.orgs {
				aNames[o.Name] = true
			}
			for _, o := range bt.orgs {
				if !aNames[o.Name] {
					leaks = append(leaks, o.Name)
				}
			}
			leaked := func(r gqlResponse) string {
				all := string(r.Data)
				for _, e := range r.Errors {
					all += e.Message
				}
				for _, s := range leaks {
					if strings.Contains(all, s) {
						return s
					}
				}
				return ""
			}

			t.Run("reads from town A see nothing of town B", func(t *testing.T) {
				bOrgNum := dbID(t, bBranch.ID)
				reads := []struct {
					name     string
					c        *client
					query    string
					vars     map[string]any
					nullNode bool // node must answer null
				}{
					{"node of a town B organisation", townA, qNode, map[string]any{"id": bBranch.ID}, true},
					{"node of town B's root", townA, qNode, map[string]any{"id": bt.rootID}, true},
					{"node of a town B person", townA, qNode, map[string]any{"id": bPerson.ID}, true},
					{"node of a town B user", townA, qNode, map[string]any{"id": bt.userID}, true},
					{"node of a town B org id forged as a Person", townA, qNode, map[string]any{"id": globalID("Person", bOrgNum)}, false},
					{"node of a town B org id forged as a User", townA, qNode, map[string]any{"id": globalID("User", bOrgNum)}, false},
					{"node of a town B person id forged as an Organization", townA, qNode, map[string]any{"id": globalID("Organization", dbID(t, bPerson.ID))}, false},
					{"organizations filtered to town B", townA, qOrgs, map[string]any{"f": map[string]any{"townId": bt.townID}}, false},
					{"all organizations", townA, qOrgs, nil, false},
					{"descendants of town B's root", townA, qOrgs, map[string]any{"f": map[string]any{"descendantsOf": bt.rootID}}, false},
					{"ancestors of a town B branch", townA, qOrgs, map[string]any{"f": map[string]any{"ancestorsOf": bBranch.ID}}, false},
					{"children of town B's root", townA, qOrgs, map[string]any{"f": map[string]any{"parentId": bt.rootID}}, false},
					{"all people", townA, qPeople, nil, false},
					{"people below town B's root", townA, qPeople, map[string]any{"f": map[string]any{"orgId": bt.rootID, "includeDescendants": true}}, false},
					{"users filtered to town B", townA, qUsers, map[string]any{"f": map[string]any{"townId": bt.townID}}, false},
					{"all users", townA, qUsers, nil, false},
					{"audit log filtered to town B", townA, qAudit, map[string]any{"f": map[string]any{"townId": bt.townID}}, false},
					{"whole audit log", townA, qAudit, nil, false},
					{"branch secretary's audit log of town B", branchA, qAudit, map[string]any{"f": map[string]any{"townId": bt.townID}}, false},
				}
				for _, tc := range reads {
					t.Run(tc.name, func(t *testing.T) {
						r := tc.c.on(t).do(tc.query, tc.vars)
						if c := r.code(); c == "INTERNAL" || c == "UNAUTHENTICATED" || (c != "" && !hasChinese(r.message())) {
							t.Errorf("got %s %q, want town A's own data or a refusal", c, r.message())
						}
						if s := leaked(r); s != "" {
							t.Errorf("town B's %s leaked to town A: %s %+v", s, r.Data, r.Errors)
						}
						if tc.nullNode && r.code() == "" && string(r.Data) != `{"node":null}` {
							t.Errorf("node answered %s, want null", r.Data)
						}
					})
				}
			})

			t.Run("garbage ids are refused", func(t *testing.T) {
				townA := townA.on(t)
				for _, id := range []string{
					"garbage", "!!!", "Organization:1", globalID("Organization", -1), globalID("Organization", 0),
					base64.RawURLEncoding.EncodeToString([]byte("Organization:1 OR 1=1")),
					base64.RawURLEncoding.EncodeToString([]byte("Organization:99999999999999999999")),
					base64.RawURLEncoding.EncodeToString([]byte("Organization")),
					strings.Repeat("A", 5000),
				} {
					r := townA.do(qNode, map[string]any{"id": id})
					if c := r.code(); c != "" && c != "INVALID_INPUT" {
						t.Errorf("node(%.40q) = %s %q, want INVALID_INPUT or null", id, c, r.message())
					}
					if string(r.Data) != "null" && string(r.Data) != `{"node":null}` {
						t.Errorf("node(%.40q) returned data %s", id, r.Data)
					}
					townA.refused(mUpdateOrg, map[string]any{"id": id}, "INVALID_INPUT", "NOT_FOUND")
				}
			})

			t.Run("writes across the town boundary are refused", func(t *testing.T) {
				attacks := []struct {
					name  string
					c     *client
					query string
					vars  map[string]any
					codes []string
				}{
					{"rename a town B org", townA, mUpdateOrg, map[string]any{"id": bBranch.ID}, []string{"NOT_FOUND"}},
					{"dissolve a town B org", townA, mDissolveOrg, map[string]any{"id": bBranch.ID}, []string{"NOT_FOUND"}},
					{"move a town B org under town A", townA, mMoveOrg, map[string]any{"id": bBranch.ID, "p": a.rootID}, []string{"NOT_FOUND"}},
					{"move a town B org inside town B", townA, mMoveOrg, map[string]any{"id": bBranch.ID, "p": bt.rootID}, []string{"NOT_FOUND"}},
					{"move a town A org under a town B org", townA, mMoveOrg, map[string]any{"id": aBranch.ID, "p": bt.rootID}, []string{"NOT_FOUND"}},
					{"create an org under a town B org", townA, mCreateOrg, map[string]any{"p": bBranch.ID}, []string{"NOT_FOUND"}},
					{"update a town B person", townA, mUpdatePerson, map[string]any{"id": bPerson.ID}, []string{"NOT_FOUND"}},
					{"remove a town B person", townA, mRemovePerson, map[string]any{"id": bPerson.ID}, []string{"NOT_FOUND"}},
					// The person's organisation is a field of the input: "所属党组织不存在" is the answer.
					{"move a town A person into a town B org", townA, mMovePerson, map[string]any{"id": aPerson.ID, "o": bBranch.ID}, []string{"NOT_FOUND", "FORBIDDEN", "INVALID_INPUT"}},
					{"create a person in a town B org", townA, mCreatePerson, map[string]any{"o": bBranch.ID}, []string{"NOT_FOUND", "FORBIDDEN", "INVALID_INPUT"}},
					{"create a user in town B", townA, mCreateUser, map[string]any{"t": bt.townID}, []string{"NOT_FOUND", "FORBIDDEN"}},
					{"give a town A user a role on a town B org", townA, mAssignOrg, map[string]any{"u": a.userID, "o": bt.rootID, "r": "TOWN_OFFICE"}, []string{"NOT_FOUND", "FORBIDDEN"}},
					{"give a town B user a role on a town A org", townA, mAssignOrg, map[string]any{"u": bt.userID, "o": a.rootID, "r": "MEMBER"}, []string{"NOT_FOUND", "FORBIDDEN"}},
					{"disable a town B user", townA, mUpdateUser, map[string]any{"id": bt.userID}, []string{"NOT_FOUND", "FORBIDDEN"}},
					{"reset a town B user's password", townA, mResetPwd, map[string]any{"id": bt.userID}, []string{"NOT_FOUND", "FORBIDDEN"}},
					{"revoke a town B user's role", townA, mRevokeRole, map[string]any{"id": bt.roleID}, []string{"NOT_FOUND", "FORBIDDEN"}},
					{"rename a town B person id forged as an Organization", townA, mUpdateOrg, map[string]any{"id": globalID("Organization", dbID(t, bPerson.ID))}, []string{"NOT_FOUND", "INVALID_INPUT"}},
					{"rename town B itself as an Organization", townA, mUpdateOrg, map[string]any{"id": bt.townID}, []string{"INVALID_INPUT", "NOT_FOUND"}},
					{"update a town B org id passed as a Person", townA, mUpdatePerson, map[string]any{"id": bBranch.ID}, []string{"INVALID_INPUT", "NOT_FOUND"}},
				}
				for _, tc := range attacks {
					t.Run(tc.name, func(t *testing.T) {
						c := tc.c.on(t)
						r := c.refused(tc.query, tc.vars, tc.codes...)
						if s := leaked(r); s != "" {
							t.Errorf("the refusal leaks town B's %s: %+v", s, r.Errors)
						}
						// The refusal must not tell town B's ids from ids that name nothing.
						ghost := map[string]any{}
						for k, v := range tc.vars {
							if id, ok := v.(string); ok && bIDs[id] {
								v = ghostID(t, id)
							}
							ghost[k] = v
						}
						if g := c.do(tc.query, ghost); g.code() != r.code() || g.message() != r.message() {
							t.Errorf("town B's id answers %s %q, an id of nothing %s %q: the difference reveals that it exists",
								r.code(), r.message(), g.code(), g.message())
						}
					})
				}
			})

			t.Run("a branch secretary stays inside his branch", func(t *testing.T) {
				branchA := branchA.on(t)
				xingfu := orgByName(t, a.orgs, "幸福社区党委")
				sibling := orgByName(t, a.orgs, "幸福社区第二党支部")
				var other personRow
				for _, p := range a.people {
					if p.Org.ID == aBranch.ID {
						other = p
					}
				}
				if other.ID == "" {
					t.Fatal("no person in 和平社区第一党支部")
				}
				branchUser, _, _ := branchA.me()
				attacks := []struct {
					name  string
					query string
					vars  map[string]any
					codes []string
				}{
					{"create an org under the town root", mCreateOrg, map[string]any{"p": a.rootID}, []string{"FORBIDDEN", "NOT_FOUND"}},
					{"create an org under a sibling branch", mCreateOrg, map[string]any{"p": sibling.ID}, []string{"FORBIDDEN", "NOT_FOUND"}},
					{"rename his community committee", mUpdateOrg, map[string]any{"id": xingfu.ID}, []string{"FORBIDDEN", "NOT_FOUND"}},
					{"update a person of another branch", mUpdatePerson, map[string]any{"id": other.ID}, []string{"FORBIDDEN", "NOT_FOUND"}},
					{"create a user", mCreateUser, map[string]any{"t": a.townID}, []string{"FORBIDDEN"}},
					{"make himself town office", mAssignOrg, map[string]any{"u": branchUser, "o": a.rootID, "r": "TOWN_OFFICE"}, []string{"FORBIDDEN", "NOT_FOUND"}},
					{"create an org in town B", mCreateOrg, map[string]any{"p": bBranch.ID}, []string{"NOT_FOUND"}},
				}
				for _, tc := range attacks {
					t.Run(tc.name, func(t *testing.T) { branchA.on(t).refused(tc.query, tc.vars, tc.codes...) })
				}
			})

			t.Run("the district reads every town but writes none", func(t *testing.T) {
				anon, district := anon.on(t), district.on(t)
				var d struct {
					Me struct {
						District struct {
							ID string `json:"id"`
						} `json:"district"`
					} `json:"me"`
				}
				district.must(`{ me { district { id } } }`, nil, &d)
				var created struct {
					CreateUser struct {
						User struct {
							ID string `json:"id"`
						} `json:"user"`
					} `json:"createUser"`
				}
				district.must(`mutation($d: ID!) { createUser(input: {username: "district.viewer", password: "Viewer-2026", displayName: "区委观察员", districtId: $d}) { user { id } } }`,
					map[string]any{"d": d.Me.District.ID}, &created)
				district.must(`mutation($u: ID!, $d: ID!) { assignRole(input: {userId: $u, role: DISTRICT_VIEWER, districtId: $d}) { roleAssignment { id } } }`,
					map[string]any{"u": created.CreateUser.User.ID, "d": d.Me.District.ID}, nil)
				viewer := anon.login("district.viewer", "Viewer-2026")

				towns := map[string]int{}
				for _, o := range viewer.orgs(nil) {
					towns[o.Town.Name]++
				}
				if towns["红旗镇"] != len(a.orgs) || towns["东风街道"] != len(bt.orgs) {
					t.Errorf("the district viewer sees orgs per town %v, want 红旗镇 %d and 东风街道 %d", towns, len(a.orgs), len(bt.orgs))
				}
				masked := regexp.MustCompile(`^1\d{2}\*{4}\d{4}$`)
				seen := viewer.people()
				if len(seen) < len(a.people)+len(bt.people) {
					t.Errorf("the district viewer sees %d people, want at least %d", len(seen), len(a.people)+len(bt.people))
				}
				for _, p := range seen {
					if !p.PhoneMasked || (p.Phone != nil && !masked.MatchString(*p.Phone)) {
						t.Errorf("the district viewer sees the phone of %s: %v (masked %v)", p.Name, deref(p.Phone), p.PhoneMasked)
						break
					}
				}

				for _, who := range []struct {
					name string
					c    *client
				}{{"district.viewer", viewer}, {"district.admin", district}} {
					writes := []struct {
						name  string
						query string
						vars  map[string]any
					}{
						{"create an org in town A", mCreateOrg, map[string]any{"p": a.rootID}},
						{"rename an org of town B", mUpdateOrg, map[string]any{"id": bBranch.ID}},
						{"create a person in town A", mCreatePerson, map[string]any{"o": aBranch.ID}},
						{"create a user in town B", mCreateUser, map[string]any{"t": bt.townID}},
					}
					for _, w := range writes {
						t.Run(who.name+" may not "+w.name, func(t *testing.T) { who.c.on(t).refused(w.query, w.vars, "FORBIDDEN") })
					}
				}
			})

			t.Run("no or a garbage token", func(t *testing.T) {
				anon := anon.on(t)
				r := anon.refused(qOrgs, nil, "UNAUTHENTICATED")
				if string(r.Data) != "null" && strings.Contains(string(r.Data), "edges") {
					t.Errorf("anonymous request got data %s", r.Data)
				}
				forged := &client{t: t, base: anon.base, token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged"}
				if r := forged.do(qOrgs, nil); r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" || !hasChinese(r.message()) {
					t.Errorf("garbage token: status %d %+v, want 401 UNAUTHENTICATED", r.Status, r.Errors)
				}
			})

			if after := snapshot(t, townB); after != beforeB {
				t.Errorf("town B changed:\nbefore %s\nafter  %s", beforeB, after)
			}
			if after := snapshot(t, townA); after != beforeA {
				t.Errorf("town A changed:\nbefore %s\nafter  %s", beforeA, after)
			}
		})
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

const mLogin = `mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken refreshToken } }`

// TestE2ELoginLockout guesses townb.admin's password until the account locks.
func TestE2ELoginLockout(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			m := startDemo(t, b)
			anon := newClient(t, m)
			var wrong string
			for i := 1; i <= 5; i++ {
				r := anon.refused(mLogin, map[string]any{"u": "townb.admin", "p": "Guess-000" + string(rune('0'+i))}, "UNAUTHENTICATED")
				wrong = r.message()
			}
			// An unknown account gets the same answer: guessing reveals no usernames.
			if r := anon.refused(mLogin, map[string]any{"u": "nobody.here", "p": "Guess-0001"}, "UNAUTHENTICATED"); r.message() != wrong {
				t.Errorf("unknown user: %q, wrong password: %q", r.message(), wrong)
			}

			r := anon.refused(mLogin, map[string]any{"u": "townb.admin", "p": demo.Password}, "RATE_LIMITED")
			if !strings.Contains(r.message(), "锁定") {
				t.Errorf("locked account message %q does not say it is locked", r.message())
			}
			// Case and spaces do not make a new account to guess at.
			anon.refused(mLogin, map[string]any{"u": "  TownB.Admin ", "p": demo.Password}, "RATE_LIMITED")

			other := anon.as("towna.admin")
			if _, name, _ := other.me(); name != "towna.admin" {
				t.Fatalf("another account after the lockout: %s", name)
			}
		})
	}
}

// TestE2ESessions follows a session through refresh, sign-out and a password change.
func TestE2ESessions(t *testing.T) {
	const mRefresh = `mutation($r: String!) { refreshToken(input: {refreshToken: $r}) { accessToken refreshToken user { username } } }`
	const mLogout = `mutation($r: String!) { logout(input: {refreshToken: $r}) { ok } }`
	const qMe = `{ me { username } }`
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			m := startDemo(t, b)
			anon := newClient(t, m)
			signedOut := func(c *client) {
				t.Helper()
				r := c.do(qMe, nil)
				if r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" || !hasChinese(r.message()) {
					t.Errorf("old access token: status %d %+v, want 401 UNAUTHENTICATED", r.Status, r.Errors)
				}
			}

			t.Run("refresh rotates the refresh token", func(t *testing.T) {
				anon := anon.on(t)
				s := anon.as("towna.admin")
				var out struct {
					RefreshToken struct {
						AccessToken  string `json:"accessToken"`
						RefreshToken string `json:"refreshToken"`
						User         struct{ Username string }
					} `json:"refreshToken"`
				}
				anon.must(mRefresh, map[string]any{"r": s.refresh}, &out)
				next := &client{t: t, base: anon.base, token: out.RefreshToken.AccessToken, refresh: out.RefreshToken.RefreshToken}
				if out.RefreshToken.User.Username != "towna.admin" || next.refresh == s.refresh {
					t.Fatalf("refresh returned %+v", out.RefreshToken)
				}
				if _, name, _ := next.me(); name != "towna.admin" {
					t.Fatalf("the new access token signs in %q", name)
				}
				anon.refused(mRefresh, map[string]any{"r": s.refresh}, "UNAUTHENTICATED")
				anon.refused(mRefresh, map[string]any{"r": "not-a-refresh-token"}, "UNAUTHENTICATED")
			})

			t.Run("logout ends the session", func(t *testing.T) {
				anon := anon.on(t)
				s, other := anon.as("towna.admin"), anon.as("towna.admin")
				s.must(mLogout, map[string]any{"r": s.refresh}, nil)
				signedOut(s)
				anon.refused(mRefresh, map[string]any{"r": s.refresh}, "UNAUTHENTICATED")
				if _, name, _ := other.me(); name != "towna.admin" {
					t.Fatal("signing out ended another session")
				}
			})

			t.Run("changing the password ends every session", func(t *testing.T) {
				anon := anon.on(t)
				s, other := anon.as("townb.admin"), anon.as("townb.admin")
				s.refused(`mutation { changePassword(input: {oldPassword: "Wrong-2026", newPassword: "Changed-2026"}) { ok } }`, nil, "INVALID_INPUT")
				s.refused(`mutation { changePassword(input: {oldPassword: "Demo-2026", newPassword: "short"}) { ok } }`, nil, "INVALID_INPUT")
				s.must(`mutation { changePassword(input: {oldPassword: "Demo-2026", newPassword: "Changed-2026"}) { ok } }`, nil, nil)
				signedOut(s)
				signedOut(other)
				anon.refused(mRefresh, map[string]any{"r": other.refresh}, "UNAUTHENTICATED")
				anon.refused(mLogin, map[string]any{"u": "townb.admin", "p": demo.Password}, "UNAUTHENTICATED")
				if _, name, _ := anon.login("townb.admin", "Changed-2026").me(); name != "townb.admin" {
					t.Fatal("the new password does not sign in")
				}
			})
		})
	}
}

// TestE2ELimits sends what a careless or hostile client might, and checks
// that each gets a clear refusal and that the server stays up.
func TestE2ELimits(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			m := startDemo(t, b)
			admin := newClient(t, m).as("towna.admin")
			stillUp := func(t *testing.T) {
				t.Helper()
				if code, body := get(t, admin.base+"/healthz"); code != http.StatusOK {
					t.Fatalf("healthz = %d %q", code, body)
				}
				if _, name, _ := admin.me(); name != "towna.admin" {
					t.Fatalf("a normal query answers %q", name)
				}
			}

			deep := "name"
			for range 12 {
				deep = "parent { " + deep + " }"
			}
			big := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 1<<20+10) + `"}}`
			cases := []struct {
				name        string
				send        func() gqlResponse
				status      int
				code, words string
			}{
				{"query nested too deep", func() gqlResponse {
					return admin.do(`{ organizations(first: 1) { edges { node { `+deep+` } } } }`, nil)
				}, http.StatusOK, "INVALID_INPUT", "嵌套"},
				{"query too complex", func() gqlResponse {
					return admin.do(`{ organizations(first: 100) { edges { node { children(first: 100) { edges { node {
						members(first: 100) { edges { node { name } } } } } } } } } }`, nil)
				}, http.StatusOK, "INVALID_INPUT", "复杂"},
				{"malformed JSON", func() gqlResponse {
					return admin.send(http.MethodPost, admin.base+"/graphql", []byte(`{"query": "{ me { id } ",`), "application/json")
				}, http.StatusBadRequest, "INVALID_INPUT", "JSON"},
				{"body over 1 MiB", func() gqlResponse {
					return admin.send(http.MethodPost, admin.base+"/graphql", []byte(big), "application/json")
				}, http.StatusRequestEntityTooLarge, "INVALID_INPUT", "过大"},
				{"body over 1 MiB of unknown length", func() gqlResponse {
					req, _ := http.NewRequest(http.MethodPost, admin.base+"/graphql", strings.NewReader(big))
					req.ContentLength = -1 // sent chunked
					req.Header.Set("Content-Type", "application/json")
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer res.Body.Close()
					var out gqlResponse
					if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
						t.Fatalf("status %d, answer is not JSON: %v", res.StatusCode, err)
					}
					out.Status = res.StatusCode
					return out
				}, http.StatusRequestEntityTooLarge, "INVALID_INPUT", "过大"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := tc.send()
					if r.Status != tc.status || r.code() != tc.code || !strings.Contains(r.message(), tc.words) || !hasChinese(r.message()) {
						t.Errorf("status %d %+v, want %d %s mentioning %q", r.Status, r.Errors, tc.status, tc.code, tc.words)
					}
					if len(r.Errors) > 0 && strings.Contains(string(r.Data), "edges") {
						t.Errorf("refused query returned data %s", r.Data)
					}
					stillUp(t)
				})
			}

			t.Run("a full page of 100 people with every list column is accepted", func(t *testing.T) {
				r := admin.do(`{ people(first: 100) { totalCount pageInfo { hasNextPage endCursor }
					edges { node { id name gender phone isMember memberStatus joinDate duties org { id name } } } } }`, nil)
				if len(r.Errors) > 0 || !strings.Contains(string(r.Data), "edges") {
					t.Fatalf("status %d %+v, want the page", r.Status, r.Errors)
				}
			})

			t.Run("automatic persisted query", func(t *testing.T) {
				query := `{ me { username } }`
				sum := sha256.Sum256([]byte(query))
				ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
				getURL := func(q url.Values) string { return admin.base + "/graphql?" + q.Encode() }

				r := admin.send(http.MethodGet, getURL(url.Values{"extensions": {ext}}), nil, "")
				if r.message() != "PersistedQueryNotFound" {
					t.Fatalf("unregistered hash: %d %+v, want PersistedQueryNotFound", r.Status, r.Errors)
				}
				body, _ := json.Marshal(map[string]any{"query": query, "extensions": json.RawMessage(ext)})
				if r := admin.send(http.MethodPost, admin.base+"/graphql", body, "application/json"); len(r.Errors) > 0 {
					t.Fatalf("register: %+v", r.Errors)
				}
				r = admin.send(http.MethodGet, getURL(url.Values{"extensions": {ext}}), nil, "")
				if r.Status != http.StatusOK || len(r.Errors) > 0 || !strings.Contains(string(r.Data), `"towna.admin"`) {
					t.Fatalf("persisted query by hash: %d %s %+v", r.Status, r.Data, r.Errors)
				}
				bad := `{"persistedQuery":{"version":1,"sha256Hash":"` + strings.Repeat("0", 64) + `"}}`
				body, _ = json.Marshal(map[string]any{"query": query, "extensions": json.RawMessage(bad)})
				if r := admin.send(http.MethodPost, admin.base+"/graphql", body, "application/json"); len(r.Errors) == 0 {
					t.Error("a query registered under a hash that does not match it was accepted")
				}
				stillUp(t)
			})
		})
	}
}

// TestE2ERowLevelSecurity opens transactions as town A directly on the
// database: PostgreSQL's row-level security must hide town B even from SQL
// that forgets the tenant condition. PostgreSQL only: SQLite has no RLS and
// relies on the stores' tenant conditions, which the tests above cover.
func TestE2ERowLevelSecurity(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			if b.name != "services" || dbtest.PostgresURL(t) == "" {
				t.Skip("row-level security is PostgreSQL only")
			}
			m := startDemo(t, b)
			d := m.Deps().DB
			if d.Dialect != db.Postgres {
				t.Fatalf("services backend runs on %s", d.Dialect)
			}
			anon := newClient(t, m)
			townA := anon.as("towna.admin")
			var me struct {
				Me struct {
					ID   string `json:"id"`
					Town struct {
						ID       string `json:"id"`
						District struct {
							ID string `json:"id"`
						} `json:"district"`
					} `json:"town"`
				} `json:"me"`
			}
			townA.must(`{ me { id town { id district { id } } } }`, nil, &me)
			_, _, townB := anon.as("townb.admin").me()
			aID, bID := dbID(t, me.Me.Town.ID), dbID(t, townB)
			var aOrgs struct {
				Organizations struct{ TotalCount int } `json:"organizations"`
			}
			townA.must(`{ organizations(filter: {includeDissolved: true}) { totalCount } }`, nil, &aOrgs)

			asTownA := actor.With(context.Background(), actor.Actor{
				UserID: dbID(t, me.Me.ID), Username: "towna.admin", TenantID: aID, DistrictID: dbID(t, me.Me.Town.District.ID),
			})
			count := func(ctx context.Context, query string, args ...any) int {
				t.Helper()
				var n int
				err := d.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
					return tx.NewRaw(query, args...).Scan(ctx, &n)
				})
				if err != nil {
					t.Fatalf("%s: %v", query, err)
				}
				return n
			}
			for _, table := range []string{"organizations", "persons", "users", "role_assignments", "audit_log"} {
				if n := count(asTownA, "SELECT count(*) FROM "+table+" WHERE tenant_id = ?", bID); n != 0 {
					t.Errorf("town A's transaction sees %d rows of town B in %s", n, table)
				}
				if n := count(actor.System(context.Background()), "SELECT count(*) FROM "+table+" WHERE tenant_id = ?", bID); n == 0 {
					t.Errorf("town B has no rows in %s: the check above proves nothing", table)
				}
			}
			if n := count(asTownA, "SELECT count(*) FROM organizations"); n != aOrgs.Organizations.TotalCount {
				t.Errorf("town A's transaction counts %d organizations, town A has %d", n, aOrgs.Organizations.TotalCount)
			}
			if n := count(context.Background(), "SELECT count(*) FROM organizations"); n != 0 {
				t.Errorf("a transaction without an actor sees %d organizations, want none", n)
			}

			err := d.RunInTx(asTownA, func(ctx context.Context, tx bun.Tx) error {
				res, err := tx.NewRaw("UPDATE organizations SET name = '已被篡改' WHERE tenant_id = ? RETURNING id", bID).Exec(ctx)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n != 0 {
					t.Errorf("town A's transaction renamed %d organizations of town B", n)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			err = d.RunInTx(asTownA, func(ctx context.Context, tx bun.Tx) error {
				_, err := tx.NewRaw("UPDATE persons SET tenant_id = ? WHERE tenant_id = ?", bID, aID).Exec(ctx)
				return err
			})
			if err == nil {
				t.Error("town A's transaction moved its people into town B")
			}
		})
	}
}

// TestE2EDataloaders checks that a page of organisations with their parent
// and town costs the same number of SQL queries for 5 rows as for 15.
func TestE2EDataloaders(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			m := startDemo(t, b)
			admin := newClient(t, m).as("towna.admin")
			waitQueueIdle(t, m)
			counter := &queryCounter{}
			m.Deps().DB.AddQueryHook(counter) //nolint:staticcheck // the DB is shared; a clone would not see the server's queries

			queries := func(n int) (int64, int) {
				var out struct {
					Organizations struct {
						Edges []struct{ Node orgRow } `json:"edges"`
					} `json:"organizations"`
				}
				best := int64(-1)
				// The best of three: a loader batch split by a slow goroutine
				// is noise, a query per row is not.
				for range 3 {
					before := counter.n.Load()
					admin.must(`query($n: Int!) { organizations(first: $n) { edges { node { name parent { name } town { name } } } } }`,
						map[string]any{"n": n}, &out)
					if used := counter.n.Load() - before; best < 0 || used < best {
						best = used
					}
				}
				for _, e := range out.Organizations.Edges {
					if e.Node.Town.Name != "红旗镇" || (e.Node.Parent == nil && e.Node.Name != "红旗镇党委") {
						t.Fatalf("row %+v", e.Node)
					}
				}
				return best, len(out.Organizations.Edges)
			}
			five, rows5 := queries(5)
			fifteen, rows15 := queries(15)
			if rows5 != 5 || rows15 != 15 {
				t.Fatalf("pages of %d and %d rows, want 5 and 15", rows5, rows15)
			}
			if five != fifteen {
				t.Errorf("5 organisations cost %d SQL queries, 15 cost %d: a query per row somewhere", five, fifteen)
			}
			t.Logf("a page with parent and town costs %d SQL queries", fifteen)

			// The town's task list: organisation, template and colour per row.
			taskQueries := func(n int) (int64, int) {
				var out struct {
					TaskInstances struct {
						Edges []struct {
							Node struct {
								Org      struct{ Name string }
								Template *struct{ Name string }
							}
						} `json:"edges"`
					} `json:"taskInstances"`
				}
				best := int64(-1)
				for range 3 {
					before := counter.n.Load()
					admin.must(`query($n: Int!) { taskInstances(first: $n, filter: {includeDescendants: true}) {
						edges { node { title status color org { name parent { name } } template { name cadence } } } } }`,
						map[string]any{"n": n}, &out)
					if used := counter.n.Load() - before; best < 0 || used < best {
						best = used
					}
				}
				return best, len(out.TaskInstances.Edges)
			}
			t5, n5 := taskQueries(5)
			t50, n50 := taskQueries(50)
			if n5 != 5 || n50 != 50 {
				t.Fatalf("task pages of %d and %d rows, want 5 and 50", n5, n50)
			}
			if t5 != t50 {
				t.Errorf("5 tasks cost %d SQL queries, 50 cost %d: a query per row somewhere", t5, t50)
			}
			t.Logf("a page of tasks with org, parent and template costs %d SQL queries", t50)
		})
	}
}

// waitQueueIdle waits until the background jobs enqueued so far (the task
// generation of every demo organisation) are done, so that they do not add
// to the query counts. Delayed jobs (the coalesced score recompute, 30 s
// out) are not waited for.
func waitQueueIdle(t *testing.T, m *Main) {
	t.Helper()
	q := m.Deps().Queue
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		info, err := q.Inspector.GetQueueInfo(q.Queue)
		if err == nil && info.Pending == 0 && info.Active == 0 && info.Retry == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("background jobs still running after 30 s")
}
