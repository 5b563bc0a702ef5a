package graph

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/vikstrous/dataloadgen"

	"dangjian/graph/model"
	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/org"
	"dangjian/internal/pagination"
)

// AttachmentPath is where an attachment is downloaded (GET, bearer token).
func AttachmentPath(id int64) string { return "/files/attachments/" + strconv.FormatInt(id, 10) }

// SummaryPath is where a summary report is downloaded as Markdown (GET, bearer token).
func SummaryPath(id int64) string { return "/files/summaries/" + strconv.FormatInt(id, 10) }

func (r *Resolver) now() time.Time {
	if r.Clock != nil {
		return r.Clock.Now()
	}
	return time.Now()
}

func cursorOf(id int64) string { return pagination.EncodeCursor(pagination.Cursor{ID: id}) }

func instanceConnection(p pagination.Page[*affairs.Instance], cursor func(*affairs.Instance) string) *model.TaskInstanceConnection {
	edges := make([]*model.TaskInstanceEdge, 0, len(p.Items))
	var end *string
	for _, i := range p.Items {
		c := cursor(i)
		end = &c
		edges = append(edges, &model.TaskInstanceEdge{Cursor: c, Node: i})
	}
	return &model.TaskInstanceConnection{Edges: edges, PageInfo: &model.PageInfo{HasNextPage: p.HasNextPage, EndCursor: end}, TotalCount: p.TotalCount}
}

func orgKindsIn(in []model.OrgKind) []org.Kind {
	if in == nil {
		return nil
	}
	out := make([]org.Kind, len(in))
	for i, k := range in {
		out[i] = org.Kind(k)
	}
	return out
}

func orgKindsOut(in []org.Kind) []model.OrgKind {
	out := make([]model.OrgKind, len(in))
	for i, k := range in {
		out[i] = model.OrgKind(k)
	}
	return out
}

func evidenceIn(in []model.Evidence) []affairs.Evidence {
	if in == nil {
		return nil
	}
	out := make([]affairs.Evidence, len(in))
	for i, e := range in {
		out[i] = affairs.Evidence(e)
	}
	return out
}

func idsOf(typ string, gids []string) ([]int64, error) {
	out := make([]int64, 0, len(gids))
	for _, g := range gids {
		id, err := fromGlobalID(typ, g)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

func joinPeriods(ps []string) string { return strings.Join(ps, ",") }

// mustLoad turns a missing related object into NOT_FOUND.
func mustLoad[T any](v *T, err error) (*T, error) {
	if err == nil && v == nil {
		return nil, apperr.ErrNotFound
	}
	return v, err
}

// loadAll loads ids in order, leaving out the ones that are not visible.
func loadAll[T any](ctx context.Context, l *dataloadgen.Loader[int64, *T], ids []int64) ([]*T, error) {
	vals, err := l.LoadAll(ctx, ids)
	out := make([]*T, 0, len(vals))
	for _, v := range vals {
		if v != nil {
			out = append(out, v)
		}
	}
	return out, err
}
