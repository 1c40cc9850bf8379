package onboarding

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/jurisdictions"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/webhooks"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// listed is the one sanctioned person of the test lists.
const listedName = "Viktor Antonovich Sanctionsky"

// indexSource serves a fixed index, or ErrNotReady when none is set.
type indexSource struct{ loaded *lists.Loaded }

func (s *indexSource) Current(context.Context) (*lists.Loaded, error) {
	if s.loaded == nil {
		return nil, lists.ErrNotReady
	}
	return s.loaded, nil
}

func testIndex(tb testing.TB) *lists.Loaded {
	tb.Helper()
	l := &sanctions.List{Source: sanctions.SourceUN, Checksums: map[string]string{"test.xml": "01"}, Entities: []sanctions.Entity{{
		ID: "UN-TEST-1", Source: sanctions.SourceUN, Type: sanctions.TypePerson,
		Names:      []sanctions.Name{{Full: listedName, Kind: sanctions.NamePrimary}},
		BirthDates: []sanctions.Date{{Year: 1970, Month: 3, Day: 4, Precision: sanctions.PrecisionDay}},
		Programs:   []string{"TEST"},
	}}}
	ix, err := screening.Build(l)
	if err != nil {
		tb.Fatal(err)
	}
	return &lists.Loaded{Index: ix, Version: ix.Version(), LoadedAt: time.Now()}
}

// fakeVendor is an identity vendor in memory: applicants and their current review.
type fakeVendor struct {
	mu         sync.Mutex
	n          int
	applicants map[string]VendorApplicant
	starts     int
	failNext   error
}

func newFakeVendor() *fakeVendor { return &fakeVendor{applicants: map[string]VendorApplicant{}} }

func (v *fakeVendor) Start(_ context.Context, in StartInput) (StartOutput, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.starts++
	if err := v.failNext; err != nil {
		v.failNext = nil
		return StartOutput{}, err
	}
	id := in.ApplicantID
	if id == "" {
		v.n++
		id = fmt.Sprintf("app%04d%s", v.n, in.UserID[len(in.UserID)-6:])
		v.applicants[id] = VendorApplicant{Outcome: OutcomePending, ReviewStatus: "init"}
	}
	return StartOutput{ApplicantID: id, Session: map[string]string{"vendor": VendorSumsub, "applicantId": id, "accessToken": "tok-" + id, "levelName": in.Level}}, nil
}

func (v *fakeVendor) Applicant(_ context.Context, id string) (VendorApplicant, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	a, ok := v.applicants[id]
	if !ok {
		return VendorApplicant{}, errors.New("no such applicant")
	}
	return a, nil
}

func (v *fakeVendor) set(id string, a VendorApplicant) {
	v.mu.Lock()
	v.applicants[id] = a
	v.mu.Unlock()
}

// memQueue is the decision queue in memory (the SQS wiring is the function's).
type memQueue struct {
	mu  sync.Mutex
	evs []VendorEvent
}

func (q *memQueue) Enqueue(_ context.Context, ev VendorEvent) error {
	q.mu.Lock()
	q.evs = append(q.evs, ev)
	q.mu.Unlock()
	return nil
}

type fixture struct {
	svc    *Service
	st     *store.Store
	db     *dynamodb.Client
	table  string
	vendor *fakeVendor
	lists  *indexSource
	queue  *memQueue
	clock  *clock
	logs   *bytes.Buffer
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func setup(tb testing.TB) *fixture {
	tb.Helper()
	cfg := emulator.TestConfig(tb)
	table := stack.TestTable(tb, cfg)
	db := dynamodb.NewFromConfig(cfg)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	st := store.New(db, table, store.WithCursorSecret(secret))
	key, err := kms.NewFromConfig(cfg).CreateKey(context.Background(), &kms.CreateKeyInput{Description: aws.String("onboarding test")})
	if err != nil {
		tb.Fatal(err)
	}
	enc, err := envelope.New(kms.NewFromConfig(cfg), aws.ToString(key.KeyMetadata.Arn))
	if err != nil {
		tb.Fatal(err)
	}
	jur, err := jurisdictions.Load()
	if err != nil {
		tb.Fatal(err)
	}
	f := &fixture{st: st, db: db, table: table, vendor: newFakeVendor(), lists: &indexSource{loaded: testIndex(tb)},
		queue: &memQueue{}, clock: &clock{t: time.Now().UTC().Truncate(time.Millisecond)}, logs: &bytes.Buffer{}}
	al := audit.New(db, table)
	screener := lists.NewScreener(st, al, enc, f.lists, lists.WithScreenerClock(f.clock.now))
	f.svc = New(Config{Store: st, Audit: al, Enc: enc, Jurisdictions: jur,
		Vendors: map[string]Vendor{VendorSumsub: f.vendor, VendorMetaMap: f.vendor}, Screener: screener, Queue: f.queue,
		Log: slog.New(slog.NewJSONHandler(f.logs, nil)), Now: f.clock.now})
	return f
}

var client = audit.Actor{Type: "client", ID: "key1"}

func (f *fixture) user(tb testing.TB, t store.TenantID, ref, typ, jur string) User {
	tb.Helper()
	u, _, err := f.svc.CreateUser(context.Background(), t, client, CreateUserInput{ExternalRef: ref, Type: typ, Jurisdiction: jur})
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// consented creates a user, records consent and starts KYC: it waits for the vendor.
func (f *fixture) consented(tb testing.TB, t store.TenantID, ref string) (User, string) {
	tb.Helper()
	ctx := context.Background()
	u := f.user(tb, t, ref, TypeIndividual, "EU")
	if _, err := f.svc.Consent(ctx, t, client, u.ID, ConsentInput{Version: "2026-01", Accepted: yes(), IP: "203.0.113.9", UserAgent: "test"}); err != nil {
		tb.Fatal(err)
	}
	sess, err := f.svc.StartKYC(ctx, t, client, u.ID, StartKYCInput{Vendor: VendorSumsub})
	if err != nil {
		tb.Fatal(err)
	}
	return f.get(tb, t, u.ID), sess["applicantId"]
}

func (f *fixture) get(tb testing.TB, t store.TenantID, id string) User {
	tb.Helper()
	u, err := f.svc.GetUser(context.Background(), t, id)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

var clean = Identity{FirstName: "Maria", LastName: "Lindqvist", DOB: "1988-05-17", Country: "SWE", Nationality: "SWE"}

func green(id Identity) VendorApplicant {
	return VendorApplicant{Outcome: OutcomeApproved, ReviewStatus: "completed", Answer: "GREEN", Identity: id}
}

func red(final bool, labels ...string) VendorApplicant {
	a := VendorApplicant{Outcome: OutcomeRetry, ReviewStatus: "completed", Answer: "RED", RejectType: "RETRY", Labels: labels}
	if final {
		a.Outcome, a.RejectType = OutcomeRejected, "FINAL"
	}
	return a
}

// reviewed is the vendor's applicantReviewed webhook at a time.
func reviewed(applicant string, at time.Time) VendorEvent {
	return VendorEvent{Vendor: VendorSumsub, Type: "applicantReviewed", ApplicantID: applicant, At: at, Decisive: true,
		ReviewStatus: "completed", Key: fmt.Sprintf("k-%s-%d", applicant, at.UnixNano())}
}

// decide makes the vendor answer a and delivers its review event at.
func (f *fixture) decide(tb testing.TB, applicant string, a VendorApplicant, at time.Time) {
	tb.Helper()
	f.vendor.set(applicant, a)
	if err := f.svc.Process(context.Background(), reviewed(applicant, at)); err != nil {
		tb.Fatal(err)
	}
}

// statusEvents lists the user.status_changed events staged for a user ("from>to"),
// sorted (their order is the history's; here they are counted).
func (f *fixture) statusEvents(tb testing.TB, userID string) []string {
	tb.Helper()
	var out []string
	var start map[string]types.AttributeValue
	for {
		page, err := f.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: &f.table, ExclusiveStartKey: start})
		if err != nil {
			tb.Fatal(err)
		}
		for _, it := range page.Items {
			var o struct {
				Entity   string `dynamodbav:"entity"`
				Type     string `dynamodbav:"type"`
				Envelope string `dynamodbav:"envelope"`
			}
			if err := store.Unmarshal(it, &o); err != nil || o.Entity != events.EntityOutbox || o.Type != "user.status_changed" {
				continue
			}
			var env struct {
				Data statusChanged `json:"data"`
				Raw  struct {
					Data json.RawMessage `json:"data"`
				}
			}
			if err := json.Unmarshal([]byte(o.Envelope), &env); err != nil {
				tb.Fatal(err)
			}
			_ = json.Unmarshal([]byte(o.Envelope), &env.Raw)
			// What is sent is what the catalogue promises.
			if err := webhooks.ValidateData("user.status_changed", env.Raw.Data); err != nil {
				tb.Fatalf("user.status_changed data off its schema: %v", err)
			}
			if env.Data.UserID == userID {
				out = append(out, env.Data.From+">"+env.Data.To)
			}
		}
		if page.LastEvaluatedKey == nil {
			break
		}
		start = page.LastEvaluatedKey
	}
	slices.Sort(out)
	return out
}

func statuses(h []StatusChange) []lifecycle.Status {
	var out []lifecycle.Status
	for _, c := range h {
		out = append(out, c.To)
	}
	return out
}
