package report

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/pagination"
)

// SummaryFilter narrows a summary listing. TownID selects a town's
// summaries, DistrictID the district-level summaries of a district; with
// neither, every summary the caller may read.
type SummaryFilter struct {
	TownID     *int64
	DistrictID *int64
	Kind       *Kind
	Period     string
}

// visibility is what the caller may read: summaries of one town, or of one
// district and its towns, or everything.
type visibility struct {
	all      bool
	tenantID int64
	district int64
}

// visible works out what the caller reads. A town user reads the summaries of
// its own town when it may read tasks somewhere in it; a district user with
// district.read reads its district's and its towns'. Anything else reads nothing.
func (s *Service) visible(ctx context.Context) (visibility, bool, error) {
	if actor.IsSystem(ctx) {
		return visibility{all: true}, true, nil
	}
	a, err := actor.Require(ctx)
	if err != nil {
		return visibility{}, false, err
	}
	if a.PlatformAdmin {
		return visibility{all: true}, true, nil
	}
	if a.TenantID != 0 {
		g, err := s.authz.Grants(ctx, authz.TaskRead)
		if err != nil {
			return visibility{}, false, err
		}
		for _, st := range g.Subtrees {
			if st.TenantID == a.TenantID {
				return visibility{tenantID: a.TenantID}, true, nil
			}
		}
		return visibility{}, false, nil
	}
	if a.DistrictID != 0 {
		ok, err := s.authz.Can(ctx, authz.DistrictRead, authz.Target{DistrictID: a.DistrictID})
		if err != nil || !ok {
			return visibility{}, false, err
		}
		return visibility{district: a.DistrictID}, true, nil
	}
	return visibility{}, false, nil
}

func (v visibility) where(q *bun.SelectQuery) *bun.SelectQuery {
	switch {
	case v.all:
		return q
	case v.tenantID != 0:
		return q.Where("s.tenant_id = ?", v.tenantID)
	default:
		return q.Where("s.district_id = ?", v.district)
	}
}

func (v visibility) covers(sum *Summary) bool {
	switch {
	case v.all:
		return true
	case v.tenantID != 0:
		return sum.TenantID != nil && *sum.TenantID == v.tenantID
	default:
		return sum.DistrictID == v.district
	}
}

// Summaries lists the summaries the caller may read, newest first.
func (s *Service) Summaries(ctx context.Context, f SummaryFilter, p pagination.Request) (pagination.Page[*Summary], error) {
	var page pagination.Page[*Summary]
	limit, err := p.Limit()
	if err != nil {
		return page, err
	}
	cur, hasCur, err := p.Cursor()
	if err != nil {
		return page, err
	}
	if f.Kind != nil && !f.Kind.Valid() {
		return page, apperr.Invalid("kind", "小结类型无效，只能是周、月、季度或年度")
	}
	v, ok, err := s.visible(ctx)
	if err != nil || !ok {
		page.Items = []*Summary{}
		return page, err
	}
	filter := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = v.where(q)
		if f.TownID != nil {
			q = q.Where("s.tenant_id = ?", *f.TownID)
		}
		if f.DistrictID != nil {
			q = q.Where("s.tenant_id IS NULL AND s.district_id = ?", *f.DistrictID)
		}
		if f.Kind != nil {
			q = q.Where("s.kind = ?", *f.Kind)
		}
		if p := strings.TrimSpace(f.Period); p != "" {
			q = q.Where("s.period = ?", p)
		}
		return q
	}
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		n, err := filter(idb.NewSelect().Model((*Summary)(nil))).Count(ctx)
		if err != nil {
			return err
		}
		page.TotalCount = int(n)
		if limit == 0 {
			return nil
		}
		q := filter(idb.NewSelect().Model(&page.Items))
		if hasCur {
			q = q.Where("s.id < ?", cur.ID)
		}
		return q.OrderExpr("s.id DESC").Limit(int64(limit + 1)).Scan(ctx)
	})
	if err != nil {
		return page, fmt.Errorf("list summaries: %w", err)
	}
	page.Items, page.HasNextPage = pagination.Trim(page.Items, limit)
	if page.Items == nil {
		page.Items = []*Summary{}
	}
	return page, nil
}

// Summary returns one summary, or NOT_FOUND when it does not exist or the
// caller may not read it.
func (s *Service) Summary(ctx context.Context, id int64) (*Summary, error) {
	v, ok, err := s.visible(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.ErrNotFound
	}
	sum := new(Summary)
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		return v.where(idb.NewSelect().Model(sum).Where("s.id = ?", id)).Scan(ctx)
	})
	if db.IsNoRows(err) || (err == nil && !v.covers(sum)) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read summary %d: %w", id, err)
	}
	return sum, nil
}

// SummaryDocument returns a summary as a downloadable Markdown file.
func (s *Service) SummaryDocument(ctx context.Context, id int64) (filename string, content []byte, err error) {
	sum, err := s.Summary(ctx, id)
	if err != nil {
		return "", nil, err
	}
	name := strings.NewReplacer("/", "-", `\`, "-", " ", "_").Replace(sum.Title)
	return name + ".md", []byte(sum.Body), nil
}
