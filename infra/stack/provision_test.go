package stack

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"

	"github.com/chainfi/chainguard/shared/emulator"
)

func TestRepoTemplateProvisionsIntoTheEmulator(t *testing.T) {
	tpl, err := LoadRepoTemplate()
	if err != nil {
		t.Fatal(err)
	}
	cfg := emulator.TestConfig(t)
	opt := Options{Params: map[string]string{"Stage": "local"}, Logf: t.Logf}
	d, err := Provision(context.Background(), cfg, tpl, opt)
	if err != nil {
		t.Fatal(err)
	}
	for id, res := range tpl.Resources {
		if _, ok := d.Resources[id]; !ok {
			t.Errorf("%s (%s) was not provisioned", id, res.Type)
		}
	}
	// The only thing the emulator cannot hold is the TLS-only bucket policy (plain HTTP).
	for _, sk := range d.Skipped {
		if !strings.Contains(sk, "aws:SecureTransport") {
			t.Errorf("skipped: %s", sk)
		}
	}
	me := d.Functions["MeFunction"]
	if me.Name != "chainguard-local-me" || me.Env["STAGE"] != "local" || me.Env["TABLE_NAME"] != "chainguard-local" {
		t.Errorf("MeFunction = %+v", me)
	}
	if arn := me.Env["KMS_KEY_ID"]; arn != d.Resources["DataKey"].Attrs["Arn"] || arn == "" {
		t.Errorf("KMS_KEY_ID = %q, want the key ARN", arn)
	}
	if me.Timeout.Seconds() != 10 || me.MemoryMB != 256 {
		t.Errorf("Globals not merged: timeout %v memory %d", me.Timeout, me.MemoryMB)
	}
	if d.Functions["AuditVerifyFunction"].Timeout.Seconds() != 300 {
		t.Errorf("function Timeout should override Globals")
	}
	httpEvents := 0
	for _, fn := range d.Functions {
		for _, ev := range fn.Events {
			if ev.Type == "HttpApi" {
				httpEvents++
			}
		}
	}
	if len(d.Routes) != httpEvents {
		t.Errorf("%d routes for %d HttpApi events", len(d.Routes), httpEvents)
	}
	for _, r := range d.Routes {
		if staff := strings.HasPrefix(r.Path, "/v1/staff/"); staff != (r.Authorizer == "StaffJwt") {
			t.Errorf("route %s has authorizer %q", r.Key(), r.Authorizer)
		}
	}
	auth := d.APIs["HttpApi"].Authorizers["StaffJwt"]
	pool := d.Resources["StaffUserPool"].Ref
	if auth.Issuer != "https://cognito-idp.us-east-1.amazonaws.com/"+pool || len(auth.Audience) != 1 || auth.Audience[0] != d.Resources["StaffUserPoolClient"].Ref {
		t.Errorf("authorizer = %+v", auth)
	}
	var audit *Schedule
	for i, s := range d.Schedules {
		if s.Name == "chainguard-local-audit-verify" {
			audit = &d.Schedules[i]
		}
	}
	if audit == nil || audit.Expression != "rate(1 day)" || audit.FunctionID != "AuditVerifyFunction" || audit.Kind != "scheduler" {
		t.Fatalf("schedules = %+v", d.Schedules)
	}
	got, err := scheduler.NewFromConfig(cfg).GetSchedule(context.Background(), &scheduler.GetScheduleInput{Name: aws.String("chainguard-local-audit-verify")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Target.Arn) != d.Functions["AuditVerifyFunction"].ARN {
		t.Errorf("schedule target = %s", aws.ToString(got.Target.Arn))
	}

	// A second run against the same emulator reuses what exists.
	again, err := Provision(context.Background(), cfg, tpl, opt)
	if err != nil {
		t.Fatalf("second provisioning: %v", err)
	}
	for _, id := range []string{"DataKey", "StaffUserPool", "StaffUserPoolClient", "SchedulerDLQ"} {
		if again.Resources[id].Ref != d.Resources[id].Ref {
			t.Errorf("%s: %s then %s", id, d.Resources[id].Ref, again.Resources[id].Ref)
		}
	}
}

func TestGlobalsMergeLikeSAM(t *testing.T) {
	got := mergeGlobals(
		map[string]any{"Timeout": 10, "Environment": map[string]any{"Variables": map[string]any{"A": "g", "B": "g"}}, "Layers": []any{"l1"}},
		map[string]any{"Timeout": 300, "Environment": map[string]any{"Variables": map[string]any{"B": "f"}}, "Layers": []any{"l2"}},
	).(map[string]any)
	vars := got["Environment"].(map[string]any)["Variables"].(map[string]any)
	if got["Timeout"] != 300 || vars["A"] != "g" || vars["B"] != "f" || len(got["Layers"].([]any)) != 2 {
		t.Fatalf("merged = %v", got)
	}
}

func TestUnknownTypesAreSkippedAndStillResolve(t *testing.T) {
	tpl, err := Parse([]byte(`
Resources:
  Thing:
    Type: AWS::Made::Up
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub skipped-${Thing}
      Tags:
        - Key: thing
          Value: !GetAtt Thing.Arn
`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Provision(context.Background(), emulator.TestConfig(t), tpl, Options{StackName: "skiptest"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Skipped) != 1 || !strings.Contains(d.Skipped[0], "AWS::Made::Up") {
		t.Errorf("skipped = %v", d.Skipped)
	}
	if got := d.Resources["Q"].Attrs["QueueName"]; got != "skipped-skiptest-Thing" {
		t.Errorf("queue name = %q", got)
	}
}
