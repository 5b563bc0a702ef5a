package affairs

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"dangjian/internal/actor"
	"dangjian/internal/apperr"
	"dangjian/internal/audit"
	"dangjian/internal/authz"
)

// MaxReviewCommentLen is the longest review comment, in characters.
const MaxReviewCommentLen = 500

// Decision is what a reviewer decides about a submitted task.
type Decision string

// Decisions.
const (
	Accept Decision = "ACCEPT" // 通过
	Return Decision = "RETURN" // 退回
)

// Valid reports whether d is a known decision.
func (d Decision) Valid() bool { return d == Accept || d == Return }

// ReviewAction is one step of a task's history.
type ReviewAction string

// Review actions.
const (
	ReviewSubmit ReviewAction = "SUBMIT" // 提交（附纪实）
	ReviewAccept ReviewAction = "ACCEPT" // 审核通过
	ReviewReturn ReviewAction = "RETURN" // 退回修改
)

// ReviewEvent is one step in the history of a task instance: a submission
// with its record, an acceptance, or a return with the reviewer's comment.
type ReviewEvent struct {
	bun.BaseModel `bun:"table:task_reviews,alias:tr" json:"-"`

	ID         int64        `bun:"id,pk,autoincrement" json:"id"`
	TenantID   int64        `bun:"tenant_id" json:"tenantId"`
	InstanceID int64        `bun:"instance_id" json:"instanceId"`
	Action     ReviewAction `bun:"action" json:"action"`
	Comment    string       `bun:"comment" json:"comment"`
	// RecordID is the record submitted, or reviewed.
	RecordID *int64 `bun:"record_id" json:"recordId,omitempty"`
	// ActorUserID is nil for actions of the system.
	ActorUserID *int64    `bun:"actor_user_id" json:"actorUserId,omitempty"`
	CreatedAt   time.Time `bun:"created_at" json:"createdAt"`
}

// ReviewInstance accepts or returns a submitted task instance. The reviewer
// is the upper level: task.review on the parent of the instance's
// organisation, so a branch secretary cannot pass his own branch's task. The
// tasks of a town's root committee, which has no parent in the town, are
// reviewed with task.review on the root itself (the town office).
//
// ACCEPT makes the instance DONE; RETURN (with a comment, 退回意见) makes it
// RETURNED, and the branch resubmits it with a new record (CreateRecord).
func (s *Service) ReviewInstance(ctx context.Context, instanceID int64, decision Decision, comment string) (*Instance, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	comment = strings.TrimSpace(comment)
	switch {
	case !decision.Valid():
		return nil, apperr.Invalid("decision", "审核结果无效，只能是通过或退回")
	case decision == Return && comment == "":
		return nil, apperr.Invalid("comment", "退回时请填写意见")
	case utf8.RuneCountInString(comment) > MaxReviewCommentLen:
		return nil, apperr.Invalid("comment", fmt.Sprintf("审核意见不能超过 %d 个字", MaxReviewCommentLen))
	}
	var out *Instance
	err = s.db.RunInTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		inst, err := s.visibleInstance(ctx, tx, instanceID)
		if err != nil {
			return err
		}
		if err := s.checkReview(ctx, inst); err != nil {
			return err
		}
		if inst.Status != Submitted {
			return apperr.New(apperr.Conflict, "只能审核已提交、待审核的任务")
		}
		now := s.utcNow()
		after := inst.Instance
		after.UpdatedAt = now
		action := ReviewReturn
		if decision == Accept {
			action = ReviewAccept
			after.Status, after.CompletedAt = Done, &now
		} else {
			after.Status = Returned
		}
		res, err := tx.NewUpdate().Model((*Instance)(nil)).
			Set("status = ?", after.Status).
			Set("completed_at = ?", after.CompletedAt).
			Set("updated_at = ?", now).
			Where("id = ?", inst.ID).
			Where("tenant_id = ?", inst.TenantID).
			Where("status = ?", Submitted).
			Exec(ctx)
		if err != nil {
			return fmt.Errorf("review task instance: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "该任务刚刚已被审核，请刷新后查看")
		}
		recordID, err := lastSubmittedRecord(ctx, tx, inst.TenantID, inst.ID)
		if err != nil {
			return err
		}
		ev := &ReviewEvent{TenantID: inst.TenantID, InstanceID: inst.ID, Action: action, Comment: comment,
			RecordID: recordID, ActorUserID: actorUserID(ctx), CreatedAt: now}
		if _, err := tx.NewInsert().Model(ev).Exec(ctx); err != nil {
			return fmt.Errorf("insert review history: %w", err)
		}
		out = &after
		return audit.Record(ctx, tx, audit.Change{
			TenantID: inst.TenantID, Action: "task_instance." + strings.ToLower(string(action)),
			EntityType: "task_instance", EntityID: inst.ID, Before: &inst.Instance,
			After: map[string]any{"instance": &after, "comment": comment},
		})
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, out.TenantID)
	return out, nil
}

// checkReview returns FORBIDDEN unless the caller may review inst: task.review
// on the parent of its organisation (on the organisation itself for a root).
func (s *Service) checkReview(ctx context.Context, inst *pathedInstance) error {
	if !actor.ScopeOf(ctx).CanWriteTenant(inst.TenantID) {
		return apperr.ErrForbidden
	}
	path := reviewerPath(inst.OrgPath)
	return s.authz.Check(ctx, authz.TaskReview, authz.Target{TenantID: inst.TenantID, OrgPath: path})
}

// reviewerPath is the org path a reviewer of the organisation at path needs
// task.review on: its parent's, or its own for a root.
func reviewerPath(path string) string {
	p := strings.TrimSuffix(path, "/")
	i := strings.LastIndex(p, "/")
	if i <= 0 {
		return path
	}
	return p[:i+1]
}

// lastSubmittedRecord is the record of an instance's latest submission, if any.
func lastSubmittedRecord(ctx context.Context, tx bun.IDB, tenantID, instanceID int64) (*int64, error) {
	var ids []int64
	if err := tx.NewSelect().Model((*ReviewEvent)(nil)).Column("record_id").
		Where("tr.tenant_id = ?", tenantID).Where("tr.instance_id = ?", instanceID).
		Where("tr.action = ?", ReviewSubmit).Where("tr.record_id IS NOT NULL").
		OrderExpr("tr.id DESC").Limit(1).Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("read last submission: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return &ids[0], nil
}

// InstanceHistory returns the history of a task instance, oldest first:
// every submission, acceptance and return, with comments and records.
func (s *Service) InstanceHistory(ctx context.Context, instanceID int64) ([]*ReviewEvent, error) {
	ctx, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	var out []*ReviewEvent
	err = s.db.Read(ctx, func(ctx context.Context, tx bun.IDB) error {
		inst, err := s.visibleInstance(ctx, tx, instanceID)
		if err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&out).
			Where("tr.tenant_id = ?", inst.TenantID).Where("tr.instance_id = ?", inst.ID).
			OrderExpr("tr.id").Scan(ctx); err != nil {
			return fmt.Errorf("read task history: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
