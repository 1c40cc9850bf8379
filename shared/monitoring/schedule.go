package monitoring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/chainfi/chainguard/shared/store"
)

// SchedulerAPI is the part of the EventBridge Scheduler client the service uses.
type SchedulerAPI interface {
	CreateSchedule(ctx context.Context, in *scheduler.CreateScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.CreateScheduleOutput, error)
	UpdateSchedule(ctx context.Context, in *scheduler.UpdateScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.UpdateScheduleOutput, error)
	DeleteSchedule(ctx context.Context, in *scheduler.DeleteScheduleInput, optFns ...func(*scheduler.Options)) (*scheduler.DeleteScheduleOutput, error)
}

// ScheduleTarget is where tenant schedules send their runs: the planner function, the
// role the scheduler assumes to invoke it, and the dead-letter queue of runs it could not
// deliver (all declared in template.yaml).
type ScheduleTarget struct {
	Group     string // the schedule group
	TargetArn string // the planner function
	RoleArn   string
	DLQArn    string
}

// ScheduleName is the name of a tenant's schedule in the group.
func ScheduleName(t store.TenantID) string { return "monitoring-" + string(t) }

// Trigger is what starts a run: the scheduler's input, the list-version event, or a
// client's request.
type Trigger struct {
	Tenant string `json:"tenantId"`
	Kind   string `json:"trigger"` // schedule, list_version, manual
	// ListVersion and DeltaKey are set for list_version runs.
	ListVersion string `json:"listVersion,omitempty"`
	DeltaKey    string `json:"deltaKey,omitempty"`
	EntitiesKey string `json:"entitiesKey,omitempty"`
	// At identifies a scheduled occurrence (the scheduler's <aws.scheduler.scheduled-time>),
	// so that a redelivered invocation plans no second run.
	At string `json:"at,omitempty"`
}

// Trigger kinds.
const (
	TriggerSchedule    = "schedule"
	TriggerListVersion = "list_version"
	TriggerManual      = "manual"
)

// syncSchedule makes the tenant's schedule match c: present with c's expression when
// enabled, absent otherwise. Both calls are idempotent.
func (s *Service) syncSchedule(ctx context.Context, t store.TenantID, c Config) error {
	if s.Scheduler == nil {
		return nil // no scheduler configured (tests of the configuration alone)
	}
	name := ScheduleName(t)
	if !c.Enabled {
		_, err := s.Scheduler.DeleteSchedule(ctx, &scheduler.DeleteScheduleInput{Name: aws.String(name), GroupName: aws.String(s.Target.Group)})
		var nf *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			return fmt.Errorf("monitoring: delete schedule: %w", err)
		}
		return nil
	}
	input, _ := json.Marshal(Trigger{Tenant: string(t), Kind: TriggerSchedule, At: "<aws.scheduler.scheduled-time>"})
	target := &types.Target{
		Arn: aws.String(s.Target.TargetArn), RoleArn: aws.String(s.Target.RoleArn), Input: aws.String(string(input)),
		RetryPolicy: &types.RetryPolicy{MaximumRetryAttempts: aws.Int32(3), MaximumEventAgeInSeconds: aws.Int32(3600)},
	}
	if s.Target.DLQArn != "" {
		target.DeadLetterConfig = &types.DeadLetterConfig{Arn: aws.String(s.Target.DLQArn)}
	}
	window := &types.FlexibleTimeWindow{Mode: types.FlexibleTimeWindowModeFlexible, MaximumWindowInMinutes: aws.Int32(15)}
	desc := aws.String("Ongoing monitoring of tenant " + string(t))
	_, err := s.Scheduler.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
		Name: aws.String(name), GroupName: aws.String(s.Target.Group), ScheduleExpression: aws.String(c.ScheduleExpression),
		FlexibleTimeWindow: window, Target: target, State: types.ScheduleStateEnabled, Description: desc,
	})
	var conflict *types.ConflictException
	for attempt := 0; errors.As(err, &conflict) && attempt < 3; attempt++ {
		_, err = s.Scheduler.UpdateSchedule(ctx, &scheduler.UpdateScheduleInput{
			Name: aws.String(name), GroupName: aws.String(s.Target.Group), ScheduleExpression: aws.String(c.ScheduleExpression),
			FlexibleTimeWindow: window, Target: target, State: types.ScheduleStateEnabled, Description: desc,
		})
		var gone *types.ResourceNotFoundException
		if errors.As(err, &gone) {
			// Deleted by a concurrent request switching monitoring off: create it again
			// (the configuration read after the sync decides which request is last).
			_, err = s.Scheduler.CreateSchedule(ctx, &scheduler.CreateScheduleInput{
				Name: aws.String(name), GroupName: aws.String(s.Target.Group), ScheduleExpression: aws.String(c.ScheduleExpression),
				FlexibleTimeWindow: window, Target: target, State: types.ScheduleStateEnabled, Description: desc,
			})
		}
	}
	if err != nil {
		return fmt.Errorf("monitoring: put schedule: %w", err)
	}
	return nil
}
