package monitoring_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/jurisdictions"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/lists/liststest"
	"github.com/chainfi/chainguard/shared/monitoring"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// vendor is an identity vendor in memory that approves everyone with the identity set
// for their user.
type vendor struct {
	mu    sync.Mutex
	ids   map[string]onboarding.Identity // by applicant
	n     int
	byApp map[string]string
}

func (v *vendor) Start(_ context.Context, in onboarding.StartInput) (onboarding.StartOutput, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.n++
	id := fmt.Sprintf("app%05d", v.n)
	return onboarding.StartOutput{ApplicantID: id, Session: map[string]string{"applicantId": id}}, nil
}

func (v *vendor) Applicant(_ context.Context, id string) (onboarding.VendorApplicant, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	ident, ok := v.ids[id]
	if !ok {
		return onboarding.VendorApplicant{}, errors.New("no such applicant")
	}
	return onboarding.VendorApplicant{Outcome: onboarding.OutcomeApproved, ReviewStatus: "completed", Answer: "GREEN", Identity: ident}, nil
}

type nopQueue struct{}

func (nopQueue) Enqueue(context.Context, onboarding.VendorEvent) error { return nil }

type env struct {
	cfg      aws.Config
	st       *store.Store
	src      *liststest.Sources
	pub      *lists.Publisher
	onb      *onboarding.Service
	vendor   *vendor
	al       *alerts.Service
	svc      *monitoring.Service
	sqs      *sqs.Client
	queueURL string
	tenant   store.TenantID
	calls    *emulator.Calls // every client's AWS calls
}

const group = "chainguard-test-monitoring"

func setup(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	calls := &emulator.Calls{}
	cfg := emulator.TestConfig(t).Copy()
	cfg.APIOptions = append(cfg.APIOptions, calls.Middleware)
	table := stack.TestTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	st := store.New(db, table, store.WithCursorSecret(secret))
	log := audit.New(db, table)
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("monitoring test")})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := envelope.New(kms.NewFromConfig(cfg), aws.ToString(key.KeyMetadata.Arn))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{cfg: cfg, st: st, calls: calls, src: liststest.MiniSources(t), tenant: store.TenantID("t-mon" + strings.ToLower(store.NewID()[20:]))}
	bucket := liststest.Bucket(t, cfg)
	sources, err := e.src.URLs.Sources()
	if err != nil {
		t.Fatal(err)
	}
	s3c := lists.NewS3Client(cfg)
	e.pub = &lists.Publisher{Store: st, DB: db, Audit: log, S3: s3c, Bucket: bucket, KMSKeyID: liststest.KMSKey(t, cfg), Sources: sources}
	if _, err := e.pub.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	loader := lists.NewLoader(st, s3c, bucket, lists.WithReloadInterval(0))
	jur, err := jurisdictions.Load()
	if err != nil {
		t.Fatal(err)
	}
	e.vendor = &vendor{ids: map[string]onboarding.Identity{}}
	e.onb = onboarding.New(onboarding.Config{Store: st, Audit: log, Enc: enc, Jurisdictions: jur,
		Vendors:  map[string]onboarding.Vendor{onboarding.VendorSumsub: e.vendor},
		Screener: lists.NewScreener(st, log, enc, loader), Queue: nopQueue{}})
	e.al = alerts.New(alerts.Config{Store: st, Audit: log, Enc: enc})
	e.sqs = sqs.NewFromConfig(cfg)
	q, err := e.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("mon-" + strings.ToLower(store.NewID()))})
	if err != nil {
		t.Fatal(err)
	}
	e.queueURL = aws.ToString(q.QueueUrl)
	sched := scheduler.NewFromConfig(cfg)
	if _, err := sched.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String(group)}); err != nil && !strings.Contains(err.Error(), "Conflict") {
		t.Fatal(err)
	}
	e.svc = &monitoring.Service{Store: st, DB: db, Audit: log, Scheduler: sched,
		Target: monitoring.ScheduleTarget{Group: group, TargetArn: "arn:aws:lambda:us-east-1:123456789012:function:planner",
			RoleArn: "arn:aws:iam::123456789012:role/scheduler"},
		Queue: e.sqs, QueueURL: e.queueURL, Users: e.onb, Lists: loader, Objects: s3c, Bucket: bucket, Alerts: e.al, BatchSize: 7,
		Snapshots: s3c, SnapshotBucket: liststest.Bucket(t, cfg), Enc: enc}
	return e
}

var client = audit.Actor{Type: "client", ID: "key1"}

// activeUser onboards a user through the real flow: consent, KYC, the vendor's approval
// with ident, and the initial screening.
func (e *env) activeUser(t *testing.T, ref string, ident onboarding.Identity) string {
	t.Helper()
	ctx := context.Background()
	u, _, err := e.onb.CreateUser(ctx, e.tenant, client, onboarding.CreateUserInput{ExternalRef: ref, Type: onboarding.TypeIndividual, Jurisdiction: "EU"})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := e.onb.Consent(ctx, e.tenant, client, u.ID, onboarding.ConsentInput{Version: "2026-01", Accepted: &yes, IP: "203.0.113.9", UserAgent: "test"}); err != nil {
		t.Fatal(err)
	}
	sess, err := e.onb.StartKYC(ctx, e.tenant, client, u.ID, onboarding.StartKYCInput{Vendor: onboarding.VendorSumsub})
	if err != nil {
		t.Fatal(err)
	}
	app := sess["applicantId"]
	e.vendor.mu.Lock()
	e.vendor.ids[app] = ident
	e.vendor.mu.Unlock()
	if err := e.onb.Process(ctx, onboarding.VendorEvent{Vendor: onboarding.VendorSumsub, Type: "applicantReviewed", ApplicantID: app,
		At: time.Now().UTC(), Decisive: true, ReviewStatus: "completed", Key: "k-" + app}); err != nil {
		t.Fatal(err)
	}
	if got := e.status(t, u.ID); got != lifecycle.StatusActive {
		t.Fatalf("user %s is %s after onboarding", ref, got)
	}
	return u.ID
}

func (e *env) status(t *testing.T, id string) lifecycle.Status {
	t.Helper()
	u, err := e.onb.GetUser(context.Background(), e.tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	return u.Status
}

// drain runs the workers: every queued batch is screened (and deleted) until the queue
// is empty. It returns the batches' bodies, for redelivery.
func (e *env) drain(t *testing.T) []monitoring.Batch {
	t.Helper()
	ctx := context.Background()
	var done []monitoring.Batch
	for empty := 0; empty < 2; {
		out, err := e.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(e.queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 0})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			empty++
			continue
		}
		for _, m := range out.Messages {
			var b monitoring.Batch
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &b); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.ScreenBatch(ctx, b); err != nil {
				t.Fatal(err)
			}
			done = append(done, b)
			if _, err := e.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(e.queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return done
}

func (e *env) openAlerts(t *testing.T) []alerts.Alert {
	t.Helper()
	as, _, err := e.al.List(context.Background(), e.tenant, alerts.Filter{Status: alerts.StatusOpen}, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// publish appends rows to the OFAC file (or replaces one) and refreshes the lists: the
// event the planner receives.
func (e *env) publish(t *testing.T, edit func(sdn string) string) lists.VersionEvent {
	t.Helper()
	path := filepath.Join(e.src.OFACDir, "sdn.csv")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	liststest.WriteFile(t, path, edit(strings.TrimRight(string(raw), "\x1a")))
	r, err := e.pub.Refresh(context.Background())
	if err != nil || r.Status != lists.StatusPublished {
		t.Fatalf("refresh: %v %+v", err, r)
	}
	return lists.VersionEvent{Version: r.Version.ID, Seq: r.Version.Seq, Previous: r.Version.Previous, Initial: r.Version.Initial,
		DeltaKey: r.Version.DeltaKey, EntitiesKey: r.Version.EntitiesKey}
}

const listedRow = `88888,"SIDORENKO, Ivan Petrovich","individual","RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 12 Mar 1971; nationality Kazakhstan."`

var target = onboarding.Identity{FirstName: "Ivan", MiddleName: "Petrovich", LastName: "Sidorenko", DOB: "1971-03-12", Nationality: "KAZ", Country: "KAZ"}

func TestANewlyListedUserGetsExactlyOneAlertAndKeepsThePlatformStatus(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	for i := range 12 {
		e.activeUser(t, fmt.Sprintf("clean-%d", i), onboarding.Identity{FirstName: "Clean", LastName: fmt.Sprintf("Person%c%c", 'a'+i, 'k'+i), DOB: "1990-01-01", Nationality: "SWE"})
	}
	victim := e.activeUser(t, "victim", target)

	// Monitoring is off by default: a run on request is refused.
	if c, err := e.svc.GetConfig(ctx, e.tenant); err != nil || c.Enabled {
		t.Fatalf("default config: %+v %v", c, err)
	}
	if _, err := e.svc.Plan(ctx, monitoring.Trigger{Tenant: string(e.tenant), Kind: monitoring.TriggerManual}); !isCode(err, "monitoring_off") {
		t.Fatalf("a run with monitoring off: %v", err)
	}
	cfg := monitoring.DefaultConfig()
	cfg.Enabled, cfg.Cadence = true, monitoring.CadenceDaily
	if _, err := e.svc.PutConfig(ctx, client, e.tenant, cfg, 0); err != nil {
		t.Fatal(err)
	}
	got, err := scheduler.NewFromConfig(e.cfg).GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(monitoring.ScheduleName(e.tenant)), GroupName: aws.String(group)})
	if err != nil || aws.ToString(got.ScheduleExpression) != "cron(0 2 * * ? *)" || !strings.Contains(aws.ToString(got.Target.Input), string(e.tenant)) {
		t.Fatalf("the tenant's schedule: %v %+v", err, got)
	}

	// A full run: everyone clean.
	run, err := e.svc.Plan(ctx, monitoring.Trigger{Tenant: string(e.tenant), Kind: monitoring.TriggerSchedule, At: "2026-12-01T02:00:00Z"})
	if err != nil || run.Planned != 13 || run.Batches != 2 {
		t.Fatalf("full run planned: %v %+v", err, run)
	}
	e.drain(t)
	if r, _ := e.svc.GetRun(ctx, e.tenant, run.ID); r.Status != monitoring.RunDone || r.Screened != 13 || r.Alerts != 0 {
		t.Fatalf("full run: %+v", r)
	}
	// The scheduler delivering the same occurrence twice plans nothing new.
	if again, err := e.svc.Plan(ctx, monitoring.Trigger{Tenant: string(e.tenant), Kind: monitoring.TriggerSchedule, At: "2026-12-01T02:00:00Z"}); err != nil || again.ID != run.ID || len(e.drain(t)) != 0 {
		t.Fatalf("a redelivered trigger: %v %+v", err, again)
	}

	// v2 lists the victim: the delta run finds them, once.
	v2 := e.publish(t, func(sdn string) string { return sdn + listedRow + "\n" })
	runs, err := e.svc.PlanListVersion(ctx, v2)
	// The full run's snapshot (2 batches of 13 users, one message) and the 13 users
	// created in the 48 hours before it, read one by one: the same people twice, alerted once.
	if err != nil || len(runs) != 1 || !runs[0].Delta || runs[0].Planned != 26 || runs[0].Batches != 3 {
		t.Fatalf("delta runs: %v %+v", err, runs)
	}
	batches := e.drain(t)
	open := e.openAlerts(t)
	if len(open) != 1 || open[0].UserID != victim || open[0].EntityID != "88888" || open[0].ListSource != "OFAC-SDN" {
		t.Fatalf("alerts after v2: %+v", open)
	}
	if r, _ := e.svc.GetRun(ctx, e.tenant, runs[0].ID); r.Status != monitoring.RunDone || r.Alerts != 1 || r.Screened != 26 {
		t.Fatalf("delta run: %+v", r)
	}
	// Client monitoring never touches the platform's view of the user.
	if s := e.status(t, victim); s != lifecycle.StatusActive {
		t.Fatalf("the victim is %s with the platform after a client alert", s)
	}
	// A redelivered batch raises nothing and counts nothing.
	for _, b := range batches {
		res, err := e.svc.ScreenBatch(ctx, b)
		if err != nil || res.Counted {
			t.Fatalf("redelivered batch: %v %+v", err, res)
		}
	}
	if n := len(e.openAlerts(t)); n != 1 {
		t.Fatalf("%d open alerts after a redelivery", n)
	}
	if r, _ := e.svc.GetRun(ctx, e.tenant, runs[0].ID); r.Alerts != 1 || r.BatchesDone != r.Batches {
		t.Fatalf("run counters after a redelivery: %+v", r)
	}

	// False-positive memory over three list versions: resolved, then a full run and an
	// unrelated version find nothing new; a change of the entry itself alerts again.
	first := open[0]
	if _, err := e.al.Resolve(ctx, client, e.tenant, first.ID, alerts.ResolutionInput{Status: alerts.ResolutionFalsePositive, Comment: "different person: checked passport"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Plan(ctx, monitoring.Trigger{Tenant: string(e.tenant), Kind: monitoring.TriggerManual}); err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	v3 := e.publish(t, func(sdn string) string {
		return sdn + `99999,"UNRELATED TRADING LLC",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ` + "\n"
	})
	if _, err := e.svc.PlanListVersion(ctx, v3); err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	if n := len(e.openAlerts(t)); n != 0 {
		t.Fatalf("%d alerts after the false positive was resolved and nothing changed", n)
	}
	v4 := e.publish(t, func(sdn string) string {
		return strings.Replace(sdn, "nationality Kazakhstan.", "nationality Russia; Gender Male.", 1)
	})
	if _, err := e.svc.PlanListVersion(ctx, v4); err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	open = e.openAlerts(t)
	if len(open) != 1 || open[0].PreviousAlertID != first.ID || open[0].PreviousResolution != alerts.ResolutionFalsePositive {
		t.Fatalf("after the entry changed: %+v", open)
	}
	if s := e.status(t, victim); s != lifecycle.StatusActive {
		t.Fatalf("the victim is %s", s)
	}

	// Switched off: the schedule is gone and list versions plan nothing for the tenant.
	cfg.Enabled = false
	if _, err := e.svc.PutConfig(ctx, client, e.tenant, cfg, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := scheduler.NewFromConfig(e.cfg).GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(monitoring.ScheduleName(e.tenant)), GroupName: aws.String(group)}); err == nil {
		t.Fatal("the schedule outlived monitoring")
	}
}

func TestBadConfigurationsAreRefusedAndChangeNothing(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	good := monitoring.DefaultConfig()
	good.Enabled = true
	saved, err := e.svc.PutConfig(ctx, client, e.tenant, good, 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		edit func(*monitoring.Config)
		code string
	}{
		"unknown cadence":     {func(c *monitoring.Config) { c.Cadence = "hourly" }, "invalid_cadence"},
		"every minute":        {func(c *monitoring.Config) { c.Cadence = "cron(* * * * ? *)" }, "invalid_cadence"},
		"every five minutes":  {func(c *monitoring.Config) { c.Cadence = "cron(0/5 * * * ? *)" }, "invalid_cadence"},
		"hours by step":       {func(c *monitoring.Config) { c.Cadence = "cron(0 */2 * * ? *)" }, "invalid_cadence"},
		"both days given":     {func(c *monitoring.Config) { c.Cadence = "cron(0 2 1 * MON *)" }, "invalid_cadence"},
		"hour 99":             {func(c *monitoring.Config) { c.Cadence = "cron(0 99 * * ? *)" }, "invalid_cadence"},
		"day 32":              {func(c *monitoring.Config) { c.Cadence = "cron(0 2 32 * ? *)" }, "invalid_cadence"},
		"month 13":            {func(c *monitoring.Config) { c.Cadence = "cron(0 2 1 13 ? *)" }, "invalid_cadence"},
		"a word for a day":    {func(c *monitoring.Config) { c.Cadence = "cron(0 2 ? * FOO *)" }, "invalid_cadence"},
		"minus zero":          {func(c *monitoring.Config) { c.Cadence = "cron(-0 2 * * ? *)" }, "invalid_cadence"},
		"Arabic-Indic digits": {func(c *monitoring.Config) { c.Cadence = "cron(0 \u0663 * * ? *)" }, "invalid_cadence"},
		"a year gone by":      {func(c *monitoring.Config) { c.Cadence = "cron(0 2 * * ? 2020)" }, "invalid_cadence"},
		"a range backwards":   {func(c *monitoring.Config) { c.Cadence = "cron(0 2 ? * FRI-MON *)" }, "invalid_cadence"},
		"no check at all":     {func(c *monitoring.Config) { c.Checks = monitoring.Checks{} }, "invalid_checks"},
		"an unknown list":     {func(c *monitoring.Config) { c.Checks.Lists = []string{"adverse_media"} }, "invalid_checks"},
		"a list twice":        {func(c *monitoring.Config) { c.Checks.Lists = []string{"pep", "pep"} }, "invalid_checks"},
		"review above match":  {func(c *monitoring.Config) { c.Thresholds.Review, c.Thresholds.Match = 0.95, 0.9 }, "invalid_thresholds"},
		"review too low":      {func(c *monitoring.Config) { c.Thresholds.Review = 0.2 }, "invalid_thresholds"},
		"match above one":     {func(c *monitoring.Config) { c.Thresholds.Match = 1.5 }, "invalid_thresholds"},
		"a stale version":     {func(c *monitoring.Config) {}, "version_mismatch"},
	} {
		c := good
		c.Checks.Lists = append([]string(nil), good.Checks.Lists...)
		tc.edit(&c)
		expected := int64(0)
		if name == "a stale version" {
			expected = saved.Version + 5
		}
		if _, err := e.svc.PutConfig(ctx, client, e.tenant, c, expected); !isCode(err, tc.code) {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
	if now, err := e.svc.GetConfig(ctx, e.tenant); err != nil || now.Version != saved.Version || now.Cadence != good.Cadence {
		t.Fatalf("a refused change was stored: %+v %v", now, err)
	}
	// A cron the client may use.
	ok := good
	ok.Cadence = "cron(30 1,13 ? JAN-JUN MON-FRI 2026-2199)"
	if c, err := e.svc.PutConfig(ctx, client, e.tenant, ok, saved.Version); err != nil || c.ScheduleExpression != ok.Cadence {
		t.Fatalf("a twice-daily weekday cron: %+v %v", c, err)
	}
}

func isCode(err error, code string) bool {
	var fe *failure.Error
	return code != "" && errors.As(err, &fe) && fe.Code == code
}

// TestCallsPerUserScreened counts what monitoring asks of AWS per user: a full run's
// batch, and a delta run's batch read from the full run's snapshot (the figures the
// README's cost estimate uses).
func TestCallsPerUserScreened(t *testing.T) {
	const n = 50
	e := setup(t)
	e.svc.BatchSize = n / 2 // two batches: a delta run's message carries both snapshot objects
	ctx := context.Background()
	for i := range n {
		e.activeUser(t, fmt.Sprintf("u-%d", i), onboarding.Identity{FirstName: "Clean", LastName: fmt.Sprintf("Person%c%c%c", 'a'+i%26, 'a'+i/26, 'k'), DOB: "1990-01-01", Nationality: "SWE"})
	}
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	if _, err := e.svc.PutConfig(ctx, client, e.tenant, cfg, 0); err != nil {
		t.Fatal(err)
	}
	perUser := func(name string, calls map[string]int, users int) float64 {
		total := 0
		for _, c := range calls {
			total += c
		}
		per := float64(total) / float64(users)
		t.Logf("%s, %d users: %v (%.3f calls per user)", name, users, calls, per)
		return per
	}

	e.calls.Reset()
	run, err := e.svc.Plan(ctx, monitoring.Trigger{Tenant: string(e.tenant), Kind: monitoring.TriggerManual})
	if err != nil || run.Planned != n || run.Batches != 2 {
		t.Fatalf("plan: %v %+v", err, run)
	}
	perUser("planning a full run", e.calls.Reset(), n)
	e.drain(t)
	full := perUser("screening a full run's two batches (with their snapshots)", e.calls.Reset(), n)

	v2 := e.publish(t, func(sdn string) string { return sdn + listedRow + "\n" })
	e.calls.Reset()
	runs, err := e.svc.PlanListVersion(ctx, v2)
	if err != nil || len(runs) != 1 {
		t.Fatalf("delta: %v %+v", err, runs)
	}
	perUser("planning a delta run", e.calls.Reset(), n)
	// Only the snapshot's batch: the users created in the 48 hours before it are read
	// one by one, as a full run does (measured above).
	out, err := e.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(e.queueURL), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	e.calls.Reset()
	var delta float64
	for _, m := range out.Messages {
		var b monitoring.Batch
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &b); err != nil {
			t.Fatal(err)
		}
		if b.SnapshotRun == "" {
			continue
		}
		if res, err := e.svc.ScreenBatch(ctx, b); err != nil || res.Screened != n {
			t.Fatalf("snapshot batch: %v %+v", err, res)
		}
		delta = perUser("screening a delta run's message of two snapshot objects", e.calls.Reset(), n)
	}
	if full > 1.5 || delta == 0 || delta > 0.2 {
		t.Fatalf("calls per user: full %.2f, delta %.2f", full, delta)
	}
}

func TestABurstOfRunsOnRequestMakesOneRun(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	cfg := monitoring.DefaultConfig()
	cfg.Enabled = true
	if _, err := e.svc.PutConfig(ctx, client, e.tenant, cfg, 0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	started, tooSoon := 0, 0
	for range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.Plan(ctx, monitoring.Trigger{Tenant: string(e.tenant), Kind: monitoring.TriggerManual})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				started++
			case isCode(err, "run_too_soon"):
				tooSoon++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	runs, _, err := e.svc.ListRuns(ctx, e.tenant, "", 50)
	if started != 1 || tooSoon != 11 || err != nil || len(runs) != 1 {
		t.Fatalf("%d runs started, %d refused, %d listed (%v)", started, tooSoon, len(runs), err)
	}
	// Scheduled runs are not held back by one on request.
	if _, err := e.svc.Plan(ctx, monitoring.Trigger{Tenant: string(e.tenant), Kind: monitoring.TriggerSchedule, At: "2026-12-02T02:00:00Z"}); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentConfigurationsLeaveTheScheduleOfTheLastOne(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	cadences := []string{"daily", "weekly", "monthly", "cron(5 3 ? * TUE *)", "cron(10 4 2 * ? *)"}
	for round := range 3 {
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := monitoring.DefaultConfig()
				c.Enabled = (i+round)%4 != 0
				c.Cadence = cadences[(i+round)%len(cadences)]
				if _, err := e.svc.PutConfig(ctx, client, e.tenant, c, 0); err != nil && !isCode(err, "version_mismatch") {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		stored, err := e.svc.GetConfig(ctx, e.tenant)
		if err != nil {
			t.Fatal(err)
		}
		got, err := scheduler.NewFromConfig(e.cfg).GetSchedule(ctx, &scheduler.GetScheduleInput{Name: aws.String(monitoring.ScheduleName(e.tenant)), GroupName: aws.String(group)})
		switch {
		case stored.Enabled && (err != nil || aws.ToString(got.ScheduleExpression) != stored.ScheduleExpression):
			t.Fatalf("round %d: stored %+v, schedule %v %v", round, stored, err, got)
		case !stored.Enabled && err == nil:
			t.Fatalf("round %d: monitoring is off but the schedule is there", round)
		}
	}
}
