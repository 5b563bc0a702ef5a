package graph

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"dangjian/graph/generated"
	"dangjian/internal/actor"
	"dangjian/internal/apperr"
)

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestGlobalIDRoundTrip(t *testing.T) {
	for _, typ := range []string{typeOrganization, typePerson, typeUser, typeRoleAssignment, typeTown, typeDistrict, typeAuditEntry} {
		for _, id := range []int64{1, 42, 1<<63 - 1} {
			gid := toGlobalID(typ, id)
			if strings.ContainsAny(gid, "+/=") {
				t.Errorf("global id %q is not URL-safe", gid)
			}
			got, err := fromGlobalID(typ, gid)
			if err != nil || got != id {
				t.Errorf("fromGlobalID(%s, toGlobalID(%s, %d)) = %d, %v", typ, typ, id, got, err)
			}
		}
	}
	// Ids of different types never collide.
	if toGlobalID(typeOrganization, 7) == toGlobalID(typePerson, 7) {
		t.Error("Organization 7 and Person 7 have the same global id")
	}
}

func TestGlobalIDRefused(t *testing.T) {
	tests := []struct {
		name, gid string
		wantMsg   string
	}{
		{"another type's id", toGlobalID(typePerson, 7), "ID 所指的对象类型不正确"},
		{"type names are case-sensitive", b64("organization:7"), "ID 所指的对象类型不正确"},
		{"empty", "", "ID 格式无效"},
		{"not base64", "Organization:7", "ID 格式无效"},
		{"padded standard base64", base64.StdEncoding.EncodeToString([]byte("Organization:7")), "ID 格式无效"},
		{"no separator", b64("Organization7"), "ID 格式无效"},
		{"no number", b64("Organization:"), "ID 格式无效"},
		{"not a number", b64("Organization:abc"), "ID 格式无效"},
		{"zero", b64("Organization:0"), "ID 格式无效"},
		{"negative", b64("Organization:-3"), "ID 格式无效"},
		{"overflow", b64("Organization:9223372036854775808"), "ID 格式无效"},
		{"raw database id", "7", "ID 格式无效"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := fromGlobalID(typeOrganization, tt.gid)
			ae, ok := apperr.As(err)
			if !ok || ae.Code != apperr.InvalidInput {
				t.Fatalf("fromGlobalID(%q) = %d, %v; want INVALID_INPUT", tt.gid, id, err)
			}
			if ae.Message != tt.wantMsg || ae.Field != "id" {
				t.Errorf("error = field %q message %q, want field id message %q", ae.Field, ae.Message, tt.wantMsg)
			}
		})
	}
}

func TestOptionalID(t *testing.T) {
	empty := ""
	for name, gid := range map[string]*string{"nil": nil, "empty": &empty} {
		if id, err := optionalID(typeTown, gid); id != nil || err != nil {
			t.Errorf("%s: optionalID = %v, %v; want nil, nil", name, id, err)
		}
	}
	gid := toGlobalID(typeTown, 3)
	if id, err := optionalID(typeTown, &gid); err != nil || id == nil || *id != 3 {
		t.Errorf("optionalID(town 3) = %v, %v", id, err)
	}
	if _, err := optionalID(typeDistrict, &gid); apperr.CodeOf(err) != apperr.InvalidInput {
		t.Errorf("optionalID of a town id where a district is expected: err = %v, want INVALID_INPUT", err)
	}
}

// schema is the executable schema's AST; resolvers are never called.
func schema(t *testing.T) *ast.Schema {
	t.Helper()
	return generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}).Schema()
}

func TestSelectionDepth(t *testing.T) {
	s := schema(t)
	tests := []struct {
		name, query string
		want        int
	}{
		{"one scalar", `{ __typename }`, 1},
		{"connection count", `{ organizations { totalCount } }`, 2},
		{"deepest branch counts", `{ organizations { totalCount edges { node { id parent { name } } } } }`, 5},
		{"benchmark query",
			`{ organizations(first: 50) { totalCount edges { node { id name kind parent { name } town { name } } } } }`, 5},
		{"named fragment adds no level",
			`query { organizations { ...Conn } } fragment Conn on OrganizationConnection { edges { node { id } } }`, 4},
		{"nested fragments",
			`query { organizations { ...Conn } }
			 fragment Conn on OrganizationConnection { edges { node { ...Org } } }
			 fragment Org on Organization { parent { parent { name } } }`, 6},
		{"inline fragment adds no level",
			`{ node(id: "x") { ... on Organization { parent { town { district { name } } } } } }`, 5},
		{"fragment used twice at different depths",
			`query { organizations { edges { node { ...Name parent { ...Name } } } } }
			 fragment Name on Organization { name }`, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(s, tt.query)
			if errs != nil {
				t.Fatalf("query does not validate: %v", errs)
			}
			if got := selectionDepth(doc.Operations[0].SelectionSet); got != tt.want {
				t.Errorf("depth = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestSelectionDepthFragmentCycle builds a cycle by hand: validation refuses
// one, but the depth walk must not depend on that.
func TestSelectionDepthFragmentCycle(t *testing.T) {
	a := &ast.FragmentDefinition{Name: "A"}
	b := &ast.FragmentDefinition{Name: "B"}
	a.SelectionSet = ast.SelectionSet{&ast.Field{Name: "parent", SelectionSet: ast.SelectionSet{
		&ast.FragmentSpread{Name: "B", Definition: b},
	}}}
	b.SelectionSet = ast.SelectionSet{
		&ast.Field{Name: "name"},
		&ast.FragmentSpread{Name: "A", Definition: a},
		&ast.FragmentSpread{Name: "B", Definition: b},
	}
	op := ast.SelectionSet{&ast.Field{Name: "node", SelectionSet: ast.SelectionSet{
		&ast.FragmentSpread{Name: "A", Definition: a},
	}}}

	done := make(chan int, 1)
	go func() { done <- selectionDepth(op) }()
	select {
	case got := <-done:
		// node { parent { name parent { … } } }: each fragment is entered once per path.
		if got != 3 {
			t.Errorf("depth = %d, want 3", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("depth of a fragment cycle does not terminate")
	}
}

func TestDepthLimit(t *testing.T) {
	s := schema(t)
	limit := shapeLimit{MaxDepth: 4, MaxNodes: 1000}
	if err := limit.Validate(nil); err != nil {
		t.Errorf("Validate(Max 4) = %v", err)
	}
	if err := (shapeLimit{}).Validate(nil); err == nil {
		t.Error("a zero depth limit was accepted")
	}
	run := func(query string) *gqlerror.Error {
		t.Helper()
		doc, errs := gqlparser.LoadQuery(s, query)
		if errs != nil {
			t.Fatalf("query does not validate: %v", errs)
		}
		return limit.MutateOperationContext(context.Background(), &graphql.OperationContext{Operation: doc.Operations[0]})
	}
	if err := run(`{ organizations { edges { node { id } } } }`); err != nil {
		t.Errorf("depth 4 with limit 4 refused: %v", err)
	}
	err := run(`{ organizations { edges { node { parent { id } } } } }`)
	if err == nil {
		t.Fatal("depth 5 with limit 4 accepted")
	}
	if code := err.Extensions["code"]; code != string(apperr.InvalidInput) {
		t.Errorf("code = %v, want INVALID_INPUT", code)
	}
	if err.Message != "查询嵌套层级为 5，超过上限 4" {
		t.Errorf("message = %q", err.Message)
	}
	if err := limit.MutateOperationContext(context.Background(), &graphql.OperationContext{}); err != nil {
		t.Errorf("no operation: %v", err)
	}
}

// presented runs the error presenter on err with a request id, and returns the
// result and what was logged.
func presented(t *testing.T, err error) (*gqlerror.Error, string) {
	t.Helper()
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	ctx := actor.WithRequestID(context.Background(), "req-7f3a")
	return presentError(logger)(ctx, err), logged.String()
}

func TestErrorPresenterAppErrors(t *testing.T) {
	details := []map[string]any{{"row": 3, "message": "手机号格式不正确"}}
	tests := []struct {
		name      string
		err       error
		code      apperr.Code
		msg       string
		field     string
		ignoreExt bool
	}{
		{"unauthenticated", apperr.ErrUnauthenticated, apperr.Unauthenticated, "请先登录", "", false},
		{"forbidden", apperr.ErrForbidden, apperr.Forbidden, "没有权限执行此操作", "", false},
		{"not found", apperr.ErrNotFound, apperr.NotFound, "找不到该记录，或您无权查看", "", false},
		{"invalid field", apperr.Invalid("name", "名称须为 2 到 30 个字"), apperr.InvalidInput, "名称须为 2 到 30 个字", "name", false},
		{"conflict", apperr.New(apperr.Conflict, "乡镇编码已存在"), apperr.Conflict, "乡镇编码已存在", "", false},
		{"rate limited", apperr.New(apperr.RateLimited, "操作过于频繁"), apperr.RateLimited, "操作过于频繁", "", false},
		{"wrapped by a service", fmt.Errorf("create town: %w", apperr.ErrForbidden), apperr.Forbidden, "没有权限执行此操作", "", false},
		{"wrapped by gqlgen on a field path",
			&gqlerror.Error{Message: "ignored", Path: ast.Path{ast.PathName("town")}, Err: apperr.ErrNotFound},
			apperr.NotFound, "找不到该记录，或您无权查看", "", false},
		{"cause is not shown", apperr.Wrap(apperr.Unauthenticated, "登录已过期，请重新登录", errors.New("token is expired by 3m0s")),
			apperr.Unauthenticated, "登录已过期，请重新登录", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, logged := presented(t, tt.err)
			if got.Message != tt.msg {
				t.Errorf("message = %q, want %q", got.Message, tt.msg)
			}
			if got.Extensions["code"] != string(tt.code) {
				t.Errorf("code = %v, want %s", got.Extensions["code"], tt.code)
			}
			if f, _ := got.Extensions["field"].(string); f != tt.field {
				t.Errorf("field = %q, want %q", f, tt.field)
			}
			if logged != "" {
				t.Errorf("an expected error was logged: %s", logged)
			}
		})
	}

	got, _ := presented(t, &apperr.Error{Code: apperr.InvalidInput, Message: "导入文件有错误", Details: details})
	if d, ok := got.Extensions["details"].([]map[string]any); !ok || len(d) != 1 {
		t.Errorf("details = %#v, want the import errors", got.Extensions["details"])
	}
}

func TestErrorPresenterHidesInternalErrors(t *testing.T) {
	tests := map[string]error{
		"plain error":               errors.New(`pq: password authentication failed for user "dj" at 10.0.0.5`),
		"wrapped by gqlgen":         &gqlerror.Error{Message: "dial tcp 10.0.0.5:5432", Err: errors.New("dial tcp 10.0.0.5:5432: connection refused")},
		"apperr with code INTERNAL": apperr.Wrap(apperr.Internal, "数据库异常 10.0.0.5", errors.New("dial tcp 10.0.0.5:5432")),
		"panic in resolver":         errors.New("panic in resolver"),
	}
	for name, err := range tests {
		t.Run(name, func(t *testing.T) {
			got, logged := presented(t, err)
			if want := "服务器内部错误，请稍后重试（请求编号 req-7f3a）"; got.Message != want {
				t.Errorf("message = %q, want %q", got.Message, want)
			}
			if got.Extensions["code"] != string(apperr.Internal) || len(got.Extensions) != 1 {
				t.Errorf("extensions = %v, want only code INTERNAL", got.Extensions)
			}
			if out, _ := json.Marshal(got); strings.Contains(string(out), "10.0.0.5") {
				t.Errorf("internal detail leaked to the client: %s", out)
			}
			// Logged once, with the request id and the real cause.
			lines := strings.Split(strings.TrimSpace(logged), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], `"request_id":"req-7f3a"`) {
				t.Errorf("log = %q, want one line with the request id", logged)
			}
			if cause := errors.Unwrap(err); cause != nil && !strings.Contains(logged, "10.0.0.5") {
				t.Errorf("log = %q, want the cause", logged)
			}
		})
	}
}

func TestErrorPresenterGqlgenErrors(t *testing.T) {
	tests := []struct {
		name       string
		err        *gqlerror.Error
		code       string
		msgPrefix  string
		keepDetail bool
	}{
		{"complexity", &gqlerror.Error{Message: "operation has complexity 5021, which exceeds the limit of 1000",
			Extensions: map[string]any{"code": "COMPLEXITY_LIMIT_EXCEEDED"}},
			"INVALID_INPUT", "查询过于复杂，请减少请求的字段或每页条数", true},
		{"validation", &gqlerror.Error{Message: `Cannot query field "secret" on type "Query".`,
			Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}},
			"INVALID_INPUT", "查询语句不符合接口定义", true},
		{"parse", &gqlerror.Error{Message: "Expected Name, found <EOF>",
			Extensions: map[string]any{"code": "GRAPHQL_PARSE_FAILED"}},
			"INVALID_INPUT", "查询语句有语法错误", true},
		{"no code", &gqlerror.Error{Message: "no operation provided"}, "INVALID_INPUT", "no operation provided", false},
		{"depth limit keeps its Chinese message", &gqlerror.Error{Message: "查询嵌套层级为 13，超过上限 12",
			Extensions: map[string]any{"code": "INVALID_INPUT"}}, "INVALID_INPUT", "查询嵌套层级为 13，超过上限 12", false},
		{"persisted query not found stays as clients expect", &gqlerror.Error{Message: "PersistedQueryNotFound",
			Extensions: map[string]any{"code": "PERSISTED_QUERY_NOT_FOUND"}}, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origCode := tt.err.Extensions["code"]
			got, logged := presented(t, tt.err)
			if got.Extensions["code"] != tt.code {
				t.Errorf("code = %v, want %s", got.Extensions["code"], tt.code)
			}
			if !strings.HasPrefix(got.Message, tt.msgPrefix) {
				t.Errorf("message = %q, want it to start with %q", got.Message, tt.msgPrefix)
			}
			if tt.keepDetail && !strings.Contains(got.Message, tt.err.Message) {
				t.Errorf("message = %q lost gqlgen's detail %q", got.Message, tt.err.Message)
			}
			if logged != "" {
				t.Errorf("a client error was logged: %s", logged)
			}
			if tt.err.Extensions["code"] != origCode {
				t.Errorf("the presenter changed the error it was given: code %v", tt.err.Extensions["code"])
			}
		})
	}
}

// response is a GraphQL answer.
type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// post sends a GraphQL request to h as an anonymous client and decodes the answer.
func post(t *testing.T, h http.Handler, body string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req = req.WithContext(actor.WithRequestID(req.Context(), "req-edge"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	var resp response
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, w.Body.String())
	}
	return resp
}

func query(q string) string {
	b, _ := json.Marshal(map[string]any{"query": q})
	return string(b)
}

// TestHandlerRefusesBeforeResolving sends requests that must be refused
// before any resolver runs, so the resolver needs no services.
func TestHandlerRefusesBeforeResolving(t *testing.T) {
	h := NewHandler(&Resolver{Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))}, Config{MaxDepth: 6, MaxComplexity: 500})
	deep := `{ organizations { edges { node { parent { parent { parent { name } } } } } } }`
	tests := []struct {
		name, body string
		msgPrefix  string
	}{
		{"malformed JSON", `{"query": "{ __typename }"`, "请求体不是有效的 JSON"},
		{"syntax error", query(`{ organizations { `), "查询语句有语法错误"},
		{"unknown field", query(`{ secrets }`), "查询语句不符合接口定义"},
		{"too deep", query(deep), "查询嵌套层级为 7，超过上限 6"},
		{"too complex", query(`{ organizations(first: 100) { edges { node { children(first: 100) { totalCount } } } } }`),
			"查询过于复杂"},
		// BUG: a bad Time literal comes back as INTERNAL (and is logged as a
		// server error) instead of INVALID_INPUT; see the report.
		{"bad time literal", query(`{ auditLog(filter: {since: "yesterday"}) { totalCount } }`), ""},
		{"bad time variable",
			`{"query": "query($s: Time) { auditLog(filter: {since: $s}) { totalCount } }", "variables": {"s": "2026-03-02"}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, h, tt.body)
			if len(resp.Errors) == 0 {
				t.Fatalf("no error; data = %s", resp.Data)
			}
			e := resp.Errors[0]
			if e.Extensions["code"] != string(apperr.InvalidInput) {
				t.Errorf("code = %v (%q), want INVALID_INPUT", e.Extensions["code"], e.Message)
			}
			if !strings.HasPrefix(e.Message, tt.msgPrefix) || !hasHan(e.Message) {
				t.Errorf("message = %q, want a Chinese message starting with %q", e.Message, tt.msgPrefix)
			}
		})
	}
}

// TestHandlerFragmentBomb sends 1 KB of nested fragments, each spreading the
// previous one twice: 2^22 paths to one field.
//
// BUG: refused only after about half a second of CPU, doubling with every
// further fragment (30 fragments: minutes per request). gqlgen's complexity
// limit walks every path before refusing, and selectionDepth (limits.go) does
// the same when the complexity check lets a query through, because it forgets
// a fragment once it leaves it. See the report.
func TestHandlerFragmentBomb(t *testing.T) {
	h := NewHandler(&Resolver{Logger: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))}, Config{})
	const n = 22
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { __typename }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	start := time.Now()
	resp := post(t, h, query(b.String()))
	elapsed := time.Since(start)
	if len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != string(apperr.InvalidInput) {
		t.Errorf("fragment bomb answered %s %v, want INVALID_INPUT", resp.Data, resp.Errors)
	}
	if elapsed > 100*time.Millisecond {
		t.Errorf("refusing a %d-byte query took %v; it must not grow with the number of fragment paths", b.Len(), elapsed)
	}
}
