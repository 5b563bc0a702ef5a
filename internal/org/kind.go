package org

import (
	"fmt"

	"dangjian/internal/apperr"
)

// Kind is the type of a party organisation (党组织类型).
type Kind string

// Kinds of party organisation.
const (
	TownCommittee      Kind = "TOWN_COMMITTEE"      // 镇党委
	CommunityCommittee Kind = "COMMUNITY_COMMITTEE" // 社区党委
	GeneralBranch      Kind = "GENERAL_BRANCH"      // 党总支
	Branch             Kind = "BRANCH"              // 党支部
	PartyGroup         Kind = "PARTY_GROUP"         // 党小组
	UnitOrg            Kind = "UNIT_ORG"            // 驻区单位党组织
	FunctionalBranch   Kind = "FUNCTIONAL_BRANCH"   // 功能型党支部
	JointBranch        Kind = "JOINT_BRANCH"        // 联合党支部
)

// AllKinds lists every kind, from the top of the tree down.
func AllKinds() []Kind {
	return []Kind{TownCommittee, CommunityCommittee, GeneralBranch, Branch, PartyGroup, UnitOrg, FunctionalBranch, JointBranch}
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case TownCommittee, CommunityCommittee, GeneralBranch, Branch, PartyGroup, UnitOrg, FunctionalBranch, JointBranch:
		return true
	}
	return false
}

// Label returns the Chinese name of k.
func (k Kind) Label() string {
	switch k {
	case TownCommittee:
		return "镇党委"
	case CommunityCommittee:
		return "社区党委"
	case GeneralBranch:
		return "党总支"
	case Branch:
		return "党支部"
	case PartyGroup:
		return "党小组"
	case UnitOrg:
		return "驻区单位党组织"
	case FunctionalBranch:
		return "功能型党支部"
	case JointBranch:
		return "联合党支部"
	}
	return string(k)
}

// ChildKinds returns the kinds that may be set up directly under k.
func (k Kind) ChildKinds() []Kind {
	switch k {
	case TownCommittee:
		return []Kind{CommunityCommittee, GeneralBranch, Branch, UnitOrg, FunctionalBranch, JointBranch}
	case CommunityCommittee:
		return []Kind{GeneralBranch, Branch, UnitOrg, FunctionalBranch, JointBranch}
	case GeneralBranch:
		return []Kind{Branch, FunctionalBranch, JointBranch}
	case UnitOrg:
		return []Kind{Branch, PartyGroup}
	case Branch, FunctionalBranch, JointBranch:
		return []Kind{PartyGroup}
	}
	return nil
}

// CanContain reports whether an organisation of kind child may sit directly
// under one of kind k.
func (k Kind) CanContain(child Kind) bool {
	for _, c := range k.ChildKinds() {
		if c == child {
			return true
		}
	}
	return false
}

// CheckChildKind returns INVALID_INPUT (field "kind") unless child may sit
// directly under parent.
func CheckChildKind(parent, child Kind) error {
	if !child.Valid() {
		return apperr.Invalid("kind", "组织类型无效")
	}
	if !parent.CanContain(child) {
		return apperr.Invalid("kind", fmt.Sprintf("%s下不能设立%s", parent.Label(), child.Label()))
	}
	return nil
}
