package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/authz"
	"dangjian/internal/db"
	"dangjian/internal/db/dbtest"
)

func TestLoginUpgradesOldHashes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc := NewService(d, authz.New(d), Config{Secret: []byte(strings.Repeat("s", MinSecretLen))})
		u, err := svc.CreateUserSystem(ctx, CreateUserInput{Username: "root", Password: "Passw0rd", PlatformAdmin: true})
		if err != nil {
			t.Fatal(err)
		}
		cheap, err := hashPasswordWith("Passw0rd", argonParams{memory: 64, time: 1, threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		stored := func() string {
			var h string
			err := d.RunInTx(actor.System(ctx), func(ctx context.Context, tx bun.Tx) error {
				return tx.NewSelect().Table("users").Column("password_hash").Where("id = ?", u.ID).Scan(ctx, &h)
			})
			if err != nil {
				t.Fatal(err)
			}
			return h
		}
		err = d.RunInTx(actor.System(ctx), func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewUpdate().Table("users").Set("password_hash = ?", cheap).Where("id = ?", u.ID).Exec(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Login(ctx, "root", "Passw0rd", ""); err != nil {
			t.Fatalf("login with an old-parameter hash: %v", err)
		}
		if h := stored(); h == cheap || needsRehash(h) {
			t.Fatalf("hash not upgraded: %s", h)
		}
		if _, err := svc.Login(ctx, "root", "Passw0rd", ""); err != nil {
			t.Fatalf("login after upgrade: %v", err)
		}
	})
}
