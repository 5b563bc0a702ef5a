package scoring

import (
	"testing"

	"dangjian/internal/apperr"
)

func TestRules(t *testing.T) {
	src := inputSources[InputTaskCompletion]
	cnt := inputSources[InputLateRecords]
	tests := []struct {
		name       string
		rule       Rule
		weight     float64
		p          Params
		m          Measure
		want       float64
		applicable bool
	}{
		{"ratio 9/10", RuleRatio, 30, Params{}, Measure{Num: 9, Den: 10}, 27, true},
		{"ratio full", RuleRatio, 30, Params{}, Measure{Num: 4, Den: 4}, 30, true},
		{"ratio nothing due", RuleRatio, 30, Params{}, Measure{}, 0, false},
		{"count under cap", RuleCountCap, 10, Params{Per: 1, Cap: 5}, Measure{Num: 2}, 4, true},
		{"count capped", RuleCountCap, 10, Params{Per: 1, Cap: 5}, Measure{Num: 9}, 10, true},
		{"stage 0", RulePointsPerStage, 10, Params{Stages: []float64{0, 4, 8, 10}}, Measure{Num: 0}, 0, true},
		{"stage 2", RulePointsPerStage, 10, Params{Stages: []float64{0, 4, 8, 10}}, Measure{Num: 2}, 8, true},
		{"stage beyond list", RulePointsPerStage, 10, Params{Stages: []float64{0, 4, 8, 10}}, Measure{Num: 7}, 10, true},
		{"deduct none", RuleDeductPerMiss, 10, Params{Per: 2}, Measure{}, 10, true},
		{"deduct two", RuleDeductPerMiss, 10, Params{Per: 2}, Measure{Num: 2}, 6, true},
		{"deduct to floor", RuleDeductPerMiss, 10, Params{Per: 2, Floor: 3}, Measure{Num: 9}, 3, true},
		{"deduct to zero", RuleDeductPerMiss, 10, Params{Per: 4}, Measure{Num: 9}, 0, true},
		{"bonus", RuleBonus, 5, Params{Per: 1}, Measure{Num: 2}, 2, true},
		{"bonus capped by weight", RuleBonus, 5, Params{Per: 2}, Measure{Num: 9}, 5, true},
		{"bonus capped by cap", RuleBonus, 5, Params{Per: 2, Cap: 3}, Measure{Num: 9}, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := src
			if tt.rule != RuleRatio {
				s = cnt
			}
			o := tt.rule.Apply(tt.weight, tt.p, s, tt.m)
			if o.Points != tt.want || o.Applicable != tt.applicable || o.Explanation == "" {
				t.Fatalf("Apply = %+v, want %v (applicable %v)", o, tt.want, tt.applicable)
			}
		})
	}
	o := RuleRatio.Apply(30, Params{}, inputSources[InputTaskTimeliness], Measure{Num: 9, Den: 10})
	if o.Explanation != "按时完成 9/10 项，按时率 90%，得 27.0 分（满分 30）" {
		t.Fatalf("explanation = %q", o.Explanation)
	}
}

func TestOwnScoreAndStars(t *testing.T) {
	rules := []Rule{RuleRatio, RuleRatio, RuleBonus}
	weights := []float64{60, 40, 10}
	// 60 + 40 + bonus 8 is capped at 100.
	got, ok := OwnScore(rules, weights, []Outcome{{Points: 60, Applicable: true}, {Points: 40, Applicable: true}, {Points: 8, Applicable: true}})
	if !ok || got != 100 {
		t.Fatalf("bonus cap: %v %v", got, ok)
	}
	// 45/60 with the second not applicable rescales to 75, plus 5 bonus.
	got, _ = OwnScore(rules, weights, []Outcome{{Points: 45, Applicable: true}, {}, {Points: 5, Applicable: true}})
	if got != 80 {
		t.Fatalf("rescaled = %v, want 80", got)
	}
	if _, ok := OwnScore(rules, weights, []Outcome{{}, {}, {Points: 5, Applicable: true}}); ok {
		t.Fatal("bonus alone must not make a score")
	}
	for total, want := range map[float64]int{100: 5, 90: 5, 89.99: 4, 80: 4, 70: 3, 60: 2, 59.99: 1, 0: 1} {
		if s := Stars(total, DefaultThresholds()); s != want {
			t.Errorf("Stars(%v) = %d, want %d", total, s, want)
		}
	}
	for total, want := range map[float64]Color{80: Green, 79.99: Amber, 60: Amber, 59.99: Red} {
		if c := ColorOf(total); c != want {
			t.Errorf("ColorOf(%v) = %s, want %s", total, c, want)
		}
	}
}

func TestValidator(t *testing.T) {
	ok := IndicatorInput{Code: "completion", Name: "完成率", Weight: 100, Input: InputTaskCompletion, Rule: RuleRatio}
	forbidden := []IndicatorInput{
		{Code: "logins", Name: "登录次数", Weight: 10, Input: "login_count", Rule: RuleCountCap, Params: `{"per":1,"cap":5}`},
		{Code: "x1", Name: "活跃度", Weight: 10, Input: "loginCount", Rule: RuleCountCap},
		{Code: "x2", Name: "学习时长", Weight: 10, Input: InputTaskCompletion, Rule: RuleRatio},
		{Code: "x3", Name: "点击量", Weight: 10, Input: InputTaskCompletion, Rule: RuleRatio},
		{Code: "x4", Name: "页面浏览", Weight: 10, Input: InputTaskCompletion, Rule: RuleRatio},
		{Code: "x5", Name: "在线时长", Weight: 10, Input: "online_minutes", Rule: RuleCountCap},
		{Code: "x6", Name: "阅读", Weight: 10, Input: "read_time", Rule: RuleCountCap},
		{Code: "study_time", Name: "学习", Weight: 10, Input: InputTaskCompletion, Rule: RuleRatio},
		{Code: "x7", Name: "Page Views", Weight: 10, Input: "pageViews", Rule: RuleCountCap},
		{Code: "x8", Name: "clicks", Weight: 10, Input: "article_clicks", Rule: RuleCountCap},
		{Code: "x9", Name: "登陆", Weight: 10, Input: "sign_in", Rule: RuleCountCap},
	}
	for _, in := range forbidden {
		_, err := ValidateIndicator(in)
		if e, isApp := apperr.As(err); !isApp || e.Code != apperr.InvalidInput || e.Message != ErrForbiddenMeasure.Message {
			t.Errorf("%+v: err = %v, want the 减负 refusal", in, err)
		}
	}
	// "review" is not "view".
	if _, err := ValidateIndicator(IndicatorInput{Code: "review_returns", Name: "审核退回", Weight: 10, Input: InputReviewReturns,
		Rule: RuleDeductPerMiss, Params: `{"per":2}`}); err != nil {
		t.Fatalf("review returns refused: %v", err)
	}
	bad := []IndicatorInput{
		{Code: "a", Name: "a", Weight: 0, Input: InputTaskCompletion, Rule: RuleRatio},
		{Code: "a", Name: "a", Weight: -5, Input: InputTaskCompletion, Rule: RuleRatio},
		{Code: "a", Name: "a", Weight: 10, Input: "weather", Rule: RuleRatio},
		{Code: "a", Name: "a", Weight: 10, Input: InputLateRecords, Rule: RuleRatio},
		{Code: "a", Name: "a", Weight: 10, Input: InputLateRecords, Rule: RuleDeductPerMiss},
		{Code: "a", Name: "a", Weight: 10, Input: InputLateRecords, Rule: RuleDeductPerMiss, Params: `{"per":1,"floor":10}`},
		{Code: "a", Name: "a", Weight: 10, Input: InputLateRecords, Rule: RuleCountCap, Params: `{"per":1}`},
		{Code: "a", Name: "a", Weight: 10, Input: InputLateRecords, Rule: RulePointsPerStage, Params: `{"stages":[0,20]}`},
		{Code: "a", Name: "a", Weight: 10, Input: InputLateRecords, Rule: RuleBonus, Params: `{"per":1,"cap":20}`},
		{Code: "a", Name: "a", Weight: 10, Input: InputLateRecords, Rule: "MAGIC"},
		{Code: "a", Name: "a", Weight: 10, Input: InputTaskCompletion, Rule: RuleRatio, Params: `{"bogus":1}`},
		{Code: "a", Name: "a", Weight: 10, Input: InputDeploymentsOnTime, Rule: RuleRatio, Params: `{"template":"x"}`},
		{Code: "A B", Name: "a", Weight: 10, Input: InputTaskCompletion, Rule: RuleRatio},
	}
	for _, in := range bad {
		if _, err := ValidateIndicator(in); apperr.CodeOf(err) != apperr.InvalidInput {
			t.Errorf("%+v: err = %v, want INVALID_INPUT", in, err)
		}
	}
	scheme := func(inds ...IndicatorInput) SchemeInput {
		return SchemeInput{DistrictID: 1, Year: 2026, Name: "方案", Indicators: inds}
	}
	if err := ValidateScheme(scheme(DefaultIndicators()...)); err != nil {
		t.Fatalf("defaults refused: %v", err)
	}
	half := ok
	half.Weight = 50
	bonus := IndicatorInput{Code: "bonus", Name: "加分", Weight: 5, Input: InputSummariesSubmitted, Rule: RuleBonus, Params: `{"per":1}`}
	if err := ValidateScheme(scheme(ok, bonus)); err != nil {
		t.Fatalf("bonus beyond 100 refused: %v", err)
	}
	for name, in := range map[string]SchemeInput{
		"sum 50":         scheme(half),
		"duplicate code": scheme(half, half),
		"no indicators":  {DistrictID: 1, Year: 2026, Name: "x"},
		"share":          {DistrictID: 1, Year: 2026, Name: "x", TownShare: 0.6, Indicators: []IndicatorInput{ok}},
		"thresholds":     {DistrictID: 1, Year: 2026, Name: "x", Thresholds: []float64{60, 90}, Indicators: []IndicatorInput{ok}},
		"rollup":         {DistrictID: 1, Year: 2026, Name: "x", RollupRule: "MAX", Indicators: []IndicatorInput{ok}},
	} {
		if err := ValidateScheme(in); apperr.CodeOf(err) != apperr.InvalidInput {
			t.Errorf("%s: err = %v, want INVALID_INPUT", name, err)
		}
	}
	sum := 0.0
	for _, in := range DefaultIndicators() {
		sum += in.Weight
	}
	if sum != 100 {
		t.Fatalf("default weights = %v", sum)
	}
}
