package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

type comparisonRow struct {
	Town struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"town"`
	Score  *float64 `json:"score"`
	Rank   *int     `json:"rank"`
	Values []struct {
		Indicator string  `json:"indicator"`
		Value     float64 `json:"value"`
	} `json:"values"`
}

// TestE2EScoresComparisonExport is the district's view: the comparison of the
// three demo towns, a drill-down, a branch's breakdown and the ledger as
// .xlsx; and what a town may and may not see of it.
func TestE2EScoresComparisonExport(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			m := startDemo(t, b)
			district := newClient(t, m).as("district.admin")
			var ds struct {
				Districts []struct{ ID string } `json:"districts"`
			}
			district.must(`{ districts { id } }`, nil, &ds)
			var cmp struct {
				DistrictComparison struct {
					Period string          `json:"period"`
					Rows   []comparisonRow `json:"rows"`
				} `json:"districtComparison"`
			}
			const compare = `query($d: ID!) { districtComparison(districtId: $d, trendPeriods: 3) { period rows { town { id name } score rank values { indicator value } } } }`
			district.must(compare, map[string]any{"d": ds.Districts[0].ID}, &cmp)
			rows := cmp.DistrictComparison.Rows
			if len(rows) != 3 || !strings.Contains(cmp.DistrictComparison.Period, "-Q") {
				t.Fatalf("comparison = %+v", cmp)
			}
			for i, r := range rows {
				if r.Score == nil || r.Rank == nil || len(r.Values) == 0 {
					t.Fatalf("row %d has no score, rank or indicator values: %+v", i, r)
				}
				if i > 0 && *rows[i-1].Score < *r.Score {
					t.Errorf("rows not in rank order: %v before %v", *rows[i-1].Score, *r.Score)
				}
			}
			var townA string
			for _, r := range rows {
				if r.Town.Name == "红旗镇" {
					townA = r.Town.ID
				}
			}

			// Drill into 红旗镇 and open a branch's breakdown.
			admin := newClient(t, m).as("towna.admin")
			root := orgByName(t, admin.orgs(nil), "红旗镇党委")
			var drill struct {
				ScoreDrillDown []struct {
					Org   struct{ ID, Name string }
					Total *float64
				} `json:"scoreDrillDown"`
			}
			district.must(`query($o: ID!) { scoreDrillDown(orgId: $o) { org { id name } total } }`, map[string]any{"o": root.ID}, &drill)
			if len(drill.ScoreDrillDown) == 0 {
				t.Fatal("no children in the drill-down of 红旗镇")
			}
			branch := orgByName(t, admin.orgs(nil), "幸福社区第二党支部")
			var bd struct {
				ScoreBreakdown *struct {
					Total      float64
					Stars      int
					Color      string
					Indicators []struct {
						Name, Explanation string
						Weight, Points    float64
					}
				} `json:"scoreBreakdown"`
			}
			const breakdown = `query($o: ID!) { scoreBreakdown(orgId: $o) { total stars color indicators { name weight points explanation } } }`
			district.must(breakdown, map[string]any{"o": branch.ID}, &bd)
			if bd.ScoreBreakdown == nil || len(bd.ScoreBreakdown.Indicators) == 0 || bd.ScoreBreakdown.Stars < 1 {
				t.Fatalf("breakdown = %+v", bd.ScoreBreakdown)
			}
			for _, i := range bd.ScoreBreakdown.Indicators {
				if !hasChinese(i.Explanation) {
					t.Errorf("indicator %q has no explanation: %q", i.Name, i.Explanation)
				}
			}

			// The ledger of 红旗镇 as .xlsx through a signed link.
			var req struct {
				RequestExport struct {
					Export struct{ ID, Status string } `json:"export"`
				} `json:"requestExport"`
			}
			district.must(`mutation($o: ID!) { requestExport(input: {kind: TASKS, orgId: $o}) { export { id status } } }`,
				map[string]any{"o": root.ID}, &req)
			var url string
			deadline := time.Now().Add(30 * time.Second)
			for url == "" && time.Now().Before(deadline) {
				var ex struct {
					Export struct {
						Status string
						URL    *string
						Error  *string
					} `json:"export"`
				}
				district.must(`query($id: ID!) { export(id: $id) { status url error } }`, map[string]any{"id": req.RequestExport.Export.ID}, &ex)
				if ex.Export.Status == "FAILED" {
					t.Fatalf("export failed: %v", *ex.Export.Error)
				}
				if ex.Export.URL != nil {
					url = *ex.Export.URL
				}
				time.Sleep(100 * time.Millisecond)
			}
			if url == "" {
				t.Fatal("export not done within 30 s")
			}
			anonymous := newClient(t, m)
			if code, body := anonymous.download(url); code != http.StatusOK || !strings.HasPrefix(string(body), "PK") {
				t.Fatalf("signed export link: HTTP %d, %d bytes", code, len(body))
			}
			if code, _ := anonymous.download(strings.Replace(url, "sig=", "sig=0", 1)); code == http.StatusOK {
				t.Error("a tampered export link works")
			}

			// Town B sees the published ranking, not town A's details.
			townB := newClient(t, m).as("townb.admin")
			var bcmp struct {
				DistrictComparison struct{ Rows []comparisonRow } `json:"districtComparison"`
			}
			townB.must(compare, map[string]any{"d": ds.Districts[0].ID}, &bcmp)
			for _, r := range bcmp.DistrictComparison.Rows {
				if r.Town.ID == townA && (r.Score == nil || len(r.Values) != 0) {
					t.Errorf("town B's view of 红旗镇: %+v (want score and rank only)", r)
				}
			}
			var none struct {
				ScoreBreakdown *json.RawMessage `json:"scoreBreakdown"`
			}
			townB.must(breakdown, map[string]any{"o": branch.ID}, &none)
			if none.ScoreBreakdown != nil {
				t.Error("town B reads a 红旗镇 branch's score breakdown")
			}
			townB.refused(`query($o: ID!) { scoreDrillDown(orgId: $o) { total } }`, map[string]any{"o": root.ID}, "NOT_FOUND")
			townB.refused(`mutation($o: ID!) { requestExport(input: {kind: TASKS, orgId: $o}) { export { id } } }`,
				map[string]any{"o": root.ID}, "NOT_FOUND")
			townB.refused(`mutation { requestExport(input: {kind: COMPARISON}) { export { id } } }`, nil, "FORBIDDEN", "INVALID_INPUT")

			// No indicator may score logins, clicks or study time.
			r := district.refused(`mutation($d: ID!) { createScoringScheme(input: {districtId: $d, year: 2027, name: "试行方案",
				indicators: [{code: "login", name: "登录次数", weight: 100, input: "login_count", rule: "RATIO"}]}) { scoringScheme { id } } }`,
				map[string]any{"d": ds.Districts[0].ID}, "INVALID_INPUT")
			if !strings.Contains(r.message(), "登录") {
				t.Errorf("refusal does not say why: %q", r.message())
			}

			// The town office adds a local indicator within the share the
			// district allows; town B does not see it; a branch secretary may
			// not add one, nor may it count logins, nor go over the share.
			var schemes struct {
				ScoringSchemes []struct {
					ID        string  `json:"id"`
					Status    string  `json:"status"`
					TownShare float64 `json:"townShare"`
				} `json:"scoringSchemes"`
			}
			admin.must(`{ scoringSchemes { id status townShare } }`, nil, &schemes)
			scheme, share := "", 0.0
			for _, sc := range schemes.ScoringSchemes {
				if sc.Status == "PUBLISHED" {
					scheme, share = sc.ID, sc.TownShare
				}
			}
			if scheme == "" || share <= 0 {
				t.Fatalf("no published scheme with a town share: %+v", schemes)
			}
			add := `mutation($s: ID!, $w: Float!, $c: String!, $in: String!) { addTownIndicator(schemeId: $s,
				input: {code: $c, name: "支委会完成率", weight: $w, input: $in, rule: "RATIO", params: "{\"template\":\"branch_committee\"}"}) {
				scoringIndicator { code weight local } } }`
			var added struct {
				AddTownIndicator struct {
					ScoringIndicator struct {
						Code  string `json:"code"`
						Local bool   `json:"local"`
					} `json:"scoringIndicator"`
				} `json:"addTownIndicator"`
			}
			admin.must(add, map[string]any{"s": scheme, "w": 1, "c": "towna_meetings", "in": "task_completion"}, &added)
			if !added.AddTownIndicator.ScoringIndicator.Local {
				t.Errorf("added indicator = %+v, want a local one", added.AddTownIndicator.ScoringIndicator)
			}
			r = admin.refused(add, map[string]any{"s": scheme, "w": share*100 + 1, "c": "towna_more", "in": "task_completion"}, "INVALID_INPUT")
			if !strings.Contains(r.message(), "权重") {
				t.Errorf("over-share refusal does not say why: %q", r.message())
			}
			admin.refused(add, map[string]any{"s": scheme, "w": 1, "c": "towna_logins", "in": "login_count"}, "INVALID_INPUT")
			newClient(t, m).as("towna.branch").refused(add, map[string]any{"s": scheme, "w": 1, "c": "branch_own", "in": "task_completion"}, "FORBIDDEN")
			// The district writes its own indicators into the scheme, not a town's local ones.
			district.refused(add, map[string]any{"s": scheme, "w": 1, "c": "district_local", "in": "task_completion"}, "FORBIDDEN")
			var bSchemes struct {
				ScoringSchemes []struct {
					Indicators []struct {
						Code string `json:"code"`
					} `json:"indicators"`
				} `json:"scoringSchemes"`
			}
			townB.must(`{ scoringSchemes { indicators { code } } }`, nil, &bSchemes)
			for _, sc := range bSchemes.ScoringSchemes {
				for _, i := range sc.Indicators {
					if i.Code == "towna_meetings" {
						t.Error("town B sees town A's local indicator")
					}
				}
			}
		})
	}
}
