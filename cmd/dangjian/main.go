// Command dangjian is the whole platform in one binary: the API server (with
// the job worker and scheduler in-process by default), separate worker and
// scheduler processes for scale-out, migrations, demo seeding and admin
// commands. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
	_ "time/tzdata" // town time zones work on hosts and images without zoneinfo

	"dangjian/internal/app"
	"dangjian/internal/demo"
)

const usage = `usage: dangjian <command> [flags]

commands:
  serve [--demo] [--no-worker] [--no-scheduler]   run the API (and worker and scheduler)
  worker                                          run a job worker only (needs REDIS_URL)
  scheduler                                       run the job scheduler only (needs REDIS_URL)
  migrate up|down|status                          change or show the database schema
  seed --demo                                     load the demo district
  seed --scale [--towns N --orgs-per-town N --members-per-town N --year Y --seed S]
                                                  generate a district at scale
  admin create-user --username U --password P [--role ROLE --org-id N | --role ROLE --district-id N | --platform-admin]
  version                                         print the version

Configuration comes from the environment (DJ_ADDR, DATABASE_URL, REDIS_URL, …),
overridden by flags; run "dangjian <command> -h" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "dangjian:", err)
		os.Exit(1)
	}
}

// run executes one command; it returns when the command is done or, for the
// long-running ones, when ctx is cancelled and the process has shut down.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, args := args[0], args[1:]
	if cmd == "version" {
		fmt.Fprintln(stdout, "dangjian", version())
		return nil
	}
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}

	cfg, err := app.ConfigFromEnv(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	m := newMain(cfg)
	fs := flag.NewFlagSet("dangjian "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)

	switch cmd {
	case "serve":
		m.Config.RegisterServeFlags(fs)
		if err := fs.Parse(args); err != nil {
			return err
		}
		return runUntilDone(ctx, m, m.Run)
	case "worker":
		m.Config.RegisterFlags(fs)
		if err := fs.Parse(args); err != nil {
			return err
		}
		return runUntilDone(ctx, m, m.RunWorker)
	case "scheduler":
		m.Config.RegisterFlags(fs)
		if err := fs.Parse(args); err != nil {
			return err
		}
		return runUntilDone(ctx, m, m.RunScheduler)
	case "migrate":
		m.Config.RegisterFlags(fs)
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return errors.New("usage: dangjian migrate up|down|status")
		}
		defer m.Close()
		return m.Migrate(ctx, fs.Arg(0), stdout)
	case "seed":
		m.Config.RegisterFlags(fs)
		demoData := fs.Bool("demo", false, "load the demo district")
		scale := fs.Bool("scale", false, "generate a district at scale (for benchmarks and demos)")
		var opt demo.ScaleOptions
		fs.IntVar(&opt.Towns, "towns", 30, "--scale: towns")
		fs.IntVar(&opt.OrgsPerTown, "orgs-per-town", 100, "--scale: organisations per town")
		fs.IntVar(&opt.MembersPerTown, "members-per-town", 2000, "--scale: people per town")
		fs.IntVar(&opt.Year, "year", 0, "--scale: the year of records (default: last year)")
		fs.Int64Var(&opt.Seed, "seed", 1, "--scale: random seed (same seed, same data)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *demoData == *scale {
			return errors.New("usage: dangjian seed --demo | --scale [--towns N --orgs-per-town N --members-per-town N --year Y --seed S]")
		}
		defer m.Close()
		if *scale {
			opt.Progress = func(msg string) { fmt.Fprintln(stdout, msg) }
			res, err := m.SeedScale(ctx, opt)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "district %d: %d towns, %d organisations, %d people, %d tasks, %d records in %s\n",
				res.DistrictID, len(res.TownIDs), res.Orgs, res.Persons, res.Instances, res.Records, res.Elapsed.Round(time.Millisecond))
			return nil
		}
		if err := m.Seed(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "demo data loaded")
		return nil
	case "admin":
		return runAdmin(ctx, m, fs, args, stdout)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// newMain returns the process with its configuration and the hooks the lead
// wires in (GraphQL handler, seeder, user creation).
func newMain(cfg app.Config) *app.Main {
	m := app.NewMain()
	m.Config = cfg
	return m
}

func runAdmin(ctx context.Context, m *app.Main, fs *flag.FlagSet, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create-user" {
		return errors.New("usage: dangjian admin create-user --username U --password P [--role ROLE --org-id N | --platform-admin]")
	}
	m.Config.RegisterFlags(fs)
	var in app.CreateUserInput
	fs.StringVar(&in.Username, "username", "", "login name")
	fs.StringVar(&in.Password, "password", "", "initial password")
	fs.StringVar(&in.Role, "role", "", "role assigned on --org-id")
	fs.Int64Var(&in.OrgID, "org-id", 0, "org node a town role applies to (and below)")
	fs.Int64Var(&in.DistrictID, "district-id", 0, "district a district role applies to")
	fs.BoolVar(&in.PlatformAdmin, "platform-admin", false, "make a platform administrator")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	defer m.Close()
	if err := m.CreateUser(ctx, in); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s created\n", in.Username)
	return nil
}

// runUntilDone starts a long-running process, waits for a signal (ctx) or a
// serving failure, then shuts down gracefully.
func runUntilDone(ctx context.Context, m *app.Main, start func(context.Context) error) error {
	if err := start(ctx); err != nil {
		m.Close()
		return err
	}
	var failed error
	select {
	case <-ctx.Done():
	case err, ok := <-m.Failed():
		if ok {
			failed = err
		}
	}
	return errors.Join(failed, m.Close())
}

// version is the module version or VCS revision the binary was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
