package scoring

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
	"dangjian/internal/db"
)

// SchemeStatus is the life cycle of a scoring scheme.
type SchemeStatus string

// Scheme statuses: a DRAFT is published once; publishing archives the
// previously published scheme of the same district and year.
const (
	Draft     SchemeStatus = "DRAFT"     // 草稿
	Published SchemeStatus = "PUBLISHED" // 已发布
	Archived  SchemeStatus = "ARCHIVED"  // 已归档
)

// RollupRule is how an organisation's total combines its children's.
type RollupRule string

// Roll-up rules.
const (
	// RollupMean: the mean of the children's totals (an org without scored
	// children keeps its own score).
	RollupMean RollupRule = "MEAN"
	// RollupWeightedBySize: the children's totals weighted by their member counts.
	RollupWeightedBySize RollupRule = "WEIGHTED_BY_SIZE"
	// RollupOwnPlusChildren: the mean of the own score and the children's mean.
	RollupOwnPlusChildren RollupRule = "OWN_PLUS_CHILDREN"
)

// Valid reports whether r is a known roll-up rule.
func (r RollupRule) Valid() bool {
	return r == RollupMean || r == RollupWeightedBySize || r == RollupOwnPlusChildren
}

// DefaultThresholds are the star thresholds: ≥90 ★★★★★, ≥80 ★★★★, ≥70 ★★★, ≥60 ★★, else ★.
var defaultThresholds = []float64{90, 80, 70, 60}

// DefaultThresholds returns the shipped star thresholds (90, 80, 70, 60).
func DefaultThresholds() []float64 { return append([]float64(nil), defaultThresholds...) }

// Scheme is a district's scoring scheme (考核评分方案) for one year, versioned.
type Scheme struct {
	bun.BaseModel `bun:"table:scoring_schemes,alias:ss"`

	ID             int64        `bun:"id,pk,autoincrement"`
	DistrictID     int64        `bun:"district_id"`
	Year           int          `bun:"year"`
	Version        int          `bun:"version"`
	Name           string       `bun:"name"`
	Status         SchemeStatus `bun:"status"`
	RollupRule     RollupRule   `bun:"rollup_rule"`
	TownShare      float64      `bun:"town_share"`
	ThresholdsText string       `bun:"thresholds"`
	CreatedBy      *int64       `bun:"created_by"`
	CreatedAt      time.Time    `bun:"created_at"`
	PublishedAt    *time.Time   `bun:"published_at"`

	// Indicators are the district's indicators followed by the local ones
	// visible to the reader, in order.
	Indicators []*Indicator `bun:"-"`
}

// Thresholds returns the star thresholds, highest first.
func (s *Scheme) Thresholds() []float64 {
	var out []float64
	for _, p := range strings.Split(s.ThresholdsText, ",") {
		if v, err := strconv.ParseFloat(strings.TrimSpace(p), 64); err == nil {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return DefaultThresholds()
	}
	return out
}

// Indicator is one scored item of a scheme (考核指标). District indicators
// have no TenantID; a town's local indicators carry its id.
type Indicator struct {
	bun.BaseModel `bun:"table:scoring_indicators,alias:si"`

	ID         int64     `bun:"id,pk,autoincrement"`
	SchemeID   int64     `bun:"scheme_id"`
	DistrictID int64     `bun:"district_id"`
	TenantID   *int64    `bun:"tenant_id"`
	Code       string    `bun:"code"`
	Name       string    `bun:"name"`
	Weight     float64   `bun:"weight"`
	Input      string    `bun:"input"`
	Rule       Rule      `bun:"rule"`
	ParamsText string    `bun:"params"`
	SortOrder  int       `bun:"sort_order"`
	CreatedAt  time.Time `bun:"created_at"`
}

// Params decodes the indicator's parameters (validated when stored).
func (i *Indicator) Params() Params {
	var p Params
	_ = json.Unmarshal([]byte(i.ParamsText), &p)
	return p
}

// Local reports whether the indicator is a town's own.
func (i *Indicator) Local() bool { return i.TenantID != nil }

// IndicatorInput describes an indicator to add.
type IndicatorInput struct {
	Code   string
	Name   string
	Weight float64
	// Input is one of Inputs(), e.g. "task_completion".
	Input string
	Rule  Rule
	// Params as JSON, e.g. {"template":"branch_committee"} or {"per":2,"floor":0}.
	Params string
}

// SchemeInput creates a scheme version.
type SchemeInput struct {
	DistrictID int64
	Year       int
	Name       string
	// RollupRule defaults to MEAN.
	RollupRule RollupRule
	// TownShare is the share of weight (0–0.5) a town may add in local indicators.
	TownShare float64
	// Thresholds are the star thresholds, highest first; empty means 90, 80, 70, 60.
	Thresholds []float64
	// Indicators are the district indicators; empty means DefaultIndicators().
	Indicators []IndicatorInput
}

// DefaultIndicators is the shipped indicator set, weights totalling 100.
func DefaultIndicators() []IndicatorInput {
	return []IndicatorInput{
		{Code: "completion", Name: "常规任务完成率", Weight: 30, Input: InputTaskCompletion, Rule: RuleRatio},
		{Code: "timeliness", Name: "常规任务按时完成率", Weight: 20, Input: InputTaskTimeliness, Rule: RuleRatio},
		{Code: "late_records", Name: "补录（迟报）记录扣分", Weight: 10, Input: InputLateRecords, Rule: RuleDeductPerMiss,
			Params: `{"per":2,"floor":0}`},
		{Code: "review_returns", Name: "审核退回扣分", Weight: 10, Input: InputReviewReturns, Rule: RuleDeductPerMiss,
			Params: `{"per":2,"floor":0}`},
		{Code: "deployments", Name: "工作部署按时响应率", Weight: 15, Input: InputDeploymentsOnTime, Rule: RuleRatio},
		{Code: "summaries", Name: "工作总结提交率", Weight: 15, Input: InputSummariesSubmitted, Rule: RuleRatio},
	}
}

// ErrForbiddenMeasure is the refusal of indicators that score logins, clicks,
// page views, reading or study time (基层减负要求).
var ErrForbiddenMeasure = apperr.Invalid("input", "根据减负要求，不得以登录次数、点击量、浏览或学习时长等作为考核指标")

// forbiddenWords are English tokens that name what may not be scored.
var forbiddenWords = map[string]bool{
	"login": true, "logins": true, "logon": true, "logons": true, "signin": true, "signins": true,
	"click": true, "clicks": true, "clickthrough": true, "pageview": true, "pageviews": true,
	"view": true, "views": true, "pv": true, "uv": true, "online": true, "readtime": true,
	"studytime": true, "studyhours": true, "visits": true, "visit": true, "dwell": true,
}

// forbiddenPairs are adjacent English tokens that name what may not be scored.
var forbiddenPairs = map[[2]string]bool{
	{"log", "in"}: true, {"sign", "in"}: true, {"page", "view"}: true, {"page", "views"}: true,
	{"read", "time"}: true, {"reading", "time"}: true, {"study", "time"}: true, {"study", "hours"}: true,
	{"study", "duration"}: true, {"reading", "duration"}: true, {"time", "spent"}: true,
}

// forbiddenChinese are Chinese phrases that name what may not be scored.
var forbiddenChinese = []string{
	"登录", "登陆", "点击", "浏览", "学习时长", "学习时间", "在线时长", "在线时间", "阅读时长", "阅读时间",
	"阅读量", "访问量", "访问次数", "停留时长", "签到次数", "积分排名",
}

// forbiddenMeasure reports whether any of texts names a measure of logins,
// clicks, views, reading or study time. English is split into words
// (camelCase, snake_case, spaces), so "review" does not match "view".
func forbiddenMeasure(texts ...string) bool {
	for _, t := range texts {
		for _, zh := range forbiddenChinese {
			if strings.Contains(t, zh) {
				return true
			}
		}
		words := splitWords(t)
		for i, w := range words {
			if forbiddenWords[w] {
				return true
			}
			if i > 0 && forbiddenPairs[[2]string{words[i-1], w}] {
				return true
			}
		}
	}
	return false
}

// splitWords lowercases s and splits it into words at non-letters and at
// camelCase boundaries.
func splitWords(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r < unicode.MaxASCII && unicode.IsLetter(r):
			if unicode.IsUpper(r) && len(cur) > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
				flush()
			}
			cur = append(cur, unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return words
}

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// parseParams decodes a params JSON text strictly ("" means {}).
func parseParams(text string) (Params, error) {
	var p Params
	if strings.TrimSpace(text) == "" {
		return p, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return p, apperr.Invalid("params", "指标参数格式无效（应为 JSON，例如 {\"per\":2,\"floor\":0}）")
	}
	return p, nil
}

// ValidateIndicator checks one indicator: a known, allowed input; a rule that
// fits it; valid parameters and a positive weight. It returns the normalised
// params JSON.
func ValidateIndicator(in IndicatorInput) (string, error) {
	if forbiddenMeasure(in.Input, in.Code, in.Name, in.Params) {
		return "", ErrForbiddenMeasure
	}
	if !codePattern.MatchString(in.Code) {
		return "", apperr.Invalid("code", "指标编码须以小写字母开头，只含小写字母、数字和下划线，最长 40 位")
	}
	if n := len([]rune(strings.TrimSpace(in.Name))); n == 0 || n > 60 {
		return "", apperr.Invalid("name", "指标名称不能为空，最长 60 字")
	}
	if !(in.Weight > 0) || in.Weight > 100 || math.IsInf(in.Weight, 0) {
		return "", apperr.Invalid("weight", "指标权重须大于 0 且不超过 100")
	}
	src, ok := inputSources[in.Input]
	if !ok {
		return "", apperr.Invalid("input", "指标数据来源不在平台已有数据范围内："+in.Input)
	}
	if !in.Rule.Valid() {
		return "", apperr.Invalid("rule", "计分规则无效，应为 RATIO、COUNT_CAP、POINTS_PER_STAGE、DEDUCT_PER_MISS 或 BONUS")
	}
	p, err := parseParams(in.Params)
	if err != nil {
		return "", err
	}
	if p.Template != "" {
		if !src.ByTemplate {
			return "", apperr.Invalid("params", "该数据来源不能按任务模板筛选")
		}
		if !codePattern.MatchString(p.Template) {
			return "", apperr.Invalid("params", "任务模板编码无效")
		}
	}
	bad := func(msg string) (string, error) { return "", apperr.Invalid("params", msg) }
	switch in.Rule {
	case RuleRatio:
		if !src.Ratio {
			return bad("比率规则只能用于完成率、按时率等比率类数据")
		}
		if p.Per != 0 || p.Cap != 0 || p.Floor != 0 || len(p.Stages) > 0 {
			return bad("比率规则不需要 per、cap、floor 或 stages 参数")
		}
	case RuleCountCap:
		if !(p.Per > 0) || !(p.Cap > 0) {
			return bad("计数封顶规则需要 per（每项分值）和 cap（封顶分值），均须大于 0")
		}
	case RulePointsPerStage:
		if len(p.Stages) == 0 || len(p.Stages) > 20 {
			return bad("按阶段计分规则需要 stages（各阶段分值，1 到 20 个）")
		}
		for _, s := range p.Stages {
			if s < 0 || s > in.Weight {
				return bad("各阶段分值须在 0 到权重之间")
			}
		}
	case RuleDeductPerMiss:
		if !(p.Per > 0) {
			return bad("按次扣分规则需要 per（每次扣分）且须大于 0")
		}
		if p.Floor < 0 || p.Floor >= in.Weight {
			return bad("按次扣分规则的 floor（最低分）须不小于 0 且小于权重")
		}
	case RuleBonus:
		if !(p.Per > 0) {
			return bad("加分项需要 per（每项加分）且须大于 0")
		}
		if p.Cap < 0 || p.Cap > in.Weight {
			return bad("加分项的 cap（最多加分）不能超过其权重")
		}
	}
	b, _ := json.Marshal(p)
	return string(b), nil
}

// ValidateScheme checks a scheme input: name, year, roll-up rule, town
// share, thresholds and the district indicators, whose codes are unique and
// whose weights (bonus items aside) total 100 (±0.01).
func ValidateScheme(in SchemeInput) error {
	if n := len([]rune(strings.TrimSpace(in.Name))); n == 0 || n > 100 {
		return apperr.Invalid("name", "方案名称不能为空，最长 100 字")
	}
	if in.Year < 2000 || in.Year > 2100 {
		return apperr.Invalid("year", "年度无效")
	}
	if in.RollupRule != "" && !in.RollupRule.Valid() {
		return apperr.Invalid("rollupRule", "汇总规则无效，应为 MEAN、WEIGHTED_BY_SIZE 或 OWN_PLUS_CHILDREN")
	}
	if in.TownShare < 0 || in.TownShare > 0.5 || math.IsNaN(in.TownShare) {
		return apperr.Invalid("townShare", "乡镇自设指标权重比例须在 0 到 0.5 之间")
	}
	if err := validateThresholds(in.Thresholds); err != nil {
		return err
	}
	if len(in.Indicators) == 0 {
		return apperr.Invalid("indicators", "方案至少需要一项指标")
	}
	codes := map[string]bool{}
	sum := 0.0
	for _, ind := range in.Indicators {
		if _, err := ValidateIndicator(ind); err != nil {
			return err
		}
		if codes[ind.Code] {
			return apperr.Invalid("code", "指标编码重复："+ind.Code)
		}
		codes[ind.Code] = true
		if ind.Rule != RuleBonus {
			sum += ind.Weight
		}
	}
	if math.Abs(sum-100) > 0.01 {
		return apperr.Invalid("weight", fmt.Sprintf("区级指标权重合计须为 100（加分项除外），当前为 %s", num(sum)))
	}
	return nil
}

func validateThresholds(ts []float64) error {
	if len(ts) > 9 {
		return apperr.Invalid("thresholds", "星级分数线最多 9 档")
	}
	for i, t := range ts {
		if t <= 0 || t > 100 || (i > 0 && t >= ts[i-1]) {
			return apperr.Invalid("thresholds", "星级分数线须在 0 到 100 之间且从高到低排列")
		}
	}
	return nil
}

func formatThresholds(ts []float64) string {
	if len(ts) == 0 {
		ts = defaultThresholds
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = num(t)
	}
	return strings.Join(parts, ",")
}

// CreateScheme stores a new DRAFT version of the district's scheme for the
// year: version = the highest so far + 1. District admins only.
func (s *Service) CreateScheme(ctx context.Context, in SchemeInput) (*Scheme, error) {
	if len(in.Indicators) == 0 {
		in.Indicators = DefaultIndicators()
	}
	if in.RollupRule == "" {
		in.RollupRule = RollupMean
	}
	if err := ValidateScheme(in); err != nil {
		return nil, err
	}
	if err := s.authz.Check(ctx, authz.DistrictWrite, authz.Target{DistrictID: in.DistrictID}); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	scheme := &Scheme{
		DistrictID: in.DistrictID, Year: in.Year, Name: strings.TrimSpace(in.Name), Status: Draft,
		RollupRule: in.RollupRule, TownShare: in.TownShare, ThresholdsText: formatThresholds(in.Thresholds),
		CreatedAt: now,
	}
	if a, ok := actor.FromContext(ctx); ok {
		scheme.CreatedBy = &a.UserID
	}
	err := s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var maxVersion int
		err := tx.NewSelect().Model((*Scheme)(nil)).ColumnExpr("COALESCE(MAX(version), 0)").
			Where("district_id = ?", in.DistrictID).Where("year = ?", in.Year).Scan(ctx, &maxVersion)
		if err != nil {
			return fmt.Errorf("read scheme versions: %w", err)
		}
		scheme.Version = maxVersion + 1
		if _, err := tx.NewInsert().Model(scheme).Returning("id").Exec(ctx); err != nil {
			if db.IsUniqueViolation(err) {
				return apperr.New(apperr.Conflict, "其他人同时创建了该年度方案，请重试")
			}
			return fmt.Errorf("insert scheme: %w", err)
		}
		for i, ind := range in.Indicators {
			params, _ := ValidateIndicator(ind)
			row := &Indicator{
				SchemeID: scheme.ID, DistrictID: in.DistrictID, Code: ind.Code, Name: strings.TrimSpace(ind.Name),
				Weight: ind.Weight, Input: ind.Input, Rule: ind.Rule, ParamsText: params, SortOrder: i + 1, CreatedAt: now,
			}
			scheme.Indicators = append(scheme.Indicators, row)
		}
		if _, err := tx.NewInsert().Model(&scheme.Indicators).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("insert indicators: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{
			DistrictID: in.DistrictID, Action: "scoring.scheme_create", EntityType: "scoring_scheme",
			EntityID: scheme.ID, After: scheme,
		})
	})
	if err != nil {
		return nil, err
	}
	return scheme, nil
}

// PublishScheme publishes a DRAFT: it becomes the scheme of its year, and
// the previously published one is archived. A published scheme is never
// edited; changes are a new version.
func (s *Service) PublishScheme(ctx context.Context, id int64) (*Scheme, error) {
	var districtID int64
	err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		return idb.NewSelect().Model((*Scheme)(nil)).Column("district_id").Where("id = ?", id).Scan(ctx, &districtID)
	})
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read scheme: %w", err)
	}
	if err := s.authz.Check(ctx, authz.DistrictWrite, authz.Target{DistrictID: districtID}); err != nil {
		return nil, err
	}
	if actor.ScopeOf(ctx).TenantID != 0 {
		return nil, apperr.ErrForbidden
	}
	now := s.clock.Now().UTC()
	var scheme *Scheme
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		sc, err := loadScheme(ctx, tx, id)
		if err != nil {
			return err
		}
		if sc.Status != Draft {
			return apperr.New(apperr.Conflict, "只能发布草稿状态的方案；已发布的方案不可修改，请新建版本")
		}
		var archived []int64
		err = tx.NewUpdate().Model((*Scheme)(nil)).Set("status = ?", Archived).
			Where("district_id = ?", sc.DistrictID).Where("year = ?", sc.Year).Where("status = ?", Published).
			Returning("id").Scan(ctx, &archived)
		if err != nil && !db.IsNoRows(err) {
			return fmt.Errorf("archive previous scheme: %w", err)
		}
		if _, err := tx.NewUpdate().Model((*Scheme)(nil)).Set("status = ?", Published).Set("published_at = ?", now).
			Where("id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("publish scheme: %w", err)
		}
		before := *sc
		sc.Status, sc.PublishedAt = Published, &now
		scheme = sc
		return audit.Record(ctx, tx, audit.Change{
			DistrictID: sc.DistrictID, Action: "scoring.scheme_publish", EntityType: "scoring_scheme", EntityID: id,
			Before: map[string]any{"status": before.Status}, After: map[string]any{"status": Published, "archived": archived},
		})
	})
	if err != nil {
		return nil, err
	}
	return scheme, nil
}

// AddTownIndicator adds a local indicator of the acting town (党建办) to a
// draft or published scheme of its district, as long as the town's local
// weights stay within TownShare × 100. It counts in the periods that end
// after it was added, so closed periods keep their numbers.
func (s *Service) AddTownIndicator(ctx context.Context, schemeID int64, in IndicatorInput) (*Indicator, error) {
	params, err := ValidateIndicator(in)
	if err != nil {
		return nil, err
	}
	tenantID := actor.ScopeOf(ctx).TenantID
	if tenantID == 0 {
		return nil, apperr.ErrNoTenant
	}
	var rootPath string
	var districtID int64
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		if err := idb.NewSelect().Table("tenants").Column("district_id").Where("id = ?", tenantID).Scan(ctx, &districtID); err != nil {
			return err
		}
		return idb.NewSelect().Table("organizations").Column("path").
			Where("tenant_id = ?", tenantID).Where("parent_id IS NULL").Scan(ctx, &rootPath)
	})
	if err != nil {
		return nil, fmt.Errorf("read town: %w", err)
	}
	// 党建办 of the town: task.write on the town's root, as for town task settings.
	if err := s.authz.Check(ctx, authz.TaskWrite, authz.Target{TenantID: tenantID, OrgPath: rootPath}); err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	row := &Indicator{
		SchemeID: schemeID, DistrictID: districtID, TenantID: &tenantID, Code: in.Code, Name: strings.TrimSpace(in.Name),
		Weight: in.Weight, Input: in.Input, Rule: in.Rule, ParamsText: params, CreatedAt: now,
	}
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		sc, err := loadScheme(ctx, tx, schemeID)
		if err != nil {
			return err
		}
		if sc.DistrictID != districtID {
			return apperr.ErrNotFound
		}
		if sc.Status == Archived {
			return apperr.New(apperr.Conflict, "该方案已归档，不能再添加指标")
		}
		var existing []*Indicator
		if err := tx.NewSelect().Model(&existing).Where("scheme_id = ?", schemeID).
			Where("tenant_id IS NULL OR tenant_id = ?", tenantID).Scan(ctx); err != nil {
			return fmt.Errorf("read indicators: %w", err)
		}
		local := 0.0
		for _, e := range existing {
			if e.Code == in.Code {
				return apperr.Invalid("code", "指标编码重复："+in.Code)
			}
			if e.TenantID != nil && e.Rule != RuleBonus {
				local += e.Weight
			}
			if e.SortOrder >= row.SortOrder {
				row.SortOrder = e.SortOrder + 1
			}
		}
		if in.Rule != RuleBonus {
			local += in.Weight
		}
		if limit := sc.TownShare * 100; local > limit+0.01 {
			return apperr.Invalid("weight", fmt.Sprintf("本镇自设指标权重合计 %s，超过区里允许的 %s", num(local), num(limit)))
		}
		if _, err := tx.NewInsert().Model(row).Returning("id").Exec(ctx); err != nil {
			return fmt.Errorf("insert indicator: %w", err)
		}
		return audit.Record(ctx, tx, audit.Change{
			TenantID: tenantID, Action: "scoring.indicator_add", EntityType: "scoring_indicator", EntityID: row.ID, After: row,
		})
	})
	if err != nil {
		return nil, err
	}
	return row, nil
}

// loadScheme reads a scheme visible to the transaction's scope.
func loadScheme(ctx context.Context, idb bun.IDB, id int64) (*Scheme, error) {
	sc := new(Scheme)
	err := idb.NewSelect().Model(sc).Where("ss.id = ?", id).Scan(ctx)
	if db.IsNoRows(err) {
		return nil, apperr.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read scheme %d: %w", id, err)
	}
	return sc, nil
}

// readableDistrict checks that the actor may read the district's schemes:
// the system, its district users, and users of its towns.
func (s *Service) readableDistrict(ctx context.Context, districtID int64) error {
	sc := actor.ScopeOf(ctx)
	switch {
	case sc.System:
		return nil
	case sc.TenantID != 0:
		d, err := s.authz.DistrictOf(ctx, sc.TenantID)
		if err != nil {
			return err
		}
		if d != districtID {
			return apperr.ErrNotFound
		}
		return nil
	case sc.DistrictID == districtID:
		return s.authz.Check(ctx, authz.DistrictRead, authz.Target{DistrictID: districtID})
	}
	if _, err := actor.Require(ctx); err != nil {
		return err
	}
	return apperr.ErrNotFound
}

// withIndicators loads the indicators of schemes visible to the reader: the
// district's, and the local ones of the reader's town (all towns' for the
// district and the system).
func withIndicators(ctx context.Context, idb bun.IDB, schemes []*Scheme) error {
	if len(schemes) == 0 {
		return nil
	}
	ids := make([]int64, len(schemes))
	byID := map[int64]*Scheme{}
	for i, sc := range schemes {
		ids[i] = sc.ID
		byID[sc.ID] = sc
	}
	q := idb.NewSelect().Model((*Indicator)(nil)).Where("si.scheme_id IN (?)", bun.In(ids))
	if t := actor.ScopeOf(ctx).TenantID; t != 0 {
		q = q.Where("si.tenant_id IS NULL OR si.tenant_id = ?", t)
	}
	var rows []*Indicator
	if err := q.Scan(ctx, &rows); err != nil {
		return fmt.Errorf("read indicators: %w", err)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Local() != b.Local() {
			return !a.Local()
		}
		if a.SortOrder != b.SortOrder {
			return a.SortOrder < b.SortOrder
		}
		return a.ID < b.ID
	})
	for _, r := range rows {
		byID[r.SchemeID].Indicators = append(byID[r.SchemeID].Indicators, r)
	}
	return nil
}

// Schemes lists the district's schemes, newest year and version first, with
// their indicators.
func (s *Service) Schemes(ctx context.Context, districtID int64) ([]*Scheme, error) {
	if err := s.readableDistrict(ctx, districtID); err != nil {
		return nil, err
	}
	var out []*Scheme
	err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		if err := idb.NewSelect().Model(&out).Where("ss.district_id = ?", districtID).
			OrderExpr("ss.year DESC, ss.version DESC").Scan(ctx); err != nil {
			return fmt.Errorf("read schemes: %w", err)
		}
		return withIndicators(ctx, idb, out)
	})
	return out, err
}

// GetScheme returns one scheme with its indicators; NOT_FOUND outside the reader's district.
func (s *Service) GetScheme(ctx context.Context, id int64) (*Scheme, error) {
	var sc *Scheme
	err := s.db.Read(actor.System(ctx), func(sysCtx context.Context, idb bun.IDB) error {
		var err error
		sc, err = loadScheme(sysCtx, idb, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.readableDistrict(ctx, sc.DistrictID); err != nil {
		return nil, err
	}
	err = s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error { return withIndicators(ctx, idb, []*Scheme{sc}) })
	return sc, err
}

// ActiveScheme returns the published scheme of the district and year, or NOT_FOUND.
func (s *Service) ActiveScheme(ctx context.Context, districtID int64, year int) (*Scheme, error) {
	if err := s.readableDistrict(ctx, districtID); err != nil {
		return nil, err
	}
	sc := new(Scheme)
	err := s.db.Read(ctx, func(ctx context.Context, idb bun.IDB) error {
		err := idb.NewSelect().Model(sc).Where("ss.district_id = ?", districtID).Where("ss.year = ?", year).
			Where("ss.status = ?", Published).OrderExpr("ss.version DESC").Limit(1).Scan(ctx)
		if db.IsNoRows(err) {
			return apperr.New(apperr.NotFound, fmt.Sprintf("%d 年度尚未发布考核方案", year))
		}
		if err != nil {
			return fmt.Errorf("read active scheme: %w", err)
		}
		return withIndicators(ctx, idb, []*Scheme{sc})
	})
	if err != nil {
		return nil, err
	}
	return sc, nil
}
