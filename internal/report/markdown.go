package report

import (
	"fmt"
	"strings"
)

// townMarkdown renders a town summary as a Markdown document.
func townMarkdown(title string, r *TownReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	fmt.Fprintf(&b, "统计期间：%s（%s 至 %s）\n\n", r.PeriodLabel, r.From.Format("2006-01-02"), r.To.AddDate(0, 0, -1).Format("2006-01-02"))

	b.WriteString("## 一、规律性任务完成情况\n\n")
	if r.Tasks.Due == 0 {
		b.WriteString("本期没有到期的规律性任务。\n\n")
	} else {
		fmt.Fprintf(&b, "- 本期到期任务 %d 项，已完成 %d 项，完成率 %s\n", r.Tasks.Due, r.Tasks.Done, pct(r.Tasks.CompletionRate))
		fmt.Fprintf(&b, "- 按时完成 %d 项，按时率 %s\n", r.Tasks.OnTime, pct(r.Tasks.OnTimeRate))
		fmt.Fprintf(&b, "- 逾期未完成 %d 项\n\n", r.OverdueTotal)
	}

	b.WriteString("## 二、逾期未完成任务\n\n")
	if len(r.Overdue) == 0 {
		b.WriteString("无。\n\n")
	} else {
		b.WriteString("| 组织 | 任务 | 截止日期 |\n|---|---|---|\n")
		for _, o := range r.Overdue {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(o.OrgName), cell(o.Title), o.DueAt.Format("2006-01-02"))
		}
		if r.OverdueTotal > len(r.Overdue) {
			fmt.Fprintf(&b, "\n（仅列出前 %d 项，共 %d 项）\n", len(r.Overdue), r.OverdueTotal)
		}
		b.WriteString("\n")
	}

	b.WriteString("## 三、活动纪实\n\n")
	fmt.Fprintf(&b, "本期新增活动记录 %d 条，其中补录 %d 条。\n\n", r.Records.New, r.Records.Late)

	b.WriteString("## 四、评分变化\n\n")
	if r.Score == nil {
		b.WriteString("本期暂无评分。\n")
		return b.String()
	}
	fmt.Fprintf(&b, "本期全镇得分 %s", num(r.Score.Total))
	if r.Score.Delta != nil {
		fmt.Fprintf(&b, "，较上期（%s）%s", r.Score.PrevPeriod, signed(*r.Score.Delta))
	} else {
		b.WriteString("，上期暂无评分")
	}
	b.WriteString("。\n\n")
	movers := func(label string, ms []Mover) {
		if len(ms) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s：\n\n| 组织 | 得分 | 变化 |\n|---|---|---|\n", label)
		for _, m := range ms {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(m.OrgName), num(m.Total), signed(m.Delta))
		}
		b.WriteString("\n")
	}
	movers("进步最大", r.Score.Best)
	movers("退步最大", r.Score.Worst)
	return b.String()
}

// districtMarkdown renders a district summary comparing its towns.
func districtMarkdown(title string, r *DistrictReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	fmt.Fprintf(&b, "统计期间：%s\n\n", r.PeriodLabel)
	b.WriteString("## 一、全区规律性任务完成情况\n\n")
	fmt.Fprintf(&b, "本期到期任务 %d 项，已完成 %d 项，完成率 %s，按时率 %s。\n\n",
		r.Tasks.Due, r.Tasks.Done, pct(r.Tasks.CompletionRate), pct(r.Tasks.OnTimeRate))
	b.WriteString("## 二、各乡镇（街道）对比\n\n")
	if len(r.Towns) == 0 {
		b.WriteString("暂无乡镇数据。\n")
		return b.String()
	}
	b.WriteString("| 排名 | 乡镇 | 完成率 | 按时率 | 逾期 | 新增纪实 | 得分 | 较上期 |\n|---|---|---|---|---|---|---|---|\n")
	for _, t := range r.Towns {
		score, delta := "暂无评分", "—"
		if t.Score != nil {
			score = num(*t.Score)
		}
		if t.Delta != nil {
			delta = signed(*t.Delta)
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %d | %d | %s | %s |\n", t.Rank, cell(t.TownName),
			pct(t.Tasks.CompletionRate), pct(t.Tasks.OnTimeRate), t.OverdueTotal, t.Records, score, delta)
	}
	return b.String()
}

// inboxBody is the short text of the inbox notification of a town summary.
func inboxBody(r *TownReport) string {
	s := fmt.Sprintf("%s党建工作小结已生成：到期任务 %d 项，完成率 %s，逾期 %d 项，新增纪实 %d 条。",
		r.PeriodLabel, r.Tasks.Due, pct(r.Tasks.CompletionRate), r.OverdueTotal, r.Records.New)
	if r.Score != nil {
		s += "本期得分 " + num(r.Score.Total) + "。"
	}
	return s
}

// districtInboxBody is the inbox text of a district summary.
func districtInboxBody(r *DistrictReport) string {
	overdue := 0
	for _, t := range r.Towns {
		overdue += t.OverdueTotal
	}
	return fmt.Sprintf("%s全区党建工作小结已生成：%d 个乡镇，到期任务 %d 项，完成率 %s，按时率 %s，逾期 %d 项。",
		r.PeriodLabel, len(r.Towns), r.Tasks.Due, pct(r.Tasks.CompletionRate), pct(r.Tasks.OnTimeRate), overdue)
}

func pct(f float64) string { return num(f) + "%" }
func num(f float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", f), "0"), ".")
}
func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "｜"), "\n", " ") }
func signed(f float64) string {
	if f > 0 {
		return "+" + num(f)
	}
	return num(f)
}
