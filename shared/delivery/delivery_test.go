package delivery

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/webhooks"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// queue is an in-memory delivery queue: the test hands its messages to Process when it
// chooses, which makes retries across hours a matter of moving the clock.
type queue struct {
	mu   sync.Mutex
	msgs []queued
	dlq  []string
	fail int // sends to fail from now on, to stand for SQS errors
}

var errQueueDown = errors.New("queue: unavailable (test)")

type queued struct {
	body  string
	delay time.Duration
}

func (q *queue) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail > 0 {
		q.fail--
		return nil, errQueueDown
	}
	if aws.ToString(in.QueueUrl) == "dlq" {
		q.dlq = append(q.dlq, aws.ToString(in.MessageBody))
	} else {
		q.msgs = append(q.msgs, queued{body: aws.ToString(in.MessageBody), delay: time.Duration(in.DelaySeconds) * time.Second})
	}
	return &sqs.SendMessageOutput{}, nil
}

func (q *queue) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail > 0 {
		q.fail--
		return nil, errQueueDown
	}
	for _, e := range in.Entries {
		q.msgs = append(q.msgs, queued{body: aws.ToString(e.MessageBody)})
	}
	return &sqs.SendMessageBatchOutput{Successful: make([]sqstypes.SendMessageBatchResultEntry, len(in.Entries))}, nil
}

func (q *queue) take() []queued {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.msgs
	q.msgs = nil
	return out
}

// bus records published events.
type bus struct {
	mu  sync.Mutex
	evs []ebtypes.PutEventsRequestEntry
}

func (b *bus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.evs = append(b.evs, in.Entries...)
	return &eventbridge.PutEventsOutput{Entries: make([]ebtypes.PutEventsResultEntry, len(in.Entries))}, nil
}

// published publishes the outbox (as the event-publisher function does) and returns the
// types on the bus so far.
func (f *fixture) published(t *testing.T) []string {
	t.Helper()
	if _, err := events.NewOutbox(f.db, f.table, events.NewPublisher(f.bus, "bus")).Sweep(context.Background(), 0, 100); err != nil {
		t.Fatal(err)
	}
	return f.bus.types()
}

func (b *bus) types() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, e := range b.evs {
		out = append(out, aws.ToString(e.DetailType))
	}
	return out
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type fixture struct {
	svc   *Service
	st    *store.Store
	db    *dynamodb.Client
	table string
	q     *queue
	bus   *bus
	clock *clock
}

func setup(t testing.TB, opts ...func(*Config)) *fixture {
	t.Helper()
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	st := store.New(db, table, store.WithCursorSecret(secret))
	key, err := kms.NewFromConfig(cfg).CreateKey(context.Background(), &kms.CreateKeyInput{Description: aws.String("delivery test")})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := envelope.New(kms.NewFromConfig(cfg), aws.ToString(key.KeyMetadata.Arn))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, db: db, table: table, q: &queue{}, bus: &bus{}, clock: &clock{t: time.Now().UTC().Truncate(time.Millisecond)}}
	policy := webhooks.URLPolicy{AllowLocal: true}
	c := Config{
		Store: st, Audit: audit.New(db, table), Enc: enc, Policy: policy,
		Sender: webhooks.NewSender(webhooks.SenderOptions{Policy: policy, Timeout: 2 * time.Second}),
		SQS:    f.q, QueueURL: "queue", DLQURL: "dlq",
		Now: f.clock.now, Rand: func() float64 { return 0.5 }, // no jitter: 0.5 is the middle
	}
	for _, o := range opts {
		o(&c)
	}
	f.svc = New(c)
	return f
}

// receiver is a client's server: it answers with the statuses given in turn (the last
// one from then on) and records what it got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []*http.Request
	bodies   []string
}

func newReceiver(t testing.TB, statuses ...int) *receiver {
	t.Helper()
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, req)
		r.bodies = append(r.bodies, string(body))
		st := 200
		if len(r.statuses) > 0 {
			st = r.statuses[0]
			if len(r.statuses) > 1 {
				r.statuses = r.statuses[1:]
			}
		}
		r.mu.Unlock()
		w.WriteHeader(st)
		fmt.Fprintf(w, `{"answer":%d}`, st)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.got) }

func (f *fixture) endpoint(t testing.TB, tenant store.TenantID, url string, types ...string) CreatedEndpoint {
	t.Helper()
	if len(types) == 0 {
		types = []string{"*"}
	}
	ep, err := f.svc.CreateEndpoint(context.Background(), tenant, audit.Actor{Type: "client", ID: "k1"}, EndpointInput{URL: &url, EventTypes: types})
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

func event(t testing.TB, tenant store.TenantID, typ string, at time.Time) events.Envelope {
	t.Helper()
	data := map[string]string{"tenantId": string(tenant), "keyId": "01JKEY"}
	if strings.HasPrefix(typ, "tenant.") {
		data = map[string]string{"tenantId": string(tenant), "reason": "non_payment"}
	}
	ev, err := events.New(typ, string(tenant), data, at)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// drain processes every queued message whose delay has passed on the test clock and
// returns how many it processed; later ones stay queued.
func (f *fixture) drain(t testing.TB) int {
	t.Helper()
	n := 0
	for _, m := range f.q.take() {
		if err := f.svc.Process(context.Background(), []byte(m.body)); err != nil {
			t.Fatalf("process %s: %v", m.body, err)
		}
		n++
	}
	return n
}

func (f *fixture) deliveries(t *testing.T, tenant store.TenantID, flt DeliveryFilter) []Delivery {
	t.Helper()
	ds, _, err := f.svc.Deliveries(context.Background(), tenant, flt, 200, "")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func code(err error) string {
	if fe, ok := failure.As(err); ok {
		return fe.Code
	}
	return ""
}

func TestAnEndpointGetsASecretShownOnceAndStoredEncrypted(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	ep := f.endpoint(t, "t-a", "http://127.0.0.1:9/hook")
	if !strings.HasPrefix(ep.Secret, webhooks.SecretPrefix) {
		t.Fatalf("secret = %q", ep.Secret)
	}
	got, err := f.svc.Endpoint(ctx, "t-a", ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(got)
	if strings.Contains(string(raw), ep.Secret) || strings.Contains(string(raw), "secretEnc") || got.SecretEnc == "" || got.SecretEnc == ep.Secret {
		t.Fatalf("endpoint as answered: %s", raw)
	}
	if _, err := f.svc.Endpoint(ctx, "t-b", ep.ID); code(err) != "endpoint_not_found" {
		t.Fatalf("another tenant reads the endpoint: %v", err)
	}
}

func TestEndpointsRefuseBadInputAndChangeNothing(t *testing.T) {
	ctx := context.Background()
	f := setup(t, func(c *Config) { c.Policy = webhooks.URLPolicy{} })
	s := func(v string) *string { return &v }
	cases := []struct {
		name string
		in   EndpointInput
		code string
	}{
		{"plain http", EndpointInput{URL: s("http://hooks.example.com/x"), EventTypes: []string{"*"}}, "invalid_url"},
		{"loopback outside a local stack", EndpointInput{URL: s("https://127.0.0.1/x"), EventTypes: []string{"*"}}, "invalid_url"},
		{"no url", EndpointInput{EventTypes: []string{"*"}}, "invalid_url"},
		{"no event types", EndpointInput{URL: s("https://hooks.example.com/x")}, "invalid_event_types"},
		{"an unknown event type", EndpointInput{URL: s("https://hooks.example.com/x"), EventTypes: []string{"user.teleported"}}, "invalid_event_types"},
		{"a bidi override in the description", EndpointInput{URL: s("https://hooks.example.com/x"), EventTypes: []string{"*"}, Description: s("prod\u202e")}, "invalid_description"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := f.svc.CreateEndpoint(ctx, "t-bad", audit.System, c.in); code(err) != c.code {
				t.Fatalf("err = %v, want %s", err, c.code)
			}
		})
	}
	if eps, err := f.svc.Endpoints(ctx, "t-bad"); err != nil || len(eps) != 0 {
		t.Fatalf("refusals stored %d endpoints (%v)", len(eps), err)
	}
}

func TestNoMoreThanTenEndpointsEvenWhenCreatedAtOnce(t *testing.T) {
	f := setup(t)
	var wg sync.WaitGroup
	errs := make([]error, 14)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := fmt.Sprintf("http://127.0.0.1:9/hook/%d", i)
			_, errs[i] = f.svc.CreateEndpoint(context.Background(), "t-many", audit.System, EndpointInput{URL: &url, EventTypes: []string{"*"}})
		}()
	}
	wg.Wait()
	created, refused := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case code(err) == "too_many_endpoints":
			refused++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	eps, _ := f.svc.Endpoints(context.Background(), "t-many")
	if created != MaxEndpoints || refused != 4 || len(eps) != MaxEndpoints {
		t.Fatalf("created %d, refused %d, stored %d", created, refused, len(eps))
	}
	if err := f.svc.DeleteEndpoint(context.Background(), "t-many", audit.System, eps[0].ID); err != nil {
		t.Fatal(err)
	}
	f.endpoint(t, "t-many", "http://127.0.0.1:9/again") // a deletion frees a place
}

func TestOneEventReachesExactlyTheEndpointsWhoseFilterTakesIt(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	all, keys, other, off := newReceiver(t), newReceiver(t), newReceiver(t), newReceiver(t)
	f.endpoint(t, "t-f", all.URL, "*")
	f.endpoint(t, "t-f", keys.URL, "apikey.created", "apikey.revoked")
	f.endpoint(t, "t-f", other.URL, "tenant.suspended")
	disabled := f.endpoint(t, "t-f", off.URL, "*")
	yes := true
	if _, err := f.svc.UpdateEndpoint(ctx, "t-f", audit.System, disabled.ID, EndpointInput{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	f.endpoint(t, "t-other", other.URL, "*") // another tenant's endpoint hears nothing of t-f

	ev := event(t, "t-f", "apikey.created", f.clock.now())
	res, err := f.svc.Dispatch(ctx, ev)
	if err != nil || res.Deliveries != 2 || res.Skipped != 1 {
		t.Fatalf("dispatch: %+v %v", res, err)
	}
	again, err := f.svc.Dispatch(ctx, ev) // the fan-out queue delivered the event twice
	if err != nil || again.Deliveries != 0 {
		t.Fatalf("a redelivered event: %+v %v", again, err)
	}
	f.drain(t)
	if all.count() != 1 || keys.count() != 1 || other.count() != 0 || off.count() != 0 {
		t.Fatalf("received: all %d, keys %d, other %d, disabled %d", all.count(), keys.count(), other.count(), off.count())
	}
	if ds := f.deliveries(t, "t-f", DeliveryFilter{Status: StatusSucceeded}); len(ds) != 2 {
		t.Fatalf("deliveries = %+v", ds)
	}
	// The disabled endpoint's event is not dropped: it is listed as failed, to replay.
	skipped := f.deliveries(t, "t-f", DeliveryFilter{EndpointID: disabled.ID})
	if len(skipped) != 1 || skipped[0].Status != StatusFailed || skipped[0].SkippedReason != "endpoint_disabled" || len(skipped[0].Attempts) != 0 {
		t.Fatalf("the disabled endpoint's delivery: %+v", skipped)
	}
	if _, err := f.svc.Dispatch(ctx, event(t, store.PlatformTenant, "apikey.created", f.clock.now())); err != nil {
		t.Fatal(err)
	}
	if n := len(f.q.take()); n != 0 {
		t.Fatalf("a platform event queued %d attempts", n)
	}
}

func TestAReceiverDownForThreeAttemptsGetsOneSuccessOnTheFourth(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 503, 503, 500, 200)
	ep := f.endpoint(t, "t-r", r.URL, "*")
	ev := event(t, "t-r", "apikey.revoked", f.clock.now())
	if _, err := f.svc.Dispatch(ctx, ev); err != nil {
		t.Fatal(err)
	}
	var delays []time.Duration
	for hop := 0; ; hop++ {
		ms := f.q.take()
		if len(ms) == 0 {
			break
		}
		if len(ms) != 1 || hop > 10 {
			t.Fatalf("%d messages queued at hop %d, want 1", len(ms), hop)
		}
		delays = append(delays, ms[0].delay)
		// Time passes as SQS lets it; the message is then handled.
		f.clock.add(ms[0].delay)
		if err := f.svc.Process(ctx, []byte(ms[0].body)); err != nil {
			t.Fatal(err)
		}
	}
	// 30 minutes is more than SQS delays a message: two hops of 15.
	if want := []time.Duration{0, 5 * time.Second, 5 * time.Minute, 15 * time.Minute, 15 * time.Minute}; !slices.Equal(delays, want) {
		t.Fatalf("delays = %v, want %v", delays, want)
	}
	ds := f.deliveries(t, "t-r", DeliveryFilter{EndpointID: ep.ID})
	if len(ds) != 1 || ds[0].Status != StatusSucceeded || len(ds[0].Attempts) != 4 || r.count() != 4 {
		t.Fatalf("deliveries = %+v, received %d", ds, r.count())
	}
	for i, a := range ds[0].Attempts {
		if a.N != i+1 || a.Success != (i == 3) || (i < 3 && a.ErrorCode != webhooks.CodeNon2xx) {
			t.Fatalf("attempt %d = %+v", i+1, a)
		}
	}
	for i, req := range r.got {
		if req.Header.Get(webhooks.HeaderID) != ev.ID {
			t.Fatalf("attempt %d carried webhook-id %q, want the event's %q", i+1, req.Header.Get(webhooks.HeaderID), ev.ID)
		}
		h := req.Header.Clone()
		if err := webhooks.Verify(ep.Secret, h, []byte(r.bodies[i]), time.Minute, parseTS(ds[0].Attempts[i].At)); err != nil {
			t.Fatalf("attempt %d does not verify: %v", i+1, err)
		}
		if r.bodies[i] != r.bodies[0] {
			t.Fatalf("attempt %d sent another body", i+1)
		}
	}
}

func TestADeliveryWhoseAttemptsAreSpentFailsAndGoesToTheDeadLetterQueue(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 500)
	f.endpoint(t, "t-x", r.URL, "*")
	if _, err := f.svc.Dispatch(ctx, event(t, "t-x", "apikey.created", f.clock.now())); err != nil {
		t.Fatal(err)
	}
	for hop := 0; hop < 200; hop++ {
		ms := f.q.take()
		if len(ms) == 0 {
			break
		}
		f.clock.add(ms[0].delay)
		if err := f.svc.Process(ctx, []byte(ms[0].body)); err != nil {
			t.Fatal(err)
		}
	}
	ds := f.deliveries(t, "t-x", DeliveryFilter{Status: StatusFailed})
	if len(ds) != 1 || len(ds[0].Attempts) != webhooks.MaxAttempts || r.count() != webhooks.MaxAttempts {
		t.Fatalf("deliveries = %+v, received %d", ds, r.count())
	}
	if len(f.q.dlq) != 1 || !strings.Contains(f.q.dlq[0], ds[0].ID) {
		t.Fatalf("dead letters = %v", f.q.dlq)
	}
	if ds := f.deliveries(t, "t-x", DeliveryFilter{Status: StatusPending}); len(ds) != 0 {
		t.Fatalf("pending = %+v", ds)
	}
}

func TestADuplicatedMessageMakesOneAttempt(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 200)
	f.endpoint(t, "t-d", r.URL, "*")
	if _, err := f.svc.Dispatch(ctx, event(t, "t-d", "apikey.created", f.clock.now())); err != nil {
		t.Fatal(err)
	}
	ms := f.q.take()
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f.svc.Process(ctx, []byte(ms[0].body)) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, errClaimed) {
			t.Fatal(err)
		}
	}
	ds := f.deliveries(t, "t-d", DeliveryFilter{})
	if r.count() != 1 || len(ds[0].Attempts) != 1 || ds[0].Status != StatusSucceeded {
		t.Fatalf("received %d, delivery %+v", r.count(), ds[0])
	}
}

func TestASlowReceiverAndARedirectAreFailures(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	hit := make(chan struct{}, 1)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hit <- struct{}{} }))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	defer redirect.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	for _, c := range []struct{ url, code string }{{slow.URL, webhooks.CodeTimeout}, {redirect.URL, webhooks.CodeRedirect}} {
		ep := f.endpoint(t, "t-s", c.url, "*")
		_, a, err := f.svc.SendTest(ctx, "t-s", ep.ID)
		if err != nil || a.Success || a.ErrorCode != c.code {
			t.Fatalf("%s: attempt %+v, %v", c.code, a, err)
		}
	}
	select {
	case <-hit:
		t.Fatal("the redirect was followed")
	default:
	}
}

func TestAnEndpointFailingForFiveDaysIsDisabledAnnouncedAndRecovers(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 500)
	ep := f.endpoint(t, "t-h", r.URL, "apikey.created")
	f.endpoint(t, "t-h", newReceiver(t).URL, "webhook.endpoint_disabled")
	send := func() {
		if _, err := f.svc.Dispatch(ctx, event(t, "t-h", "apikey.created", f.clock.now())); err != nil {
			t.Fatal(err)
		}
		for _, m := range f.q.take() {
			if err := f.svc.Process(ctx, []byte(m.body)); err != nil {
				t.Fatal(err)
			}
		}
		f.q.take() // the retries: this test follows the endpoint, not the deliveries
	}
	for day := 0; day <= 5; day++ {
		send()
		got, _ := f.svc.Endpoint(ctx, "t-h", ep.ID)
		if day < 5 && (got.Disabled || got.FailingSince == "") {
			t.Fatalf("day %d: %+v", day, got)
		}
		f.clock.add(24 * time.Hour)
	}
	got, _ := f.svc.Endpoint(ctx, "t-h", ep.ID)
	if !got.Disabled || got.DisabledReason != "failing" {
		t.Fatalf("after five days of failures: %+v", got)
	}
	if ts := f.published(t); !slices.Equal(ts, []string{"webhook.endpoint_disabled"}) {
		t.Fatalf("published %v", ts)
	}
	// New events no longer go to it.
	before := r.count()
	send()
	if r.count() != before {
		t.Fatal("a disabled endpoint received a delivery")
	}
	// The tenant fixes its server and enables the endpoint again.
	r.mu.Lock()
	r.statuses = []int{200}
	r.mu.Unlock()
	no := false
	if _, err := f.svc.UpdateEndpoint(ctx, "t-h", audit.System, ep.ID, EndpointInput{Disabled: &no}); err != nil {
		t.Fatal(err)
	}
	send()
	got, _ = f.svc.Endpoint(ctx, "t-h", ep.ID)
	if got.Disabled || got.FailingSince != "" || got.LastSuccessAt == "" {
		t.Fatalf("after recovering: %+v", got)
	}
	if ts := f.published(t); !slices.Equal(ts, []string{"webhook.endpoint_disabled", "webhook.endpoint_recovered"}) {
		t.Fatalf("published %v", ts)
	}
	f.bus.mu.Lock()
	for _, e := range f.bus.evs {
		env, err := events.Decode([]byte(aws.ToString(e.Detail)))
		if err != nil {
			t.Fatal(err)
		}
		if err := webhooks.ValidateData(env.Type, env.Data); err != nil {
			t.Fatalf("%s does not match the catalogue: %v", env.Type, err)
		}
	}
	f.bus.mu.Unlock()
}

func TestARotatedSecretSignsBesideTheNewOneFor24Hours(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t)
	ep := f.endpoint(t, "t-k", r.URL, "*")
	rot, err := f.svc.RotateSecret(ctx, "t-k", audit.System, ep.ID)
	if err != nil || rot.Secret == ep.Secret {
		t.Fatalf("rotate: %v", err)
	}
	check := func(wantSigs int) {
		t.Helper()
		_, a, terr := f.svc.SendTest(ctx, "t-k", ep.ID)
		if terr != nil || !a.Success {
			t.Fatalf("test: %+v %v", a, terr)
		}
		req, body := r.got[len(r.got)-1], r.bodies[len(r.bodies)-1]
		if n := len(strings.Fields(req.Header.Get(webhooks.HeaderSignature))); n != wantSigs {
			t.Fatalf("%d signatures, want %d", n, wantSigs)
		}
		if err := webhooks.Verify(rot.Secret, req.Header, []byte(body), time.Minute, f.clock.now()); err != nil {
			t.Fatalf("the new secret does not verify: %v", err)
		}
		err := webhooks.Verify(ep.Secret, req.Header, []byte(body), time.Minute, f.clock.now())
		if (wantSigs == 2) != (err == nil) {
			t.Fatalf("the old secret with %d signatures: %v", wantSigs, err)
		}
	}
	check(2)
	f.clock.add(PreviousSecretTTL + time.Second)
	check(1)
}

func TestAReplayResendsAnEndpointsFailedDeliveriesInEventOrder(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 500)
	ep := f.endpoint(t, "t-p", r.URL, "*")
	start := f.clock.now()
	var ids []string
	for i := range 3 {
		ev := event(t, "t-p", "apikey.created", start.Add(time.Duration(i)*time.Second))
		ids = append(ids, ev.ID)
		if _, err := f.svc.Dispatch(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	f.runAll(t, r) // the outage outlasts every retry
	if ds := f.deliveries(t, "t-p", DeliveryFilter{Status: StatusFailed}); len(ds) != 3 {
		t.Fatalf("failed deliveries = %d", len(ds))
	}
	r.mu.Lock()
	r.statuses, r.got, r.bodies = []int{200}, nil, nil
	r.mu.Unlock()
	if err := f.svc.Replay(ctx, "t-p", audit.System, ep.ID, start.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	var order []string
	for _, req := range r.got {
		order = append(order, req.Header.Get(webhooks.HeaderID))
	}
	if !slices.Equal(order, ids) {
		t.Fatalf("replayed %v, want %v", order, ids)
	}
	if ds := f.deliveries(t, "t-p", DeliveryFilter{Status: StatusSucceeded}); len(ds) != 3 || !ds[0].Attempts[len(ds[0].Attempts)-1].Manual {
		t.Fatalf("after the replay: %+v", ds)
	}
}

func TestAManualRetrySendsAgainOnce(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 200)
	f.endpoint(t, "t-m", r.URL, "*")
	if _, err := f.svc.Dispatch(ctx, event(t, "t-m", "apikey.created", f.clock.now())); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	d := f.deliveries(t, "t-m", DeliveryFilter{})[0]
	if _, err := f.svc.Retry(ctx, "t-m", audit.System, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Retry(ctx, "t-m", audit.System, d.ID); err != nil { // a double click
		t.Fatal(err)
	}
	f.drain(t)
	got, _ := f.svc.Delivery(ctx, "t-m", d.ID)
	if r.count() != 2 || len(got.Attempts) != 2 || !got.Attempts[1].Manual || got.Status != StatusSucceeded {
		t.Fatalf("received %d, delivery %+v", r.count(), got)
	}
	if _, err := f.svc.Retry(ctx, "t-other", audit.System, d.ID); code(err) != "delivery_not_found" {
		t.Fatalf("another tenant retries the delivery: %v", err)
	}
}

func TestDeliveriesAreListedByEndpointStatusTypeAndTime(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	ok, bad := newReceiver(t, 200), newReceiver(t, 500)
	a := f.endpoint(t, "t-l", ok.URL, "*")
	b := f.endpoint(t, "t-l", bad.URL, "apikey.revoked")
	t0 := f.clock.now()
	for i, typ := range []string{"apikey.created", "apikey.revoked", "apikey.created"} {
		if _, err := f.svc.Dispatch(ctx, event(t, "t-l", typ, t0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range f.q.take() {
		if err := f.svc.Process(ctx, []byte(m.body)); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		flt  DeliveryFilter
		want int
	}{
		{"all", DeliveryFilter{}, 4},
		{"one endpoint", DeliveryFilter{EndpointID: a.ID}, 3},
		{"the other", DeliveryFilter{EndpointID: b.ID}, 1},
		{"pending", DeliveryFilter{Status: StatusPending}, 1},
		{"one type", DeliveryFilter{EventType: "apikey.created"}, 2},
		{"since", DeliveryFilter{Since: t0.Add(90 * time.Second)}, 1},
		{"another tenant's endpoint", DeliveryFilter{EndpointID: "ep_nope"}, 0},
	}
	for _, c := range cases {
		if got := f.deliveries(t, "t-l", c.flt); len(got) != c.want {
			t.Errorf("%s: %d deliveries, want %d", c.name, len(got), c.want)
		}
	}
	if got := f.deliveries(t, "t-nobody", DeliveryFilter{}); len(got) != 0 {
		t.Fatalf("another tenant lists %d deliveries", len(got))
	}
	first, next, err := f.svc.Deliveries(ctx, "t-l", DeliveryFilter{}, 3, "")
	if err != nil || len(first) != 3 || next == "" {
		t.Fatalf("first page: %d, %q, %v", len(first), next, err)
	}
	rest, _, err := f.svc.Deliveries(ctx, "t-l", DeliveryFilter{}, 3, next)
	if err != nil || len(rest) != 1 {
		t.Fatalf("second page: %d %v", len(rest), err)
	}
	if _, _, err := f.svc.Deliveries(ctx, "t-l", DeliveryFilter{Status: StatusFailed}, 3, next); !errors.Is(err, store.ErrBadCursor) {
		t.Fatalf("a cursor used with another filter: %v", err)
	}
	if _, _, err := f.svc.Deliveries(ctx, "t-l", DeliveryFilter{Status: "lost"}, 3, ""); code(err) != "invalid_status" {
		t.Fatalf("an unknown status: %v", err)
	}
}

func TestALongDelayIsAChainOfQueueHops(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	m := message{Kind: kindAttempt, Tenant: "t-c", Delivery: "dlv_x", Attempt: 6, NotBefore: ts(f.clock.now().Add(2 * time.Hour))}
	body, _ := json.Marshal(m)
	if err := f.svc.Process(ctx, body); err != nil {
		t.Fatal(err)
	}
	ms := f.q.take()
	if len(ms) != 1 || ms[0].delay != 15*time.Minute || !strings.Contains(ms[0].body, m.NotBefore) {
		t.Fatalf("queued %+v", ms)
	}
}

func TestMessagesThatCannotBeReadAreRefused(t *testing.T) {
	f := setup(t)
	for _, body := range []string{`{`, `{"kind":"attempt","tenant":"t#x","delivery":"d","attempt":1}`, `{"kind":"attempt","tenant":"t","attempt":1}`, `{"kind":"nuke","tenant":"t"}`} {
		if err := f.svc.Process(context.Background(), []byte(body)); err == nil {
			t.Errorf("%s was processed", body)
		}
	}
}

// runAll processes queued messages, moving the clock as SQS delays them, until none is
// left; it returns how many attempts the receiver got meanwhile.
func (f *fixture) runAll(t *testing.T, r *receiver) int {
	t.Helper()
	before := r.count()
	for hop := 0; hop < 500; hop++ {
		ms := f.q.take()
		if len(ms) == 0 {
			return r.count() - before
		}
		for _, m := range ms {
			f.clock.add(m.delay)
			if err := f.svc.Process(context.Background(), []byte(m.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Fatal("the queue never empties")
	return 0
}

func TestADuplicateAfterAFailedAttemptDoesNotForkTheRetries(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 500, 500, 200)
	f.endpoint(t, "t-fork", r.URL, "*")
	if _, err := f.svc.Dispatch(ctx, event(t, "t-fork", "apikey.created", f.clock.now())); err != nil {
		t.Fatal(err)
	}
	first := f.q.take()[0]
	for range 3 { // SQS delivers the first message three times
		if err := f.svc.Process(ctx, []byte(first.body)); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.runAll(t, r); n != 2 {
		t.Fatalf("after the duplicates, %d more attempts reached the receiver, want 2 (the failed second, the third)", n)
	}
	d := f.deliveries(t, "t-fork", DeliveryFilter{})[0]
	if r.count() != 3 || len(d.Attempts) != 3 || d.Status != StatusSucceeded {
		t.Fatalf("received %d, delivery %+v", r.count(), d)
	}
}

func TestANextAttemptWhoseMessageWasLostIsQueuedAgainOnce(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 503, 200)
	f.endpoint(t, "t-lost", r.URL, "*")
	if _, err := f.svc.Dispatch(ctx, event(t, "t-lost", "apikey.created", f.clock.now())); err != nil {
		t.Fatal(err)
	}
	m := f.q.take()[0]
	f.q.mu.Lock()
	f.q.fail = 1 // the attempt is recorded, then queueing the next one fails
	f.q.mu.Unlock()
	if err := f.svc.Process(ctx, []byte(m.body)); !errors.Is(err, errQueueDown) {
		t.Fatalf("err = %v, want the queue's", err)
	}
	if len(f.q.take()) != 0 {
		t.Fatal("something was queued")
	}
	// SQS delivers the message again: the next attempt is queued, once.
	if err := f.svc.Process(ctx, []byte(m.body)); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Process(ctx, []byte(m.body)); err != nil {
		t.Fatal(err)
	}
	if n := f.runAll(t, r); n != 1 {
		t.Fatalf("%d attempts after the loss, want 1", n)
	}
	if d := f.deliveries(t, "t-lost", DeliveryFilter{})[0]; len(d.Attempts) != 2 || d.Status != StatusSucceeded {
		t.Fatalf("delivery %+v", d)
	}
}

func TestATestSendThatFailsBeforeItsAttemptCanBeRetried(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 200)
	ep := f.endpoint(t, "t-ts", r.URL, "*")
	// The endpoint's sealed secret cannot be opened (a KMS failure, say).
	k := store.WebhookEndpointKey("t-ts", ep.ID)
	_, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(f.table),
		Key:                       map[string]ddbtypes.AttributeValue{"PK": &ddbtypes.AttributeValueMemberS{Value: k.PK}, "SK": &ddbtypes.AttributeValueMemberS{Value: k.SK}},
		UpdateExpression:          aws.String("SET secretEnc = :x"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":x": &ddbtypes.AttributeValueMemberS{Value: "broken"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.SendTest(ctx, "t-ts", ep.ID); err == nil {
		t.Fatal("the test send succeeded without its secret")
	}
	ds := f.deliveries(t, "t-ts", DeliveryFilter{})
	if len(ds) != 1 || ds[0].Status != StatusFailed {
		t.Fatalf("the test's delivery: %+v, want failed, retryable", ds)
	}
	f.clock.add(claimTTL + time.Second)
	if _, err := f.svc.Retry(ctx, "t-ts", audit.System, ds[0].ID); err != nil {
		t.Fatalf("retry of the test's delivery: %v", err)
	}
}

func TestAnEventQueuedBeforeItsEndpointWasDisabledFailsAndIsReplayedLater(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 200)
	ep := f.endpoint(t, "t-dis", r.URL, "*")
	ev := event(t, "t-dis", "apikey.created", f.clock.now())
	f.q.mu.Lock()
	f.q.fail = 1 // the delivery is created, its first attempt not queued
	f.q.mu.Unlock()
	if _, err := f.svc.Dispatch(ctx, ev); !errors.Is(err, errQueueDown) {
		t.Fatalf("err = %v", err)
	}
	yes, no := true, false
	if _, err := f.svc.UpdateEndpoint(ctx, "t-dis", audit.System, ep.ID, EndpointInput{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Dispatch(ctx, ev); err != nil { // the fan-out message comes back
		t.Fatal(err)
	}
	f.runAll(t, r)
	d := f.deliveries(t, "t-dis", DeliveryFilter{})[0]
	if d.Status != StatusFailed || r.count() != 0 {
		t.Fatalf("delivery %+v, received %d", d, r.count())
	}
	if _, err := f.svc.UpdateEndpoint(ctx, "t-dis", audit.System, ep.ID, EndpointInput{Disabled: &no}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Replay(ctx, "t-dis", audit.System, ep.ID, ev.Time.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	f.runAll(t, r)
	if d := f.deliveries(t, "t-dis", DeliveryFilter{})[0]; d.Status != StatusSucceeded || r.count() != 1 {
		t.Fatalf("after the replay: %+v, received %d", d, r.count())
	}
}

func TestAReplayStopsAtAFailureSoThatTheRestKeepTheirOrder(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 500)
	ep := f.endpoint(t, "t-rs", r.URL, "*")
	t0 := f.clock.now()
	for i := range 3 {
		if _, err := f.svc.Dispatch(ctx, event(t, "t-rs", "apikey.created", t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	f.runAll(t, r)
	r.mu.Lock()
	r.statuses, r.got, r.bodies = []int{200, 500}, nil, nil
	r.mu.Unlock()
	if err := f.svc.Replay(ctx, "t-rs", audit.System, ep.ID, t0.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	f.runAll(t, r)
	ds := f.deliveries(t, "t-rs", DeliveryFilter{EndpointID: ep.ID})
	if r.count() != 2 || ds[0].Status != StatusSucceeded || ds[1].Status != StatusFailed || ds[2].Status != StatusFailed {
		t.Fatalf("received %d; statuses %s %s %s", r.count(), ds[0].Status, ds[1].Status, ds[2].Status)
	}
	if len(ds[2].Attempts) != webhooks.MaxAttempts {
		t.Fatalf("the third was attempted after the replay stopped: %d attempts", len(ds[2].Attempts))
	}
}

func TestEverySecretRotatedOutSignsForItsOwn24Hours(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t)
	ep := f.endpoint(t, "t-k2", r.URL, "*")
	first, err := f.svc.RotateSecret(ctx, "t-k2", audit.System, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.add(time.Hour)
	second, err := f.svc.RotateSecret(ctx, "t-k2", audit.System, ep.ID) // e.g. a retried rotate call
	if err != nil {
		t.Fatal(err)
	}
	verifies := func(secret string) bool {
		t.Helper()
		req, body := r.got[len(r.got)-1], r.bodies[len(r.bodies)-1]
		return webhooks.Verify(secret, req.Header, []byte(body), time.Minute, f.clock.now()) == nil
	}
	send := func() {
		t.Helper()
		if _, a, err := f.svc.SendTest(ctx, "t-k2", ep.ID); err != nil || !a.Success {
			t.Fatalf("test: %+v %v", a, err)
		}
	}
	send()
	if !verifies(ep.Secret) || !verifies(first.Secret) || !verifies(second.Secret) {
		t.Fatalf("after two rotations: original %v, first %v, second %v", verifies(ep.Secret), verifies(first.Secret), verifies(second.Secret))
	}
	f.clock.add(PreviousSecretTTL - 30*time.Minute) // the original's 24 hours are over, the first's are not
	send()
	if verifies(ep.Secret) || !verifies(first.Secret) || !verifies(second.Secret) {
		t.Fatalf("23.5 h later: original %v, first %v, second %v", verifies(ep.Secret), verifies(first.Secret), verifies(second.Secret))
	}
	// At most 5 rotations in 24 hours (5 signatures per delivery).
	var last error
	for range 5 {
		_, last = f.svc.RotateSecret(ctx, "t-k2", audit.System, ep.ID)
	}
	if code(last) != "too_many_rotations" {
		t.Fatalf("rotation flood: %v", last)
	}
}

func TestAReplaySkipsADeliveryAtItsAttemptCap(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	r := newReceiver(t, 500)
	ep := f.endpoint(t, "t-cap", r.URL, "*")
	start := f.clock.now()
	if _, err := f.svc.Dispatch(ctx, event(t, "t-cap", "apikey.created", start)); err != nil {
		t.Fatal(err)
	}
	f.runAll(t, r)
	for i := 0; i < MaxAttemptsKept+5; i++ {
		if err := f.svc.Replay(ctx, "t-cap", audit.System, ep.ID, start.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		f.drain(t)
	}
	ds := f.deliveries(t, "t-cap", DeliveryFilter{})
	if len(ds) != 1 || len(ds[0].Attempts) != MaxAttemptsKept {
		t.Fatalf("attempts after many replays: %d, want %d", len(ds[0].Attempts), MaxAttemptsKept)
	}
}
