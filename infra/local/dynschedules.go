package main

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"

	"github.com/chainfi/chainguard/infra/stack"
)

// scheduleWatchInterval is how often the runner looks for schedules the functions
// created, changed or deleted in the template's schedule groups.
const scheduleWatchInterval = 2 * time.Second

// dynamicSchedule is a schedule a function created at run time, with the timer that
// fires it.
type dynamicSchedule struct {
	s      stack.Schedule
	cancel context.CancelFunc
}

// watchScheduleGroups keeps the runner's schedules in step with the schedules functions
// create in the template's groups (a tenant's monitoring schedule): a new one is fired on
// its timer (with -schedules) and by name on demand, a changed one is re-armed, a deleted
// one stops. The emulator holds the schedules; nothing fires them but this.
func (rn *Runner) watchScheduleGroups(ctx context.Context) {
	if len(rn.dep.ScheduleGroups) == 0 {
		return
	}
	client := scheduler.NewFromConfig(rn.cfg)
	live := map[string]*dynamicSchedule{}
	tick := time.NewTicker(scheduleWatchInterval)
	defer tick.Stop()
	for {
		seen := map[string]bool{}
		for _, group := range rn.dep.ScheduleGroups {
			rn.syncGroup(ctx, client, group, live, seen)
		}
		for name, d := range live {
			if !seen[name] {
				d.cancel()
				delete(live, name)
				rn.setDynamic(name, nil)
				rn.con.printf("schedule %s deleted", name)
			}
		}
		select {
		case <-ctx.Done():
			for _, d := range live {
				d.cancel()
			}
			return
		case <-tick.C:
		}
	}
}

func (rn *Runner) syncGroup(ctx context.Context, client *scheduler.Client, group string, live map[string]*dynamicSchedule, seen map[string]bool) {
	p := scheduler.NewListSchedulesPaginator(client, &scheduler.ListSchedulesInput{GroupName: aws.String(group)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return // the emulator is stopping, or busy: next tick
		}
		for _, sum := range page.Schedules {
			name := aws.ToString(sum.Name)
			seen[name] = true
			got, err := client.GetSchedule(ctx, &scheduler.GetScheduleInput{Name: sum.Name, GroupName: aws.String(group)})
			if err != nil || got.Target == nil {
				continue
			}
			fn, ok := rn.dep.FunctionByARN(aws.ToString(got.Target.Arn))
			if !ok {
				continue
			}
			s := stack.Schedule{Name: name, Source: group + "/" + name, Kind: "scheduler", ARN: aws.ToString(got.Arn),
				Expression: aws.ToString(got.ScheduleExpression), Timezone: aws.ToString(got.ScheduleExpressionTimezone),
				FunctionID: fn.LogicalID, Input: aws.ToString(got.Target.Input), Enabled: got.State != schedtypes.ScheduleStateDisabled}
			if d, ok := live[name]; ok {
				if d.s == s {
					continue
				}
				d.cancel()
			}
			sctx, cancel := context.WithCancel(ctx)
			live[name] = &dynamicSchedule{s: s, cancel: cancel}
			rn.setDynamic(name, &s)
			rn.con.printf("schedule %s (%s) -> %s", name, s.Expression, s.FunctionID)
			if !rn.opts.Schedules || !s.Enabled {
				continue
			}
			expr, err := parseSchedule(s.Expression, time.Now(), scheduleLocation(s.Timezone))
			if err != nil {
				rn.con.printf("schedule %s: %v (fire it on demand)", name, err)
				continue
			}
			rn.wg.Add(1)
			go func() {
				defer rn.wg.Done()
				rn.runSchedule(sctx, s, expr)
			}()
		}
	}
}

// setDynamic adds, replaces (s) or removes (nil) a run-time schedule in the list the
// runner fires by name.
func (rn *Runner) setDynamic(name string, s *stack.Schedule) {
	rn.schedMu.Lock()
	defer rn.schedMu.Unlock()
	out := rn.schedules[:0:0]
	for _, x := range rn.schedules {
		if x.Name != name {
			out = append(out, x)
		}
	}
	if s != nil {
		out = append(out, *s)
	}
	rn.schedules = out
}

// schedulerInput substitutes the context attributes EventBridge Scheduler fills into a
// target's input.
func schedulerInput(input string, s stack.Schedule, at time.Time) string {
	if !strings.Contains(input, "<aws.scheduler.") {
		return input
	}
	return strings.NewReplacer(
		"<aws.scheduler.scheduled-time>", at.UTC().Truncate(time.Second).Format(time.RFC3339),
		"<aws.scheduler.schedule-arn>", s.ARN,
		"<aws.scheduler.execution-id>", newRequestID(),
		"<aws.scheduler.attempt-number>", "1",
	).Replace(input)
}
