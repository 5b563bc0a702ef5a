package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/uptrace/bun"

	"dangjian/internal/demo"
)

// startDemo runs Main with the demo district on backend b and returns it.
func startDemo(t *testing.T, b backend) *Main {
	t.Helper()
	m, logs := newMain(t, b)
	t.Cleanup(func() {
		if t.Failed() {
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, `"level":"ERROR"`) {
					t.Log(line)
				}
			}
		}
	})
	m.Config.Demo = true
	// Nothing in these tests needs periodic jobs; without the scheduler no
	// background query disturbs the query counts.
	m.Config.NoScheduler = true
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}

// client talks GraphQL over real HTTP to a running server, as a browser would.
type client struct {
	t       *testing.T
	base    string
	token   string
	refresh string
}

// on returns c reporting to t, for use in a subtest.
func (c *client) on(t *testing.T) *client {
	cc := *c
	cc.t = t
	return &cc
}

func newClient(t *testing.T, m *Main) *client {
	return &client{t: t, base: "http://" + m.Addr()}
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// code is the extensions.code of the first error, or "".
func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

func (r gqlResponse) message() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Message
}

// send posts body to /graphql and decodes the GraphQL-shaped answer.
func (c *client) send(method, url string, body []byte, contentType string) gqlResponse {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s /graphql: %v", method, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := gqlResponse{Status: res.StatusCode}
	if err := json.Unmarshal(b, &out); err != nil {
		c.t.Fatalf("answer is not JSON (status %d): %.300s", res.StatusCode, b)
	}
	return out
}

func (c *client) do(query string, vars map[string]any) gqlResponse {
	c.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		c.t.Fatal(err)
	}
	return c.send(http.MethodPost, c.base+"/graphql", body, "application/json")
}

// must runs query, fails the test on any error, and decodes data into out.
func (c *client) must(query string, vars map[string]any, out any) {
	c.t.Helper()
	r := c.do(query, vars)
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		c.t.Fatalf("status %d, errors %+v\nquery: %s\nvars: %v", r.Status, r.Errors, query, vars)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			c.t.Fatalf("decode %s: %v", r.Data, err)
		}
	}
}

// refused runs query and checks that it failed with one of codes and a
// Chinese message.
func (c *client) refused(query string, vars map[string]any, codes ...string) gqlResponse {
	c.t.Helper()
	r := c.do(query, vars)
	if !contains(codes, r.code()) {
		c.t.Errorf("want %v, got status %d errors %+v data %s", codes, r.Status, r.Errors, r.Data)
		return r
	}
	if !hasChinese(r.message()) {
		c.t.Errorf("message is not Chinese: %q", r.message())
	}
	return r
}

// login signs in and returns a client carrying the tokens.
func (c *client) login(username, password string) *client {
	c.t.Helper()
	var out struct {
		Login struct {
			AccessToken  string `json:"accessToken"`
			RefreshToken string `json:"refreshToken"`
		} `json:"login"`
	}
	anon := &client{t: c.t, base: c.base}
	anon.must(`mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken refreshToken } }`,
		map[string]any{"u": username, "p": password}, &out)
	if out.Login.AccessToken == "" || out.Login.RefreshToken == "" {
		c.t.Fatalf("login %s returned no tokens", username)
	}
	return &client{t: c.t, base: c.base, token: out.Login.AccessToken, refresh: out.Login.RefreshToken}
}

// as signs in a demo account.
func (c *client) as(username string) *client {
	c.t.Helper()
	return c.login(username, demo.Password)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func hasChinese(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// globalID forges a Relay global id, as an attacker could.
func globalID(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// ghostID returns an id of the same type as gid that names nothing.
func ghostID(t *testing.T, gid string) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		t.Fatalf("global id %q: %v", gid, err)
	}
	typ, _, _ := strings.Cut(string(b), ":")
	return globalID(typ, 987654321)
}

// dbID returns the number inside a global id.
func dbID(t *testing.T, gid string) int64 {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		t.Fatalf("global id %q: %v", gid, err)
	}
	_, num, _ := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		t.Fatalf("global id %q: %v", gid, err)
	}
	return n
}

// orgRow is what the tests read of an organisation.
type orgRow struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Path   string `json:"path"`
	Parent *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"parent"`
	Town struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"town"`
}

type personRow struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Phone       *string `json:"phone"`
	PhoneMasked bool    `json:"phoneMasked"`
	Org         struct {
		ID string `json:"id"`
	} `json:"org"`
}

const orgFields = `id name kind path parent { id name } town { id name }`

// all pages through the connection field of query, which takes $after, and
// returns its nodes.
func (c *client) all(field, query string, vars map[string]any) []json.RawMessage {
	c.t.Helper()
	v := map[string]any{}
	for k, x := range vars {
		v[k] = x
	}
	var nodes []json.RawMessage
	for {
		var out map[string]struct {
			Edges []struct {
				Node json.RawMessage `json:"node"`
			} `json:"edges"`
			PageInfo struct {
				HasNextPage bool   `json:"hasNextPage"`
				EndCursor   string `json:"endCursor"`
			} `json:"pageInfo"`
		}
		c.must(query, v, &out)
		page := out[field]
		for _, e := range page.Edges {
			nodes = append(nodes, e.Node)
		}
		if !page.PageInfo.HasNextPage {
			return nodes
		}
		v["after"] = page.PageInfo.EndCursor
	}
}

// decodeAll decodes raw nodes into rows of type T.
func decodeAll[T any](t *testing.T, nodes []json.RawMessage) []T {
	t.Helper()
	rows := make([]T, len(nodes))
	for i, n := range nodes {
		if err := json.Unmarshal(n, &rows[i]); err != nil {
			t.Fatalf("decode %s: %v", n, err)
		}
	}
	return rows
}

// orgs lists every organisation c may see.
func (c *client) orgs(filter map[string]any) []orgRow {
	c.t.Helper()
	return decodeAll[orgRow](c.t, c.all("organizations", `query($f: OrganizationFilter, $after: String) {
		organizations(first: 50, after: $after, filter: $f) { pageInfo { hasNextPage endCursor } edges { node { `+orgFields+` } } } }`,
		map[string]any{"f": filter}))
}

// people lists every person c may see.
func (c *client) people() []personRow {
	c.t.Helper()
	return decodeAll[personRow](c.t, c.all("people", `query($after: String) {
		people(first: 50, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id name phone phoneMasked org { id } } } } }`, nil))
}

// orgByName returns the organisation named name among rows.
func orgByName(t *testing.T, rows []orgRow, name string) orgRow {
	t.Helper()
	for _, r := range rows {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no organisation %q among %d", name, len(rows))
	return orgRow{}
}

// me returns the signed-in user's id, username and town.
func (c *client) me() (id, username, townID string) {
	c.t.Helper()
	var out struct {
		Me struct {
			ID       string `json:"id"`
			Username string `json:"username"`
			Town     *struct {
				ID string `json:"id"`
			} `json:"town"`
		} `json:"me"`
	}
	c.must(`{ me { id username town { id } } }`, nil, &out)
	if out.Me.Town != nil {
		townID = out.Me.Town.ID
	}
	return out.Me.ID, out.Me.Username, townID
}

// queryCounter counts the SQL statements bun runs.
type queryCounter struct{ n atomic.Int64 }

var _ bun.QueryHook = (*queryCounter)(nil)

func (q *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (q *queryCounter) AfterQuery(_ context.Context, _ *bun.QueryEvent) { q.n.Add(1) }
