package remind

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultWebhookTimeout bounds one webhook call: a hanging endpoint costs a
// worker at most this long per attempt.
const DefaultWebhookTimeout = 5 * time.Second

// genericPayload is the GENERIC webhook body.
type genericPayload struct {
	Event  string `json:"event"`
	Tenant string `json:"tenant"`
	Org    string `json:"org"`
	Task   string `json:"task"`
	DueAt  string `json:"dueAt"`
	Kind   Kind   `json:"kind"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	Link   string `json:"link"`
}

// WebhookPayload returns the JSON body for format f.
func WebhookPayload(f Format, m Message, loc *time.Location) ([]byte, error) {
	var v any
	switch f {
	case FormatDingTalk:
		v = map[string]any{
			"msgtype":  "markdown",
			"markdown": map[string]string{"title": m.Title, "text": m.markdown(loc)},
		}
	case FormatWeCom:
		v = map[string]any{
			"msgtype":  "markdown",
			"markdown": map[string]string{"content": m.markdown(loc)},
		}
	default:
		v = genericPayload{
			Event: "task.reminder", Tenant: m.Tenant, Org: m.Org, Task: m.Task,
			DueAt: m.DueAt.UTC().Format(time.RFC3339), Kind: m.Kind,
			Title: m.Title, Body: m.Body, Link: m.URL,
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal webhook payload: %w", err)
	}
	return b, nil
}

// DingTalkSign returns the signature of a DingTalk robot call:
// base64(HmacSHA256(key = secret, message = timestamp + "\n" + secret)),
// timestamp in milliseconds. The caller URL-encodes it.
func DingTalkSign(secret string, timestampMillis int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestampMillis, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignedDingTalkURL appends &timestamp=…&sign=… to a robot URL.
func SignedDingTalkURL(raw, secret string, now time.Time) string {
	ts := now.UnixMilli()
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	return raw + sep + "timestamp=" + strconv.FormatInt(ts, 10) + "&sign=" + url.QueryEscape(DingTalkSign(secret, ts))
}

// robotReply is what DingTalk and WeCom robots answer: HTTP 200 with an
// error code in the body when the call was refused (bad signature, rate limit).
type robotReply struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// postWebhook sends the message to the endpoint within timeout.
func postWebhook(ctx context.Context, client *http.Client, timeout time.Duration, w *Webhook, m Message, loc *time.Location, now time.Time) error {
	body, err := WebhookPayload(w.Format, m, loc)
	if err != nil {
		return err
	}
	target := w.URL
	if w.Format == FormatDingTalk && w.Secret != "" {
		target = SignedDingTalkURL(w.URL, w.Secret, now)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "dangjian-remind/1")
	resp, err := client.Do(req)
	if err != nil {
		// The URL may carry an access token: report the host only.
		return fmt.Errorf("webhook %s: %w", hostOf(w.URL), unwrapURLError(err))
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s: HTTP %d", hostOf(w.URL), resp.StatusCode)
	}
	if w.Format == FormatDingTalk || w.Format == FormatWeCom {
		var r robotReply
		if json.Unmarshal(reply, &r) == nil && r.ErrCode != nil && *r.ErrCode != 0 {
			return fmt.Errorf("webhook %s: errcode %d %s", hostOf(w.URL), *r.ErrCode, r.ErrMsg)
		}
	}
	return nil
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "endpoint"
}

// unwrapURLError drops the *url.Error wrapper, whose text quotes the full URL.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		if ue.Timeout() {
			return fmt.Errorf("timeout: %w", ue.Err)
		}
		return ue.Err
	}
	return err
}
