package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	schedtypes "github.com/aws/aws-sdk-go-v2/service/scheduler/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// QueueSource is a queue that the runner polls to invoke a function: an SQS event source,
// or the relay queue standing in for an EventBridge rule's Lambda target.
type QueueSource struct {
	FunctionID string // logical id of the consumer
	Source     string // "<FunctionID>.<EventName>" or the rule's logical id
	Kind       string // "sqs" or "eventbridge"
	QueueURL   string
	QueueARN   string
	// SQS event sources only.
	BatchSize               int
	ReportBatchItemFailures bool
	// EventBridge relays only.
	RuleName string
	BusName  string
	Enabled  bool
}

// Schedule is a schedule whose target is one of our functions; the emulator stores it but
// never fires it, so the runner does.
type Schedule struct {
	Name       string // the schedule's (or scheduled rule's) name: what `fire` takes
	Source     string // "<FunctionID>.<EventName>" or the resource's logical id
	Kind       string // "scheduler" (EventBridge Scheduler) or "events" (scheduled rule)
	ARN        string
	Expression string // rate(...), cron(...) or at(...)
	Timezone   string
	FunctionID string
	Input      string // constant input; empty means the service's default event
	Enabled    bool
}

const (
	relayTargetID = "local-runner-relay"
	// A role ARN for targets that require one: the emulator does not check it.
	localRoleName = "chainguard-local-invoke"
)

func (p *provisioner) queue(ctx context.Context, id string, props map[string]any) (Physical, error) {
	name := p.name(props, "QueueName", id)
	if fifo, _ := props["FifoQueue"].(bool); fifo && !strings.HasSuffix(name, ".fifo") {
		name += ".fifo"
	}
	attrs := map[string]string{}
	for k, v := range props {
		switch k {
		case "QueueName", "Tags":
			continue
		case "RedrivePolicy", "RedriveAllowPolicy":
			if m, ok := v.(map[string]any); ok {
				b, err := json.Marshal(m)
				if err != nil {
					return Physical{}, err
				}
				attrs[k] = string(b)
				continue
			}
		}
		attrs[k] = scalar(v)
	}
	url, err := p.createQueue(ctx, name, attrs)
	if err != nil {
		return Physical{}, err
	}
	arn, err := p.queueARN(ctx, url)
	if err != nil {
		return Physical{}, err
	}
	return Physical{Ref: url, Attrs: map[string]string{"Arn": arn, "QueueName": name, "QueueUrl": url}}, nil
}

func (p *provisioner) createQueue(ctx context.Context, name string, attrs map[string]string) (string, error) {
	out, err := p.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err == nil {
		return aws.ToString(out.QueueUrl), nil
	}
	var exists *sqstypes.QueueNameExists
	if !asErr(err, &exists) {
		return "", err
	}
	// Same name, other attributes: a template change since the emulator last saw it.
	got, err := p.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return "", err
	}
	delete(attrs, "FifoQueue")
	if _, err := p.sqs.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: got.QueueUrl, Attributes: attrs}); err != nil {
		return "", err
	}
	return aws.ToString(got.QueueUrl), nil
}

func (p *provisioner) queueARN(ctx context.Context, url string) (string, error) {
	out, err := p.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", err
	}
	return out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], nil
}

// queueByARN finds the URL of a queue from its ARN (what event sources reference).
func (p *provisioner) queueByARN(ctx context.Context, arn string) (string, error) {
	url := ""
	p.update(func(d *Deployment) {
		for _, ph := range d.Resources {
			if ph.Type == "AWS::SQS::Queue" && ph.Attrs["Arn"] == arn {
				url = ph.Ref
			}
		}
	})
	if url != "" {
		return url, nil
	}
	name := arn[strings.LastIndex(arn, ":")+1:]
	out, err := p.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("queue %s: %w", arn, err)
	}
	return aws.ToString(out.QueueUrl), nil
}

// queuePolicy is accepted as is: the emulator does not enforce resource policies.
func (p *provisioner) queuePolicy(_ context.Context, id string, _ map[string]any) (Physical, error) {
	return Physical{Ref: p.d.StackName + "-" + id, Attrs: map[string]string{}}, nil
}

func (p *provisioner) eventBus(ctx context.Context, id string, props map[string]any) (Physical, error) {
	name := p.name(props, "Name", id)
	arn := p.arn("events", "event-bus/"+name)
	out, err := p.events.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(name)})
	var exists *ebtypes.ResourceAlreadyExistsException
	switch {
	case err == nil:
		arn = aws.ToString(out.EventBusArn)
	case !asErr(err, &exists):
		return Physical{}, err
	}
	return Physical{Ref: name, Attrs: map[string]string{"Arn": arn, "Name": name}}, nil
}

// ruleSpec is an EventBridge rule whichever way the template declares it (an
// AWS::Events::Rule, or a function's EventBridgeRule or Schedule event).
type ruleSpec struct {
	Name, Bus, Description, State string
	Pattern                       any // map or JSON string
	ScheduleExpression            string
}

func (p *provisioner) putRule(ctx context.Context, r ruleSpec) (string, error) {
	in := &eventbridge.PutRuleInput{Name: aws.String(r.Name), EventBusName: aws.String(r.Bus)}
	if r.Description != "" {
		in.Description = aws.String(r.Description)
	}
	if r.State != "" {
		in.State = ebtypes.RuleState(r.State)
	}
	if r.ScheduleExpression != "" {
		in.ScheduleExpression = aws.String(r.ScheduleExpression)
	}
	switch pat := r.Pattern.(type) {
	case nil:
	case string:
		in.EventPattern = aws.String(pat)
	default:
		b, err := json.Marshal(pat)
		if err != nil {
			return "", err
		}
		in.EventPattern = aws.String(string(b))
	}
	out, err := p.events.PutRule(ctx, in)
	if err != nil {
		return "", fmt.Errorf("put rule %s: %w", r.Name, err)
	}
	return aws.ToString(out.RuleArn), nil
}

// relay creates the SQS queue that stands in for a rule's Lambda target: the emulator
// evaluates the pattern and delivers matching events there, and the runner invokes the
// function with them.
func (p *provisioner) relay(ctx context.Context, rule ruleSpec, target ebtypes.Target, fn Function, source string) error {
	name := relayName(rule.Bus, rule.Name)
	url, err := p.createQueue(ctx, name, map[string]string{"VisibilityTimeout": fmt.Sprint(int(fn.Timeout.Seconds()) + 5)})
	if err != nil {
		return err
	}
	arn, err := p.queueARN(ctx, url)
	if err != nil {
		return err
	}
	target.Id = aws.String(relayTargetID)
	target.Arn = aws.String(arn)
	_, err = p.events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule.Name), EventBusName: aws.String(rule.Bus), Targets: []ebtypes.Target{target}})
	if err != nil {
		return fmt.Errorf("put relay target on %s: %w", rule.Name, err)
	}
	qs := QueueSource{
		FunctionID: fn.LogicalID, Source: source, Kind: "eventbridge", QueueURL: url, QueueARN: arn,
		BatchSize: 1, RuleName: rule.Name, BusName: rule.Bus, Enabled: rule.State != "DISABLED",
	}
	p.update(func(d *Deployment) { d.Queues = append(d.Queues, qs) })
	return nil
}

var unsafeQueueChars = regexp.MustCompile(`[^A-Za-z0-9_-]`)

func relayName(bus, rule string) string {
	name := unsafeQueueChars.ReplaceAllString("relay-"+bus+"-"+rule, "-")
	if len(name) > 80 {
		name = name[:80]
	}
	return name
}

func busName(v string) string {
	if v == "" {
		return "default"
	}
	if i := strings.Index(v, ":event-bus/"); i >= 0 {
		return v[i+len(":event-bus/"):]
	}
	return v
}

func (p *provisioner) eventRule(ctx context.Context, id string, props map[string]any) (Physical, error) {
	var rp struct {
		Name, EventBusName, Description, State, ScheduleExpression string
		EventPattern                                               any
		Targets                                                    []struct {
			Id, Arn, Input, InputPath, RoleArn string
		}
	}
	if err := remarshal(props, &rp); err != nil {
		return Physical{}, err
	}
	rule := ruleSpec{
		Name: p.name(props, "Name", id), Bus: busName(rp.EventBusName), Description: rp.Description,
		State: rp.State, Pattern: rp.EventPattern, ScheduleExpression: rp.ScheduleExpression,
	}
	arn, err := p.putRule(ctx, rule)
	if err != nil {
		return Physical{}, err
	}
	for _, t := range rp.Targets {
		target := ebtypes.Target{Id: aws.String(t.Id), Arn: aws.String(t.Arn)}
		if t.Input != "" {
			target.Input = aws.String(t.Input)
		}
		if t.InputPath != "" {
			target.InputPath = aws.String(t.InputPath)
		}
		fn, isOurs := p.functionByARN(t.Arn)
		switch {
		case isOurs && rule.ScheduleExpression != "":
			p.addSchedule(Schedule{
				Name: rule.Name, Source: id, Kind: "events", ARN: arn, Expression: rule.ScheduleExpression,
				FunctionID: fn.LogicalID, Input: t.Input, Enabled: rule.State != "DISABLED",
			})
		case isOurs:
			if err := p.relay(ctx, rule, target, fn, id); err != nil {
				return Physical{}, err
			}
		default:
			if t.RoleArn != "" {
				target.RoleArn = aws.String(t.RoleArn)
			}
			_, err := p.events.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule.Name), EventBusName: aws.String(rule.Bus), Targets: []ebtypes.Target{target}})
			if err != nil {
				return Physical{}, fmt.Errorf("put target %s: %w", t.Id, err)
			}
		}
	}
	ref := rule.Name
	if rule.Bus != "default" {
		ref = rule.Bus + "|" + rule.Name
	}
	return Physical{Ref: ref, Attrs: map[string]string{"Arn": arn}}, nil
}

// scheduleSpec is an EventBridge Scheduler schedule (AWS::Scheduler::Schedule or a
// function's ScheduleV2 event).
type scheduleSpec struct {
	Name                       string
	GroupName                  string
	Description                string
	ScheduleExpression         string
	ScheduleExpressionTimezone string
	State                      string
	FlexibleTimeWindow         struct {
		Mode                   string
		MaximumWindowInMinutes *int32
	}
	Target struct {
		Arn, RoleArn, Input string
		RetryPolicy         *struct{ MaximumRetryAttempts, MaximumEventAgeInSeconds *int32 }
		DeadLetterConfig    *struct{ Arn string }
	}
}

func (p *provisioner) createSchedule(ctx context.Context, s scheduleSpec) (string, error) {
	if s.GroupName == "" {
		s.GroupName = "default"
	}
	if s.FlexibleTimeWindow.Mode == "" {
		s.FlexibleTimeWindow.Mode = "OFF"
	}
	if s.Target.RoleArn == "" {
		s.Target.RoleArn = fmt.Sprintf("arn:aws:iam::%s:role/%s", p.d.Account, localRoleName)
	}
	target := &schedtypes.Target{Arn: aws.String(s.Target.Arn), RoleArn: aws.String(s.Target.RoleArn)}
	if s.Target.Input != "" {
		target.Input = aws.String(s.Target.Input)
	}
	if rp := s.Target.RetryPolicy; rp != nil {
		target.RetryPolicy = &schedtypes.RetryPolicy{MaximumRetryAttempts: rp.MaximumRetryAttempts, MaximumEventAgeInSeconds: rp.MaximumEventAgeInSeconds}
	}
	if dl := s.Target.DeadLetterConfig; dl != nil && dl.Arn != "" {
		target.DeadLetterConfig = &schedtypes.DeadLetterConfig{Arn: aws.String(dl.Arn)}
	}
	in := &scheduler.CreateScheduleInput{
		Name: aws.String(s.Name), GroupName: aws.String(s.GroupName),
		ScheduleExpression: aws.String(s.ScheduleExpression),
		FlexibleTimeWindow: &schedtypes.FlexibleTimeWindow{
			Mode: schedtypes.FlexibleTimeWindowMode(s.FlexibleTimeWindow.Mode), MaximumWindowInMinutes: s.FlexibleTimeWindow.MaximumWindowInMinutes,
		},
		Target: target,
		State:  schedtypes.ScheduleState(s.State),
	}
	if s.Description != "" {
		in.Description = aws.String(s.Description)
	}
	if s.ScheduleExpressionTimezone != "" {
		in.ScheduleExpressionTimezone = aws.String(s.ScheduleExpressionTimezone)
	}
	out, err := p.sched.CreateSchedule(ctx, in)
	if err == nil {
		return aws.ToString(out.ScheduleArn), nil
	}
	var conflict *schedtypes.ConflictException
	if !asErr(err, &conflict) {
		return "", fmt.Errorf("create schedule %s: %w", s.Name, err)
	}
	up := scheduler.UpdateScheduleInput(*in)
	upd, err := p.sched.UpdateSchedule(ctx, &up)
	if err != nil {
		return "", fmt.Errorf("update schedule %s: %w", s.Name, err)
	}
	return aws.ToString(upd.ScheduleArn), nil
}

func (p *provisioner) schedule(ctx context.Context, id string, props map[string]any) (Physical, error) {
	var s scheduleSpec
	if err := remarshal(props, &s); err != nil {
		return Physical{}, err
	}
	s.Name = p.name(props, "Name", id)
	arn, err := p.createSchedule(ctx, s)
	if err != nil {
		return Physical{}, err
	}
	if fn, ok := p.functionByARN(s.Target.Arn); ok {
		p.addSchedule(Schedule{
			Name: s.Name, Source: id, Kind: "scheduler", ARN: arn, Expression: s.ScheduleExpression,
			Timezone: s.ScheduleExpressionTimezone, FunctionID: fn.LogicalID, Input: s.Target.Input, Enabled: s.State != "DISABLED",
		})
	}
	return Physical{Ref: s.Name, Attrs: map[string]string{"Arn": arn}}, nil
}

// scheduleGroup creates a schedule group (the functions create schedules in it through
// the Scheduler API; the runner fires them).
func (p *provisioner) scheduleGroup(ctx context.Context, id string, props map[string]any) (Physical, error) {
	name := p.name(props, "Name", id)
	out, err := p.sched.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String(name)})
	var conflict *schedtypes.ConflictException
	arn := p.arn("scheduler", "schedule-group/"+name)
	switch {
	case errors.As(err, &conflict):
	case err != nil:
		return Physical{}, fmt.Errorf("create schedule group %s: %w", name, err)
	default:
		arn = aws.ToString(out.ScheduleGroupArn)
	}
	p.update(func(d *Deployment) { d.ScheduleGroups = append(d.ScheduleGroups, name) })
	return Physical{Ref: name, Attrs: map[string]string{"Arn": arn}}, nil
}

// role stands in for an IAM role: local runs enforce no IAM, but what references the
// role (a function's environment, a schedule's target) gets its ARN.
func (p *provisioner) role(_ context.Context, id string, props map[string]any) (Physical, error) {
	name := p.name(props, "RoleName", id)
	p.logf("note        %-28s role %s is not created: local runs enforce no IAM", id, name)
	return Physical{Ref: name, Attrs: map[string]string{"Arn": fmt.Sprintf("arn:aws:iam::%s:role/%s", p.d.Account, name)}}, nil
}

func (p *provisioner) addSchedule(s Schedule) {
	p.update(func(d *Deployment) { d.Schedules = append(d.Schedules, s) })
}
