package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"dangjian/internal/actor"
)

// upload sends a GraphQL multipart request (the spec's operations/map/file
// parts) with one file in the variable "file".
func (c *client) upload(query string, vars map[string]any, filename string, data []byte) gqlResponse {
	c.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	vars["file"] = nil
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.file"]}`)
	fw, _ := w.CreateFormFile("0", filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	return c.send(http.MethodPost, c.base+"/graphql", body.Bytes(), w.FormDataContentType())
}

// download GETs a file path with the client's token.
func (c *client) download(path string) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// A 1×1 PNG: a photo of the meeting.
var photoPNG = []byte{
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
	0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
	0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
	0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
}

type taskRow struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Period string `json:"period"`
	Status string `json:"status"`
	Color  string `json:"color"`
	Org    struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"org"`
}

// TestE2ERecordReviewGreen is the flow of a branch and its town: the branch
// secretary finds the deployment reminder in his inbox, records this month's
// branch committee meeting with attendance and a photo, the town office
// accepts it, and the task turns green — while the other town sees none of it.
func TestE2ERecordReviewGreen(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			m := startDemo(t, b)
			waitQueueIdle(t, m)
			// The scheduler is off in these tests: run the reminder scan the
			// scheduler would run each minute, and let the worker deliver.
			if _, err := m.Deps().Services.Remind.Scan(actor.System(t.Context()), time.Now()); err != nil {
				t.Fatalf("scan: %v", err)
			}
			waitQueueIdle(t, m)

			branch := newClient(t, m).as("towna.branch")
			var inbox struct {
				UnreadCount int `json:"unreadCount"`
				Inbox       struct {
					Edges []struct {
						Node struct {
							ID    string `json:"id"`
							Title string `json:"title"`
							Body  string `json:"body"`
							Link  string `json:"link"`
						} `json:"node"`
					} `json:"edges"`
				} `json:"inbox"`
			}
			branch.must(`{ unreadCount inbox(first: 50, unreadOnly: true) { edges { node { id title body link } } } }`, nil, &inbox)
			var deploymentNote string
			for _, e := range inbox.Inbox.Edges {
				if strings.Contains(e.Node.Title, "志愿服务活动") {
					deploymentNote = e.Node.ID
					if !strings.Contains(e.Node.Title, "幸福社区第一党支部") || !strings.HasPrefix(e.Node.Link, "/tasks/") {
						t.Errorf("reminder does not name the branch or link the task: %+v", e.Node)
					}
				}
			}
			if inbox.UnreadCount == 0 || deploymentNote == "" {
				t.Fatalf("no deployment reminder in towna.branch's inbox: %+v", inbox)
			}

			// This month's branch committee meeting is open.
			var mine struct {
				MyTasks struct {
					Edges []struct{ Node taskRow } `json:"edges"`
				} `json:"myTasks"`
			}
			branch.must(`{ myTasks(first: 50) { edges { node { id title period status color org { id name } } } } }`, nil, &mine)
			var task taskRow
			month := time.Now().In(shanghai(t)).Format("2006-01")
			for _, e := range mine.MyTasks.Edges {
				if e.Node.Period == month && strings.HasSuffix(e.Node.Title, "支部委员会") {
					task = e.Node
				}
			}
			if task.ID == "" || task.Status != "PENDING" {
				t.Fatalf("no open 支部委员会 for %s in myTasks: %+v", month, mine)
			}

			// The photo, then the record with attendance.
			var up struct {
				UploadAttachment struct {
					Attachment struct{ ID, URL string } `json:"attachment"`
				} `json:"uploadAttachment"`
			}
			r := branch.upload(`mutation($org: ID!, $file: Upload!) { uploadAttachment(input: {orgId: $org, file: $file}) { attachment { id url } } }`,
				map[string]any{"org": task.Org.ID}, "会场.png", photoPNG)
			if len(r.Errors) > 0 {
				t.Fatalf("upload: %+v", r.Errors)
			}
			_ = json.Unmarshal(r.Data, &up)
			bad := branch.upload(`mutation($org: ID!, $file: Upload!) { uploadAttachment(input: {orgId: $org, file: $file}) { attachment { id } } }`,
				map[string]any{"org": task.Org.ID}, "virus.exe", []byte("MZ\x90\x00 not a photo"))
			if bad.code() != "INVALID_INPUT" || !hasChinese(bad.message()) {
				t.Errorf("an .exe upload was not refused clearly: %+v", bad.Errors)
			}

			var members struct {
				People struct {
					Edges []struct{ Node struct{ ID string } } `json:"edges"`
				} `json:"people"`
			}
			branch.must(`query($org: ID!) { people(first: 50, filter: {orgId: $org}) { edges { node { id } } } }`,
				map[string]any{"org": task.Org.ID}, &members)
			if len(members.People.Edges) < 2 {
				t.Fatalf("branch has %d people", len(members.People.Edges))
			}
			var attendees []string
			for _, e := range members.People.Edges[:len(members.People.Edges)-1] {
				attendees = append(attendees, e.Node.ID)
			}
			absent := members.People.Edges[len(members.People.Edges)-1].Node.ID
			start := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
			input := map[string]any{
				"taskInstanceIds": []string{task.ID},
				"title":           "十一月支部委员会",
				"startAt":         start.Format(time.RFC3339),
				"endAt":           start.Add(90 * time.Minute).Format(time.RFC3339),
				"place":           "社区党群服务中心",
				"hostId":          attendees[0],
				"attendeeIds":     attendees,
				"absentees":       []map[string]any{{"personId": absent, "reason": "外出务工"}},
				"content":         "研究部署年底走访慰问工作",
				"minutes":         "一、传达上级精神；二、讨论走访名单；三、明确分工。",
				"attachmentIds":   []string{up.UploadAttachment.Attachment.ID},
			}
			// Without the minutes the record is refused, saying what is missing.
			noMinutes := map[string]any{}
			for k, v := range input {
				noMinutes[k] = v
			}
			delete(noMinutes, "minutes")
			rec := branch.refused(`mutation($in: CreateActivityRecordInput!) { createActivityRecord(input: $in) { activityRecord { id } } }`,
				map[string]any{"in": noMinutes}, "INVALID_INPUT")
			if !strings.Contains(rec.message(), "会议记录") {
				t.Errorf("missing minutes not named: %q", rec.message())
			}
			var created struct {
				CreateActivityRecord struct {
					ActivityRecord struct {
						ID            string
						Late          bool
						Attendance    []struct{ Present bool }
						Attachments   []struct{ URL string }
						TaskInstances []taskRow
					} `json:"activityRecord"`
				} `json:"createActivityRecord"`
			}
			branch.must(`mutation($in: CreateActivityRecordInput!) { createActivityRecord(input: $in) { activityRecord {
				id late attendance { present } attachments { url } taskInstances { id status color } } } }`,
				map[string]any{"in": input}, &created)
			ar := created.CreateActivityRecord.ActivityRecord
			if ar.Late || len(ar.Attendance) != len(members.People.Edges) || len(ar.Attachments) != 1 ||
				len(ar.TaskInstances) != 1 || ar.TaskInstances[0].Status != "SUBMITTED" {
				t.Fatalf("record = %+v", ar)
			}
			// The branch cannot accept its own work.
			branch.refused(`mutation($id: ID!) { reviewTaskInstance(input: {id: $id, decision: ACCEPT}) { taskInstance { id } } }`,
				map[string]any{"id": task.ID}, "FORBIDDEN")

			// Town B sees none of it.
			townB := newClient(t, m).as("townb.admin")
			var node struct{ Node *struct{ ID string } }
			townB.must(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": task.ID}, &node)
			if node.Node != nil {
				t.Fatal("town B reads town A's task through node(id:)")
			}
			townB.refused(`mutation($id: ID!) { reviewTaskInstance(input: {id: $id, decision: ACCEPT}) { taskInstance { id } } }`,
				map[string]any{"id": task.ID}, "NOT_FOUND")
			if code, _ := townB.download(ar.Attachments[0].URL); code != http.StatusNotFound {
				t.Errorf("town B downloads town A's photo: HTTP %d", code)
			}
			townB.refused(`mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`,
				map[string]any{"ids": []string{deploymentNote}}, "NOT_FOUND")
			var bTasks struct {
				TaskInstances struct {
					Edges []struct{ Node taskRow } `json:"edges"`
				} `json:"taskInstances"`
			}
			townB.must(`{ taskInstances(first: 100) { edges { node { id org { name } } } } }`, nil, &bTasks)
			for _, e := range bTasks.TaskInstances.Edges {
				if e.Node.ID == task.ID || strings.Contains(e.Node.Org.Name, "幸福社区") {
					t.Fatalf("town B lists town A's task %+v", e.Node)
				}
			}

			// The branch sees the deployment sent to it, with the town's
			// committee that issued it, though that is above its subtree;
			// town B sees neither the deployment nor, through it, the issuer.
			deployments := `{ deployments(first: 20) { totalCount edges { node { id title issuer { id name } targetRoot { name } } } } }`
			var dep struct {
				Deployments struct {
					TotalCount int `json:"totalCount"`
					Edges      []struct {
						Node struct {
							ID     string `json:"id"`
							Title  string `json:"title"`
							Issuer struct {
								ID   string `json:"id"`
								Name string `json:"name"`
							} `json:"issuer"`
						} `json:"node"`
					} `json:"edges"`
				} `json:"deployments"`
			}
			branch.must(deployments, nil, &dep)
			if dep.Deployments.TotalCount == 0 || dep.Deployments.Edges[0].Node.Issuer.Name != "红旗镇党委" {
				t.Fatalf("branch's deployments = %+v, want the demo deployment issued by 红旗镇党委", dep.Deployments)
			}
			issuer := dep.Deployments.Edges[0].Node.Issuer.ID
			// Reading the issuer as an organisation stays refused: the
			// reference names it, it does not open it.
			branch.must(`query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": issuer}, &node)
			if node.Node != nil {
				t.Error("the branch reads the town committee through node(id:)")
			}
			var bDep struct {
				Deployments struct {
					Edges []struct {
						Node struct {
							ID    string `json:"id"`
							Title string `json:"title"`
						} `json:"node"`
					} `json:"edges"`
				} `json:"deployments"`
			}
			townB.must(deployments, nil, &bDep)
			for _, e := range bDep.Deployments.Edges {
				if e.Node.ID == dep.Deployments.Edges[0].Node.ID {
					t.Fatalf("town B lists town A's deployment %+v", e.Node)
				}
			}

			// The town office accepts; the task is done and green.
			admin := newClient(t, m).as("towna.admin")
			if code, body := admin.download(ar.Attachments[0].URL); code != http.StatusOK || !bytes.Equal(body, photoPNG) {
				t.Errorf("town office download: HTTP %d, %d bytes", code, len(body))
			}
			var reviewed struct {
				ReviewTaskInstance struct{ TaskInstance taskRow } `json:"reviewTaskInstance"`
			}
			admin.must(`mutation($id: ID!) { reviewTaskInstance(input: {id: $id, decision: ACCEPT}) { taskInstance { id status color } } }`,
				map[string]any{"id": task.ID}, &reviewed)
			if got := reviewed.ReviewTaskInstance.TaskInstance; got.Status != "DONE" || got.Color != "GREEN" {
				t.Fatalf("after accepting: %+v", got)
			}
			var history struct {
				Node struct {
					History []struct{ Action string } `json:"history"`
				} `json:"node"`
			}
			branch.must(`query($id: ID!) { node(id: $id) { ... on TaskInstance { history { action } } } }`, map[string]any{"id": task.ID}, &history)
			var actions []string
			for _, h := range history.Node.History {
				actions = append(actions, h.Action)
			}
			if fmt.Sprint(actions) != "[SUBMIT ACCEPT]" {
				t.Errorf("history = %v", actions)
			}
			// The branch's score follows within a minute (the recompute is
			// coalesced and runs 30 s after the change).
			const myScore = `query($o: ID!) { scores(filter: {orgId: $o}) { edges { node { ownScore computedAt } } } }`
			type scoreRows struct {
				Scores struct {
					Edges []struct {
						Node struct {
							OwnScore   float64 `json:"ownScore"`
							ComputedAt string  `json:"computedAt"`
						}
					} `json:"edges"`
				} `json:"scores"`
			}
			var before scoreRows
			branch.must(myScore, map[string]any{"o": task.Org.ID}, &before)
			changed := false
			for deadline := time.Now().Add(75 * time.Second); time.Now().Before(deadline) && !changed; time.Sleep(time.Second) {
				var now scoreRows
				branch.must(myScore, map[string]any{"o": task.Org.ID}, &now)
				changed = len(now.Scores.Edges) > 0 && (len(before.Scores.Edges) == 0 ||
					now.Scores.Edges[0].Node.OwnScore != before.Scores.Edges[0].Node.OwnScore)
			}
			if !changed {
				t.Error("the branch's score was not recomputed within a minute of the acceptance")
			}

			// The town's 三色 view counts it green under the branch's community.
			var status struct {
				OrgStatus struct {
					Green, Amber, Red int
					Children          []struct {
						Org               struct{ Name string }
						Green, Amber, Red int
					}
				} `json:"orgStatus"`
			}
			admin.must(`query($id: ID!) { orgStatus(orgId: $id) { green amber red children { org { name } green amber red } } }`,
				map[string]any{"id": task.Org.ID}, &status)
			if status.OrgStatus.Green == 0 {
				t.Errorf("branch status after acceptance: %+v", status.OrgStatus)
			}
		})
	}
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
