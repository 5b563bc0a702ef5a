package scoring

import (
	"fmt"
	"math"
	"strconv"
)

// Rule is how an indicator turns its input into points.
type Rule string

// Rule types.
const (
	// RuleRatio scores a ratio in [0,1]: points = weight × ratio (比率).
	RuleRatio Rule = "RATIO"
	// RuleCountCap scores a count: min(count × per, cap) scaled to the weight (计数封顶).
	RuleCountCap Rule = "COUNT_CAP"
	// RulePointsPerStage scores a stage index with a list of points (按阶段计分).
	RulePointsPerStage Rule = "POINTS_PER_STAGE"
	// RuleDeductPerMiss starts from the weight and deducts per miss, never below the floor (按次扣分).
	RuleDeductPerMiss Rule = "DEDUCT_PER_MISS"
	// RuleBonus adds min(count × per, cap) beyond the weights; the total stays ≤ 100 (加分项).
	RuleBonus Rule = "BONUS"
)

// Valid reports whether r is a known rule.
func (r Rule) Valid() bool {
	switch r {
	case RuleRatio, RuleCountCap, RulePointsPerStage, RuleDeductPerMiss, RuleBonus:
		return true
	}
	return false
}

// Label is the Chinese name of the rule.
func (r Rule) Label() string {
	return map[Rule]string{
		RuleRatio: "比率", RuleCountCap: "计数封顶", RulePointsPerStage: "按阶段计分",
		RuleDeductPerMiss: "按次扣分", RuleBonus: "加分项",
	}[r]
}

// Params are a rule's parameters, stored as JSON on the indicator.
type Params struct {
	// Template narrows task inputs to the instances of one template code,
	// e.g. "branch_committee".
	Template string `json:"template,omitempty"`
	// Per is the points per counted item (COUNT_CAP, BONUS) or per miss (DEDUCT_PER_MISS).
	Per float64 `json:"per,omitempty"`
	// Cap bounds COUNT_CAP (before scaling to the weight) and BONUS (default: the weight).
	Cap float64 `json:"cap,omitempty"`
	// Floor is the lowest DEDUCT_PER_MISS result.
	Floor float64 `json:"floor,omitempty"`
	// Stages are the POINTS_PER_STAGE points of stage 0, 1, 2 …
	Stages []float64 `json:"stages,omitempty"`
}

// Measure is what an input found for one organisation in one period: a
// numerator (the count, for count inputs), a denominator (ratio inputs) and
// the ids of the instances or records behind them.
type Measure struct {
	Num, Den int
	Evidence []int64
}

// Outcome is the result of applying a rule to a measure.
type Outcome struct {
	// Value is the input's value: the ratio, the count or the stage.
	Value float64
	// Points earned, out of the weight (BONUS: added on top).
	Points float64
	// Applicable is false when the period has nothing to measure (a ratio
	// over zero items); the indicator then drops out of this period's score.
	Applicable bool
	// Explanation says in Chinese how the points came about.
	Explanation string
}

// Apply scores m under rule r with weight and params p; src words the explanation.
func (r Rule) Apply(weight float64, p Params, src InputSource, m Measure) Outcome {
	full := fmt.Sprintf("（满分 %s）", num(weight))
	switch r {
	case RuleRatio:
		if m.Den == 0 {
			return Outcome{Explanation: fmt.Sprintf("本期无%s，该项不计入得分（权重 %s 分）", src.Subject, num(weight))}
		}
		ratio := float64(m.Num) / float64(m.Den)
		pts := round2(weight * ratio)
		return Outcome{Value: ratio, Points: pts, Applicable: true, Explanation: fmt.Sprintf("%s %d/%d %s，%s %s%%，得 %.1f 分%s",
			src.Verb, m.Num, m.Den, src.Unit, src.RateName, num(round2(ratio*100)), pts, full)}
	case RuleCountCap:
		raw := math.Min(float64(m.Num)*p.Per, p.Cap)
		pts := round2(weight * raw / p.Cap)
		return Outcome{Value: float64(m.Num), Points: pts, Applicable: true, Explanation: fmt.Sprintf(
			"%s %d %s，每%s %s 分、封顶 %s 分，折合得 %.1f 分%s",
			src.Subject, m.Num, src.Unit, src.Unit, num(p.Per), num(p.Cap), pts, full)}
	case RulePointsPerStage:
		stage := m.Num
		if stage >= len(p.Stages) {
			stage = len(p.Stages) - 1
		}
		pts := 0.0
		if stage >= 0 {
			pts = round2(math.Min(p.Stages[stage], weight))
		}
		return Outcome{Value: float64(m.Num), Points: pts, Applicable: true, Explanation: fmt.Sprintf(
			"%s达到第 %d 阶段，得 %.1f 分%s", src.Subject, m.Num, pts, full)}
	case RuleDeductPerMiss:
		pts := round2(math.Max(weight-float64(m.Num)*p.Per, p.Floor))
		return Outcome{Value: float64(m.Num), Points: pts, Applicable: true, Explanation: fmt.Sprintf(
			"%s %d %s，每%s扣 %s 分，得 %.1f 分（满分 %s，最低 %s 分）",
			src.Subject, m.Num, src.Unit, src.Unit, num(p.Per), pts, num(weight), num(p.Floor))}
	case RuleBonus:
		limit := bonusCap(weight, p)
		pts := round2(math.Min(float64(m.Num)*p.Per, limit))
		return Outcome{Value: float64(m.Num), Points: pts, Applicable: true, Explanation: fmt.Sprintf(
			"%s %d %s，每%s加 %s 分、最多加 %s 分，加 %.1f 分（总分不超过 100 分）",
			src.Subject, m.Num, src.Unit, src.Unit, num(p.Per), num(limit), pts)}
	}
	return Outcome{Explanation: "未知的计分规则"}
}

// bonusCap is the most a BONUS indicator adds: its cap, or its weight.
func bonusCap(weight float64, p Params) float64 {
	if p.Cap > 0 && p.Cap < weight {
		return p.Cap
	}
	return weight
}

// OwnScore combines the outcomes of an organisation's indicators: the
// weighted points of the applicable indicators rescaled to 100 (so an
// indicator with nothing to measure this period neither helps nor hurts),
// plus the bonus points, capped at 100. ok is false when no indicator applies.
func OwnScore(rules []Rule, weights []float64, outcomes []Outcome) (score float64, ok bool) {
	var points, weight, bonus float64
	for i, o := range outcomes {
		if !o.Applicable {
			continue
		}
		if rules[i] == RuleBonus {
			bonus += o.Points
			continue
		}
		points += o.Points
		weight += weights[i]
	}
	if weight == 0 {
		return 0, false
	}
	return round2(math.Min(100*points/weight+bonus, 100)), true
}

// Stars rates a total against descending thresholds: at or above the first
// threshold earns len(thresholds)+1 stars, …, below the last one star.
func Stars(total float64, thresholds []float64) int {
	for i, t := range thresholds {
		if total >= t-1e-9 {
			return len(thresholds) + 1 - i
		}
	}
	return 1
}

// Color is the red/amber/green status of a score.
type Color string

// Colors: GREEN at 80 and above, AMBER from 60, RED below 60.
const (
	Green Color = "GREEN"
	Amber Color = "AMBER"
	Red   Color = "RED"
)

// ColorOf returns the status of a total: GREEN ≥ 80, AMBER ≥ 60, RED < 60.
func ColorOf(total float64) Color {
	switch {
	case total >= 80-1e-9:
		return Green
	case total >= 60-1e-9:
		return Amber
	}
	return Red
}

// round2 rounds to two decimals, the precision scores are stored with.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// num formats a number without trailing zeros.
func num(v float64) string { return strconv.FormatFloat(round2(v), 'f', -1, 64) }
