package remind

import (
	"fmt"
	"strings"
	"time"
)

// Message is the text of one reminder, in Chinese, naming the org, the task,
// the due date (tenant time) and linking to the task.
type Message struct {
	Title string
	Body  string
	// Link is the task's path in the web app ("/tasks/42"); URL is the same
	// made absolute with the configured base URL, for push channels.
	Link string
	URL  string
	// Facts the push formats carry.
	Tenant     string
	Org        string
	Task       string
	DueAt      time.Time
	Kind       Kind
	InstanceID int64
	Recipient  string
}

// messageInput is what a message is made of.
type messageInput struct {
	Kind       Kind
	Tenant     string
	Org        string
	Task       string
	InstanceID int64
	DueAt      time.Time
	Now        time.Time
	Loc        *time.Location
	BaseURL    string
	Recipient  string
}

// FormatDate writes a date the Chinese way: 2026年11月30日.
func FormatDate(t time.Time, loc *time.Location) string {
	lt := t.In(loc)
	return fmt.Sprintf("%d年%d月%d日", lt.Year(), int(lt.Month()), lt.Day())
}

// TaskLink returns the web app path of a task instance.
func TaskLink(instanceID int64) string { return fmt.Sprintf("/tasks/%d", instanceID) }

// compose writes the message. The day count is taken at the time of sending,
// so a push that waited for the end of quiet hours still says the truth.
func compose(in messageInput) Message {
	left := DaysLeft(in.DueAt, in.Now, in.Loc)
	due := FormatDate(DueDay(in.DueAt, in.Loc), in.Loc)
	subject := in.Org + "：" + in.Task
	var title, state string
	switch {
	case left > 0:
		title = fmt.Sprintf("【提醒】%s 将于 %d 天后到期", subject, left)
		state = fmt.Sprintf("将于 %s 到期（还剩 %d 天）", due, left)
	case left == 0:
		title = fmt.Sprintf("【提醒】%s 今天到期", subject)
		state = fmt.Sprintf("今天（%s）到期", due)
	default:
		title = fmt.Sprintf("【逾期】%s 已逾期 %d 天", subject, -left)
		state = fmt.Sprintf("已于 %s 到期，现已逾期 %d 天", due, -left)
	}
	var body string
	if in.Kind == KindEscalation {
		title = fmt.Sprintf("【督办】%s 已逾期 %d 天（上级督办）", subject, -left)
		body = fmt.Sprintf("%s的“%s”%s，仍未完成。请上级党组织和党建办督促落实。", in.Org, in.Task, state)
	} else if left >= 0 {
		body = fmt.Sprintf("%s的“%s”%s，请按时开展并及时录入纪实材料。", in.Org, in.Task, state)
	} else {
		body = fmt.Sprintf("%s的“%s”%s，请尽快完成并录入纪实材料。", in.Org, in.Task, state)
	}
	link := TaskLink(in.InstanceID)
	return Message{
		Title: title, Body: body, Link: link,
		URL:    strings.TrimRight(in.BaseURL, "/") + link,
		Tenant: in.Tenant, Org: in.Org, Task: in.Task, DueAt: in.DueAt, Kind: in.Kind,
		InstanceID: in.InstanceID, Recipient: in.Recipient,
	}
}

// markdown is the message as Markdown for the robot formats.
func (m Message) markdown(loc *time.Location) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n%s\n\n", m.Title, m.Body)
	fmt.Fprintf(&b, "- 乡镇：%s\n- 党组织：%s\n- 任务：%s\n- 截止日期：%s\n", m.Tenant, m.Org, m.Task, FormatDate(DueDay(m.DueAt, loc), loc))
	if m.Recipient != "" {
		fmt.Fprintf(&b, "- 提醒对象：%s\n", m.Recipient)
	}
	fmt.Fprintf(&b, "\n[查看任务](%s)", m.URL)
	return b.String()
}

// emailBody is the plain-text e-mail.
func (m Message) emailBody(loc *time.Location) string {
	return fmt.Sprintf("%s\n\n党组织：%s\n任务：%s\n截止日期：%s\n\n查看任务：%s\n\n（本邮件由基层党建工作平台自动发送，请勿直接回复。）\n",
		m.Body, m.Org, m.Task, FormatDate(DueDay(m.DueAt, loc), loc), m.URL)
}
