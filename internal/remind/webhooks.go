package remind

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
)

// Permissions checked here, those of regular affairs: task.write (town
// office on the town root, secretaries and staff on their org) manages
// webhooks; task.read shows an instance's reminder state.
const (
	actionTaskWrite = authz.Action("task.write")
	actionTaskRead  = authz.Action("task.read")
)

func target(tenantID int64, path string) authz.Target {
	return authz.Target{TenantID: tenantID, OrgPath: path}
}

func isNoRows(err error) bool { return db.IsNoRows(err) }

// WebhookInput creates or changes a webhook endpoint. On update an empty
// Secret keeps the stored one; Enabled nil keeps (or, on create, sets) it on.
type WebhookInput struct {
	// OrgID limits the endpoint to the reminders of that org's subtree; nil
	// means the whole town.
	OrgID   *int64
	Name    string
	URL     string
	Format  Format
	Secret  string
	Enabled *bool
}

// validate cleans the input.
func (in *WebhookInput) validate() error {
	in.Name = strings.TrimSpace(in.Name)
	in.URL = strings.TrimSpace(in.URL)
	in.Secret = strings.TrimSpace(in.Secret)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		return apperr.Invalid("name", "名称不能为空，且不超过 100 个字")
	}
	u, err := url.Parse(in.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(in.URL) > 2000 {
		return apperr.Invalid("url", "Webhook 地址必须是 http:// 或 https:// 开头的完整网址")
	}
	if in.Format == "" {
		in.Format = FormatGeneric
	}
	if !in.Format.Valid() {
		return apperr.Invalid("format", "消息格式只能是通用 JSON、钉钉或企业微信")
	}
	if len(in.Secret) > 200 {
		return apperr.Invalid("secret", "签名密钥过长")
	}
	return nil
}

// webhookView is what the audit log records (never the secret).
type webhookView struct {
	ID        int64  `json:"id"`
	OrgID     *int64 `json:"orgId,omitempty"`
	Name      string `json:"name"`
	Host      string `json:"host"`
	Format    Format `json:"format"`
	HasSecret bool   `json:"hasSecret"`
	Enabled   bool   `json:"enabled"`
}

func viewOf(w *Webhook) webhookView {
	return webhookView{ID: w.ID, OrgID: w.OrgID, Name: w.Name, Host: hostOf(w.URL), Format: w.Format,
		HasSecret: w.HasSecret(), Enabled: w.Enabled}
}

// orgPath returns the path of org id in the town, or of the town root when
// id is nil; NOT_FOUND when it is not the town's.
func orgPath(ctx context.Context, idb bun.IDB, tenantID int64, id *int64) (string, error) {
	var path string
	q := idb.NewSelect().Table("organizations").Column("path").Where("tenant_id = ?", tenantID).
		Where("dissolved_at IS NULL")
	if id == nil {
		q = q.Where("parent_id IS NULL")
	} else {
		q = q.Where("id = ?", *id)
	}
	err := q.OrderExpr("id").Limit(1).Scan(ctx, &path)
	if isNoRows(err) {
		if id == nil {
			return "", apperr.ErrNotFound
		}
		return "", apperr.Invalid("orgId", "找不到该党组织，或您无权查看")
	}
	if err != nil {
		return "", fmt.Errorf("load org path: %w", err)
	}
	return path, nil
}

// ListWebhooks lists the town's webhook endpoints the signed-in user may manage.
func (s *Service) ListWebhooks(ctx context.Context) ([]*Webhook, error) {
	a, err := townUser(ctx)
	if err != nil {
		return nil, err
	}
	grants, err := s.authz.Grants(ctx, actionTaskWrite)
	if err != nil {
		return nil, err
	}
	var hooks []*Webhook
	var paths map[int64]string
	var rootPath string
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		if err := idb.NewSelect().Model(&hooks).Where("we.tenant_id = ?", a.TenantID).OrderExpr("we.id").Scan(ctx); err != nil {
			return fmt.Errorf("load webhooks: %w", err)
		}
		if rootPath, err = orgPath(ctx, idb, a.TenantID, nil); err != nil {
			return err
		}
		var ids []int64
		for _, h := range hooks {
			if h.OrgID != nil {
				ids = append(ids, *h.OrgID)
			}
		}
		paths = map[int64]string{}
		if len(ids) == 0 {
			return nil
		}
		var rows []struct {
			ID   int64  `bun:"id"`
			Path string `bun:"path"`
		}
		if err := idb.NewSelect().Table("organizations").Column("id", "path").
			Where("tenant_id = ?", a.TenantID).Where("id IN (?)", bun.In(ids)).Scan(ctx, &rows); err != nil {
			return fmt.Errorf("load webhook orgs: %w", err)
		}
		for _, r := range rows {
			paths[r.ID] = r.Path
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*Webhook, 0, len(hooks))
	for _, h := range hooks {
		path := rootPath
		if h.OrgID != nil {
			path = paths[*h.OrgID]
		}
		if path != "" && grants.Covers(a.TenantID, a.DistrictID, path) {
			out = append(out, h)
		}
	}
	return out, nil
}

// CreateWebhook adds an endpoint to the signed-in user's town. It needs
// task.write on the org it is limited to, or on the town root.
func (s *Service) CreateWebhook(ctx context.Context, in WebhookInput) (*Webhook, error) {
	a, err := townUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	h := &Webhook{TenantID: a.TenantID, OrgID: in.OrgID, Name: in.Name, URL: in.URL, Format: in.Format,
		Secret: in.Secret, Enabled: in.Enabled == nil || *in.Enabled, CreatedAt: s.now()}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		path, err := orgPath(ctx, tx, a.TenantID, in.OrgID)
		if err != nil {
			return err
		}
		if err := s.authz.Check(ctx, actionTaskWrite, target(a.TenantID, path)); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(h).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("insert webhook: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{TenantID: a.TenantID, Action: "remind.webhook_create",
			EntityType: "webhook_endpoint", EntityID: h.ID, After: viewOf(h)})
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// loadWebhookForWrite loads an endpoint of the actor's town and checks
// task.write on its org (or the town root); another town's is NOT_FOUND.
func (s *Service) loadWebhookForWrite(ctx context.Context, tx bun.IDB, a actor.Actor, id int64) (*Webhook, error) {
	h := new(Webhook)
	err := tx.NewSelect().Model(h).Where("we.id = ?", id).Where("we.tenant_id = ?", a.TenantID).Scan(ctx)
	if isNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load webhook: %w", err)
	}
	path, err := orgPath(ctx, tx, a.TenantID, h.OrgID)
	if err != nil {
		return nil, err
	}
	if err := s.authz.Check(ctx, actionTaskWrite, target(a.TenantID, path)); err != nil {
		return nil, err
	}
	return h, nil
}

// UpdateWebhook changes an endpoint.
func (s *Service) UpdateWebhook(ctx context.Context, id int64, in WebhookInput) (*Webhook, error) {
	a, err := townUser(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var h *Webhook
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if h, err = s.loadWebhookForWrite(ctx, tx, a, id); err != nil {
			return err
		}
		before := viewOf(h)
		if in.OrgID != nil || h.OrgID != nil {
			path, err := orgPath(ctx, tx, a.TenantID, in.OrgID)
			if err != nil {
				return err
			}
			if err := s.authz.Check(ctx, actionTaskWrite, target(a.TenantID, path)); err != nil {
				return err
			}
		}
		h.OrgID, h.Name, h.URL, h.Format = in.OrgID, in.Name, in.URL, in.Format
		if in.Secret != "" {
			h.Secret = in.Secret
		}
		if in.Enabled != nil {
			h.Enabled = *in.Enabled
		}
		if _, err := tx.NewUpdate().Model(h).Column("org_id", "name", "url", "format", "secret", "enabled").
			WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("update webhook: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{TenantID: a.TenantID, Action: "remind.webhook_update",
			EntityType: "webhook_endpoint", EntityID: h.ID, Before: before, After: viewOf(h)})
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// DeleteWebhook removes an endpoint. Its past deliveries are kept as history
// (they name it by id); its pending ones are SKIPPED when their turn comes.
func (s *Service) DeleteWebhook(ctx context.Context, id int64) error {
	a, err := townUser(ctx)
	if err != nil {
		return err
	}
	return s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		h, err := s.loadWebhookForWrite(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model(h).WherePK().Exec(ctx); err != nil {
			return fmt.Errorf("delete webhook: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{TenantID: a.TenantID, Action: "remind.webhook_delete",
			EntityType: "webhook_endpoint", EntityID: h.ID, Before: viewOf(h)})
	})
}
