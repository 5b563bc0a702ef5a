package graph

import (
	"context"
	"net/http"
	"time"

	"github.com/vikstrous/dataloadgen"

	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/auth"
	"dangjian/internal/org"
	"dangjian/internal/people"
	"dangjian/internal/tenancy"
)

// loaders batch the lookups of one request, so that a page of 50 rows costs
// one query per related type rather than one per row.
type loaders struct {
	org *dataloadgen.Loader[int64, *org.Organization]
	// orgRef names organisations that something the caller may read refers
	// to (a deployment's issuer), even above the caller's own subtree.
	orgRef   *dataloadgen.Loader[int64, *org.Organization]
	person   *dataloadgen.Loader[int64, *people.Person]
	user     *dataloadgen.Loader[int64, *auth.User]
	roles    *dataloadgen.Loader[int64, []*auth.Assignment]
	town     *dataloadgen.Loader[int64, *tenancy.Town]
	district *dataloadgen.Loader[int64, *tenancy.District]

	instance   *dataloadgen.Loader[int64, *affairs.Instance]
	record     *dataloadgen.Loader[int64, *affairs.Record]
	template   *dataloadgen.Loader[int64, *affairs.Template]
	deployment *dataloadgen.Loader[int64, *affairs.WorkDeployment]
}

type loadersKey struct{}

const loaderWait = 2 * time.Millisecond

// byKeys turns a "get many, keyed by id" service call into a dataloader fetch;
// ids that are missing (not found or not visible) load as nil.
func byKeys[V any](get func(ctx context.Context, ids []int64) (map[int64]V, error)) func(ctx context.Context, ids []int64) ([]V, []error) {
	return func(ctx context.Context, ids []int64) ([]V, []error) {
		m, err := get(ctx, ids)
		out := make([]V, len(ids))
		if err != nil {
			errs := make([]error, len(ids))
			for i := range errs {
				errs[i] = err
			}
			return out, errs
		}
		for i, id := range ids {
			out[i] = m[id]
		}
		return out, nil
	}
}

func (r *Resolver) newLoaders() *loaders {
	opt := dataloadgen.WithWait(loaderWait)
	return &loaders{
		org:    dataloadgen.NewLoader(byKeys(r.Orgs.GetMany), opt),
		orgRef: dataloadgen.NewLoader(byKeys(r.Orgs.GetRefs), opt),
		person: dataloadgen.NewLoader(byKeys(r.People.GetMany), opt),
		user:   dataloadgen.NewLoader(byKeys(r.Auth.GetUsers), opt),
		roles:  dataloadgen.NewLoader(byKeys(r.Auth.RolesOf), opt),
		town:   dataloadgen.NewLoader(byKeys(r.Tenancy.GetTowns), opt),
		district: dataloadgen.NewLoader(byKeys(func(ctx context.Context, ids []int64) (map[int64]*tenancy.District, error) {
			all, err := r.Tenancy.ListDistricts(ctx)
			m := make(map[int64]*tenancy.District, len(all))
			for _, d := range all {
				m[d.ID] = d
			}
			return m, err
		}), opt),
		instance: dataloadgen.NewLoader(byKeys(r.Affairs.GetInstances), opt),
		record:   dataloadgen.NewLoader(byKeys(r.Affairs.GetRecords), opt),
		template: dataloadgen.NewLoader(byKeys(func(ctx context.Context, ids []int64) (map[int64]*affairs.Template, error) {
			// A town sees a few dozen templates: one query for all of them.
			all, err := r.Affairs.Templates(ctx)
			m := make(map[int64]*affairs.Template, len(all))
			for _, t := range all {
				m[t.ID] = t
			}
			return m, err
		}), opt),
		deployment: dataloadgen.NewLoader(byKeys(func(ctx context.Context, ids []int64) (map[int64]*affairs.WorkDeployment, error) {
			m := make(map[int64]*affairs.WorkDeployment, len(ids))
			for _, id := range ids {
				d, err := r.Affairs.GetDeployment(ctx, id)
				if apperr.CodeOf(err) == apperr.NotFound {
					continue
				}
				if err != nil {
					return m, err
				}
				m[id] = d
			}
			return m, nil
		}), opt),
	}
}

// withLoaders gives each request its own loaders (and so its own cache).
func (r *Resolver) withLoaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ctx := context.WithValue(req.Context(), loadersKey{}, r.newLoaders())
		next.ServeHTTP(w, req.WithContext(ctx))
	})
}

func loadersFor(ctx context.Context) *loaders {
	return ctx.Value(loadersKey{}).(*loaders)
}
