package remind_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
	"dangjian/internal/pagination"
	"dangjian/internal/remind"
)

// districtNote inserts, as the system, an unread notification of a district
// user: no town, the district set.
func (w *world) districtNote(districtID int64, user context.Context, title string) int64 {
	w.t.Helper()
	a, _ := actor.FromContext(user)
	var id int64
	err := w.d.RunInTx(w.sys, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`INSERT INTO notifications (tenant_id, district_id, user_id, title, body, link, created_at)
			VALUES (NULL, ?, ?, ?, '', '/summaries/1', ?) RETURNING id`,
			districtID, a.UserID, title, w.clk.Now().UTC()).Scan(ctx, &id)
	})
	if err != nil {
		w.t.Fatalf("insert district notification: %v", err)
	}
	return id
}

// otherDistrictAdmin adds a second district with a district_admin of its own.
func (w *world) otherDistrictAdmin() context.Context {
	w.t.Helper()
	var districtID, userID int64
	err := w.d.RunInTx(w.sys, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewRaw("INSERT INTO districts (name, code) VALUES ('另一区', 'D2') RETURNING id").
			Scan(ctx, &districtID); err != nil {
			return err
		}
		if err := tx.NewRaw("INSERT INTO users (district_id, username, password_hash) VALUES (?, 'd2_admin', 'x') RETURNING id",
			districtID).Scan(ctx, &userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO role_assignments (district_id, user_id, role, scope_key) VALUES (?, ?, ?, ?)",
			districtID, userID, string(authz.DistrictAdmin), "district:"+strconv.FormatInt(districtID, 10))
		return err
	})
	if err != nil {
		w.t.Fatalf("other district: %v", err)
	}
	return actor.With(context.Background(), actor.Actor{UserID: userID, Username: "d2_admin", DistrictID: districtID})
}

// TestDistrictInbox: a district user, who belongs to no town, reads and marks
// the notifications of its district addressed to it; nobody else — another
// user of the district, another district's user, a town user — sees or marks them.
func TestDistrictInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d, sh(2026, 12, 1, 10, 0))
		s := w.service(nil, remind.Config{})
		admin := w.fx.DistrictUser(t, authz.DistrictAdmin)
		viewer := w.fx.DistrictUser(t, authz.DistrictViewer)
		other := w.otherDistrictAdmin()
		first := w.districtNote(w.fx.DistrictID, admin, "测试区 2026年11月 党建工作月度小结")
		second := w.districtNote(w.fx.DistrictID, admin, "测试区 2026年第4季度 党建工作季度小结")

		if n, err := s.UnreadCount(admin); err != nil || n != 2 {
			t.Fatalf("district admin unread = %d, %v, want 2", n, err)
		}
		page, err := s.Inbox(admin, false, pagination.Request{})
		if err != nil || page.TotalCount != 2 || len(page.Items) != 2 || page.Items[0].ID != second || page.Items[1].ID != first {
			t.Fatalf("district admin inbox = %+v, %v, want its two notifications newest first", page, err)
		}
		if page.Items[1].Link != "/summaries/1" || page.Items[1].TenantID != 0 {
			t.Errorf("district notification = %+v", page.Items[1])
		}

		for _, c := range []struct {
			who string
			ctx context.Context
		}{{"a viewer of the same district", viewer}, {"another district's admin", other}, {"a town office", w.office}} {
			p, err := s.Inbox(c.ctx, false, pagination.Request{})
			if err != nil {
				t.Errorf("%s: inbox: %v", c.who, err)
			}
			for _, n := range p.Items {
				if n.ID == first || n.ID == second {
					t.Errorf("%s sees the district admin's notification %d", c.who, n.ID)
				}
			}
			if n, err := s.UnreadCount(c.ctx); err != nil || n != 0 {
				t.Errorf("%s: unread = %d, %v, want 0", c.who, n, err)
			}
			_, err = s.MarkRead(c.ctx, []int64{first})
			wantCode(t, c.who+" marks the district admin's notification", err, apperr.NotFound)
			if n, err := s.MarkAllRead(c.ctx); err != nil || n != 0 {
				t.Errorf("%s: MarkAllRead = %d, %v, want 0", c.who, n, err)
			}
		}
		if n, _ := s.UnreadCount(admin); n != 2 {
			t.Fatalf("refused marks changed the district admin's inbox: %d unread, want 2", n)
		}

		if n, err := s.MarkRead(admin, []int64{first}); err != nil || n != 1 {
			t.Errorf("district admin MarkRead = %d, %v, want 1", n, err)
		}
		unread, err := s.Inbox(admin, true, pagination.Request{})
		if err != nil || len(unread.Items) != 1 || unread.Items[0].ID != second {
			t.Errorf("unread only = %+v, %v, want the second", unread.Items, err)
		}
		if n, err := s.MarkAllRead(admin); err != nil || n != 1 {
			t.Errorf("district admin MarkAllRead = %d, %v, want 1", n, err)
		}
		if n, _ := s.UnreadCount(admin); n != 0 {
			t.Errorf("%d unread after MarkAllRead", n)
		}

		// Channel preferences stay a town thing.
		_, err = s.Prefs(admin)
		wantCode(t, "district admin reads preferences", err, apperr.Forbidden)
		_, err = s.UpdatePrefs(admin, remind.PrefsInput{WebhookEnabled: ptr(false)})
		wantCode(t, "district admin changes preferences", err, apperr.Forbidden)
	})
}
