package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"dangjian/internal/affairs"
	"dangjian/internal/org"
	"dangjian/internal/pagination"
	"dangjian/internal/tenancy"
)

// townSeed is what the loader created in one town.
type townSeed struct {
	town     *tenancy.Town
	root     *org.Organization
	branches []*org.Organization
	// people by branch id: the first one is the secretary.
	people map[int64][]int64
}

// loadAffairs gives the demo a lived-in month: the current periods' tasks of
// every organisation, last month's mostly done and a few left overdue, some
// of this month's done or returned, and a deployment from 红旗镇's office to
// its branches due in two days. The branch of towna.branch keeps this month's
// meetings open, for the newcomer to record one.
func loadAffairs(ctx context.Context, s Services, towns []*townSeed, keepOpen int64, now time.Time) error {
	for _, t := range towns {
		loc := affairs.Location(t.town.Timezone)
		lastMonth := affairs.PeriodAt(affairs.Monthly, now, loc).Prev()
		if _, err := s.Affairs.GenerateInstances(ctx, t.town.ID, lastMonth.Start.Add(12*time.Hour)); err != nil {
			return fmt.Errorf("generate last month: %w", err)
		}
		if _, err := s.Affairs.GenerateInstances(ctx, t.town.ID, now); err != nil {
			return fmt.Errorf("generate this month: %w", err)
		}
		for bi, b := range t.branches {
			if b.ID == keepOpen {
				continue
			}
			// Last month: two branches in three did their work (late, as a
			// 补录), the third is left overdue.
			if bi%3 != 2 {
				day := lastMonth.Start.AddDate(0, 0, 19).Add(19 * time.Hour)
				if err := completeOpen(ctx, s, t, b, lastMonth.Key, day, affairs.Accept); err != nil {
					return err
				}
			}
			// This month in 红旗镇: some done, one returned for more detail.
			if t.root.TenantID == towns[0].root.TenantID || bi == 0 {
				decision := affairs.Accept
				if bi == 3 {
					decision = affairs.Return
				}
				if bi%2 == 0 || bi == 3 {
					key := affairs.PeriodAt(affairs.Monthly, now, loc).Key
					if err := completeOpen(ctx, s, t, b, key, now.Add(-26*time.Hour), decision); err != nil {
						return err
					}
				}
			}
		}
	}
	a := towns[0]
	loc := affairs.Location(a.town.Timezone)
	y, m, d := now.In(loc).AddDate(0, 0, 2).Date()
	if _, err := s.Affairs.CreateDeployment(ctx, affairs.DeploymentInput{
		IssuerOrgID:  a.root.ID,
		Title:        "开展“党员进社区”志愿服务活动",
		Content:      "各党支部组织党员到所在社区开展一次志愿服务（环境整治、关爱老人等），上传活动照片并填写参加人员。",
		Deadline:     time.Date(y, m, d, 18, 0, 0, 0, loc),
		TargetRootID: a.root.ID,
		TargetKinds:  affairs.BranchKinds(),
	}); err != nil {
		return fmt.Errorf("demo deployment: %w", err)
	}
	_, err := s.Affairs.MarkOverdue(ctx, now)
	return err
}

// completeOpen records one meeting for each open meeting task of branch b in
// period key and reviews it with decision.
func completeOpen(ctx context.Context, s Services, t *townSeed, b *org.Organization, key string, at time.Time, decision affairs.Decision) error {
	orgID := b.ID
	first := 20
	page, err := s.Affairs.ListInstances(ctx, affairs.InstanceFilter{OrgID: &orgID, Period: key}, pagination.Request{First: &first})
	if err != nil {
		return fmt.Errorf("list demo tasks: %w", err)
	}
	members := t.people[b.ID]
	if len(members) < 2 {
		return nil
	}
	for _, inst := range page.Items {
		if inst.Status == affairs.Done || inst.Status == affairs.Submitted || inst.DeploymentID != nil {
			continue
		}
		photo, err := s.Affairs.UploadAttachment(ctx, b.ID, "会场照片.png", "image/png", bytes.NewReader(demoPhoto()))
		if err != nil {
			return fmt.Errorf("demo photo: %w", err)
		}
		host := members[0]
		rec, err := s.Affairs.CreateRecord(ctx, affairs.RecordInput{
			TaskInstanceIDs: []int64{inst.ID},
			Title:           inst.Title,
			StartAt:         at,
			EndAt:           at.Add(90 * time.Minute),
			Place:           b.Name + "活动室",
			HostID:          &host,
			AttendeeIDs:     members[:len(members)-1],
			Absentees:       []affairs.Absentee{{PersonID: members[len(members)-1], Reason: "外出务工，已请假"}},
			Content:         "传达学习上级会议精神，研究部署本支部近期工作。",
			Minutes:         "一、学习有关文件精神；二、通报上月工作完成情况；三、讨论本月重点工作并明确分工。",
			AttachmentIDs:   []int64{photo.ID},
		})
		if err != nil {
			return fmt.Errorf("demo record for %q: %w", inst.Title, err)
		}
		_ = rec
		comment := ""
		if decision == affairs.Return {
			comment = "会议记录过于简略，请补充讨论的具体内容和表决情况后重新提交。"
		}
		if _, err := s.Affairs.ReviewInstance(ctx, inst.ID, decision, comment); err != nil {
			return fmt.Errorf("demo review of %q: %w", inst.Title, err)
		}
	}
	return nil
}

// demoPhoto is a small red PNG standing in for a photo of the meeting.
func demoPhoto() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := 0; x < 64; x++ {
		for y := 0; y < 48; y++ {
			img.Set(x, y, color.RGBA{R: 200, G: uint8(20 + y), B: 30, A: 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
