package main

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/jurisdictions"
	"github.com/chainfi/chainguard/shared/onboarding"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

func TestReviewRoutesAdmitOnlyTheirRoles(t *testing.T) {
	ctx := context.Background()
	d := pt.Deps(t)
	cfg := emulator.TestConfig(t)
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("staff reviews test")})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := envelope.New(kms.NewFromConfig(cfg), aws.ToString(key.KeyMetadata.Arn))
	if err != nil {
		t.Fatal(err)
	}
	jur, _ := jurisdictions.Load()
	srv := newServer(d, onboarding.New(onboarding.Config{Store: d.Store, Audit: d.Audit, Enc: enc, Jurisdictions: jur, Log: d.Log}))
	call := func(r pt.Request) (int, map[string]any) { return pt.Call(t, srv, r) }
	analyst, approver, auditor, admin := pt.Staff("a1", "analyst"), pt.Staff("p1", "approver"), pt.Staff("u1", "auditor"), pt.Staff("x1", "admin")
	for _, who := range []*pt.StaffCaller{analyst, approver, auditor} {
		if status, body := call(pt.Request{RouteKey: "GET /v1/staff/reviews", As: who}); status != 200 || body["items"] == nil {
			t.Errorf("list as %v: %d %v", who.Claims["cognito:groups"], status, body)
		}
	}
	if status, _ := call(pt.Request{RouteKey: "GET /v1/staff/reviews", As: admin}); status != 403 {
		t.Errorf("an admin reads the review queue: %d", status)
	}
	decision := `{"outcome":"clear","reasonCode":"false_positive","explanation":"different person entirely"}`
	if status, _ := call(pt.Request{RouteKey: "POST /v1/staff/reviews/{reviewId}/decision", Path: map[string]string{"reviewId": "rv_x"}, As: auditor, Body: decision}); status != 403 {
		t.Errorf("an auditor decides: %d", status)
	}
	if status, _ := call(pt.Request{RouteKey: "POST /v1/staff/reviews/{reviewId}/approval", Path: map[string]string{"reviewId": "rv_x"}, As: analyst, Body: `{"approve":true}`}); status != 403 {
		t.Errorf("an analyst approves: %d", status)
	}
	if status, body := call(pt.Request{RouteKey: "POST /v1/staff/reviews/{reviewId}/decision", Path: map[string]string{"reviewId": "rv_x"}, As: analyst, Body: decision}); status != 404 || pt.ErrorCode(body) != "review_not_found" {
		t.Errorf("an unknown review: %d %v", status, body)
	}
	if status, _ := call(pt.Request{RouteKey: "GET /v1/staff/reviews", Headers: pt.Bearer("cg_live_notastafftoken")}); status != 401 {
		t.Errorf("a client key on a staff route: %d", status)
	}
	if status, body := call(pt.Request{RouteKey: "GET /v1/staff/reviews", As: analyst, Query: map[string]string{"status": "everything"}}); status != 400 {
		t.Errorf("a bad status: %d %v", status, body)
	}
}
