package graph

import (
	"context"

	"dangjian/graph/model"
	"dangjian/internal/org"
	"dangjian/internal/people"
)

func (r *Resolver) listOrganizations(ctx context.Context, f org.Filter, first *int, after *string) (*model.OrganizationConnection, error) {
	p, err := r.Orgs.List(ctx, f, page(first, after))
	if err != nil {
		return nil, err
	}
	edges, info := connection(p, func(o *org.Organization) int64 { return o.ID },
		func(c string, o *org.Organization) *model.OrganizationEdge {
			return &model.OrganizationEdge{Cursor: c, Node: o}
		})
	return &model.OrganizationConnection{Edges: edges, PageInfo: info, TotalCount: p.TotalCount}, nil
}

func (r *Resolver) listPeople(ctx context.Context, f people.Filter, first *int, after *string) (*model.PersonConnection, error) {
	p, err := r.People.List(ctx, f, page(first, after))
	if err != nil {
		return nil, err
	}
	edges, info := connection(p, func(o *people.Person) int64 { return o.ID },
		func(c string, o *people.Person) *model.PersonEdge { return &model.PersonEdge{Cursor: c, Node: o} })
	return &model.PersonConnection{Edges: edges, PageInfo: info, TotalCount: p.TotalCount}, nil
}

func personFilter(in *model.PersonFilter) (people.Filter, error) {
	var f people.Filter
	if in == nil {
		return f, nil
	}
	var err error
	if f.OrgID, err = optionalID(typeOrganization, in.OrgID); err != nil {
		return f, err
	}
	f.IncludeDescendants = deref(in.IncludeDescendants)
	f.IsMember = in.IsMember
	if in.MemberStatus != nil {
		s := people.MemberStatus(*in.MemberStatus)
		f.MemberStatus = &s
	}
	f.NameContains = deref(in.NameContains)
	f.Duty = deref(in.Duty)
	f.IncludeRemoved = deref(in.IncludeRemoved)
	return f, nil
}
