// Package export builds the Excel ledgers (台账) — task completion, activity
// records, members — and the district comparison table as .xlsx files, in a
// background job for large ones, and hands them out through signed links
// that expire after LinkTTL.
//
// The files.Store accepts only photos and PDFs (it sniffs content), so the
// workbooks are kept in a folder of their own (WithDir, by default
// <temp>/dangjian-exports); with several replicas that folder must be shared
// between the worker and the web servers.
package export

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/affairs"
	"dangjian/internal/apperr"
	"dangjian/internal/authz"
	"dangjian/internal/clock"
	"dangjian/internal/db"
	"dangjian/internal/files"
	"dangjian/internal/queue"
)

// Kind is what a workbook holds.
type Kind string

// Export kinds.
const (
	Tasks      Kind = "TASKS"      // 任务完成台账
	Records    Kind = "RECORDS"    // 活动记录台账
	Members    Kind = "MEMBERS"    // 党员台账
	Comparison Kind = "COMPARISON" // 乡镇对比
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case Tasks, Records, Members, Comparison:
		return true
	}
	return false
}

// Label is the Chinese name of the kind, used as its sheet name.
func (k Kind) Label() string {
	return map[Kind]string{Tasks: "任务完成台账", Records: "活动记录台账", Members: "党员台账", Comparison: "乡镇对比"}[k]
}

// Status is where an export stands.
type Status string

// Export statuses.
const (
	Queued  Status = "QUEUED"
	Running Status = "RUNNING"
	Done    Status = "DONE"
	Failed  Status = "FAILED"
)

// LinkTTL is how long a download link stays valid.
const LinkTTL = 15 * time.Minute

// Export is one requested workbook. TenantID, DistrictID and OrgID are the
// requester's scope, stored so that the background build produces only what
// the requester may see.
type Export struct {
	bun.BaseModel `bun:"table:exports,alias:e"`

	ID          int64      `bun:"id,pk,autoincrement" json:"id"`
	TenantID    *int64     `bun:"tenant_id" json:"tenantId,omitempty"`
	DistrictID  int64      `bun:"district_id" json:"districtId"`
	Kind        Kind       `bun:"kind" json:"kind"`
	OrgID       *int64     `bun:"org_id" json:"orgId,omitempty"`
	Period      string     `bun:"period" json:"period"`
	Status      Status     `bun:"status" json:"status"`
	FileKey     string     `bun:"file_key" json:"-"`
	Filename    string     `bun:"filename" json:"filename"`
	Error       string     `bun:"error" json:"error,omitempty"`
	RequestedBy *int64     `bun:"requested_by" json:"requestedBy,omitempty"`
	CreatedAt   time.Time  `bun:"created_at" json:"createdAt"`
	FinishedAt  *time.Time `bun:"finished_at" json:"finishedAt,omitempty"`

	// URL is the signed download link, set by Service.Export when Done.
	URL string `bun:"-" json:"url,omitempty"`
}

// Service requests, builds and hands out exports.
type Service struct {
	db     *db.DB
	authz  *authz.Authorizer
	files  *files.Store
	queue  *queue.Runtime
	secret []byte
	clock  clock.Clock
	dir    string
}

// Option configures a Service.
type Option func(*Service)

// WithDir keeps the workbooks in dir (e.g. <data>/exports).
func WithDir(dir string) Option { return func(s *Service) { s.dir = dir } }

// NewService returns a Service. q may be nil: exports are then built at once,
// in the request. secret signs download links and must not be empty. fs is
// kept for when the file store takes workbooks; today they go to WithDir's folder.
func NewService(d *db.DB, az *authz.Authorizer, fs *files.Store, q *queue.Runtime, secret []byte, clk clock.Clock, opts ...Option) *Service {
	if clk == nil {
		clk = clock.Real{}
	}
	s := &Service{db: d, authz: az, files: fs, queue: q, secret: secret, clock: clk,
		dir: filepath.Join(os.TempDir(), "dangjian-exports")}
	for _, o := range opts {
		o(s)
	}
	return s
}

// TypeBuild is the task that builds one export (payload: its id in decimal).
const TypeBuild = "export:build"

// NewBuildTask returns the TypeBuild task of export id.
func NewBuildTask(id int64) *asynq.Task {
	return asynq.NewTask(TypeBuild, []byte(strconv.FormatInt(id, 10)), asynq.MaxRetry(2), asynq.Timeout(30*time.Minute))
}

// BuildTaskID is the deterministic task id of export id: export:build:<id>.
func BuildTaskID(id int64) string { return queue.TaskID(TypeBuild, strconv.FormatInt(id, 10)) }

// Handlers returns the task handlers for the worker, by task type.
func (s *Service) Handlers() map[string]asynq.Handler {
	return map[string]asynq.Handler{
		TypeBuild: asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			id, err := strconv.ParseInt(string(t.Payload()), 10, 64)
			if err != nil {
				return fmt.Errorf("bad %s payload %q: %w", TypeBuild, t.Payload(), asynq.SkipRetry)
			}
			return s.Build(ctx, id)
		}),
	}
}

// Schedules returns the module's periodic tasks: none, exports run on request.
func Schedules() []*asynq.PeriodicTaskConfig { return nil }

// ExportInput asks for a workbook. OrgID is the subtree of a ledger (a town
// user's town root when nil); Period is a period key ("2026-11", "2026-Q4",
// "2026"), the current quarter when empty; members ignore it.
type ExportInput struct {
	Kind   Kind
	OrgID  *int64
	Period string
}

// Export returns an export the caller requested, with a download link
// valid for LinkTTL once it is Done; NOT_FOUND for anyone else's.
func (s *Service) Export(ctx context.Context, id int64) (*Export, error) {
	a, err := actor.Require(ctx)
	if err != nil && !actor.IsSystem(ctx) {
		return nil, err
	}
	e, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if !actor.IsSystem(ctx) && !a.PlatformAdmin && (e.RequestedBy == nil || *e.RequestedBy != a.UserID) {
		return nil, apperr.ErrNotFound
	}
	if e.Status == Done {
		e.URL = s.SignedURL(e.ID, s.clock.Now().Add(LinkTTL))
	}
	return e, nil
}

func (s *Service) load(ctx context.Context, id int64) (*Export, error) {
	e := new(Export)
	err := s.db.Read(actor.System(ctx), func(ctx context.Context, idb bun.IDB) error {
		return idb.NewSelect().Model(e).Where("e.id = ?", id).Scan(ctx)
	})
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read export %d: %w", id, err)
	}
	return e, nil
}

// SignedURL returns the download link of export id valid until exp:
// /files/exports/<id>?exp=<unix>&sig=<hex hmac-sha256(secret, "<id>|<exp>")>.
func (s *Service) SignedURL(id int64, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return fmt.Sprintf("/files/exports/%d?exp=%s&sig=%s", id, e, s.sign(strconv.FormatInt(id, 10), e))
}

func (s *Service) sign(id, exp string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(id + "|" + exp))
	return hex.EncodeToString(m.Sum(nil))
}

var (
	errBadLink     = apperr.New(apperr.Forbidden, "下载链接无效，请重新获取")
	errExpiredLink = apperr.New(apperr.Forbidden, "下载链接已过期，请重新获取")
	errNotReady    = apperr.New(apperr.NotFound, "导出文件不存在或尚未生成完成")
)

// OpenSigned opens the workbook of a signed link, checking the signature (in
// constant time) and the expiry; no sign-in is needed for the link itself.
// The caller closes the reader.
func (s *Service) OpenSigned(ctx context.Context, id, exp, sig string) (filename string, r io.ReadCloser, err error) {
	if len(s.secret) == 0 {
		return "", nil, errors.New("export link secret is not configured")
	}
	want := s.sign(id, exp)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		return "", nil, errBadLink
	}
	expAt, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return "", nil, errBadLink
	}
	if !s.clock.Now().Before(time.Unix(expAt, 0)) {
		return "", nil, errExpiredLink
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return "", nil, errBadLink
	}
	e, err := s.load(ctx, n)
	if err != nil {
		return "", nil, err
	}
	if e.Status != Done || !keyPattern.MatchString(e.FileKey) {
		return "", nil, errNotReady
	}
	f, err := os.Open(filepath.Join(s.dir, e.FileKey))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, errNotReady
	}
	if err != nil {
		return "", nil, fmt.Errorf("open export %d: %w", n, err)
	}
	return e.Filename, f, nil
}

// keyPattern is the shape of file keys this package makes, so a stored key
// never points outside the exports folder.
var keyPattern = regexp.MustCompile(`^[0-9]+\.xlsx$`)

// periodOf parses key in loc, or returns the current quarter when key is empty.
func (s *Service) periodOf(key string, loc *time.Location) (affairs.Period, error) {
	if key == "" {
		return affairs.PeriodAt(affairs.Quarterly, s.clock.Now(), loc), nil
	}
	return affairs.ParsePeriod(key, loc)
}
