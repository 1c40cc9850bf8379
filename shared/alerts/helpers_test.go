package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
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
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/webhooks"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

type fixture struct {
	svc   *Service
	db    *dynamodb.Client
	table string
	calls *emulator.Calls
	clock atomic.Int64 // unix milliseconds
}

var client = audit.Actor{Type: "client", ID: "key1"}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	cfg := emulator.TestConfig(t)
	f := &fixture{calls: &emulator.Calls{}}
	f.clock.Store(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC).UnixMilli())
	f.db = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, f.calls.Middleware) })
	f.table = stack.TestTable(t, cfg)
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("alerts test")})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := envelope.New(kms.NewFromConfig(cfg), aws.ToString(key.KeyMetadata.Arn))
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(f.db, f.table, store.WithCursorSecret([]byte(strings.Repeat("k", 32))))
	f.svc = New(Config{Store: st, Audit: audit.New(f.db, f.table), Enc: enc, Now: f.now})
	return f
}

func (f *fixture) now() time.Time { return time.UnixMilli(f.clock.Load()).UTC() }

// tick moves the clock on a minute.
func (f *fixture) tick() time.Time {
	return time.UnixMilli(f.clock.Add(int64(time.Minute / time.Millisecond))).UTC()
}

// ids are fixed per test so that the hashes and versions below read as a story.
func userID(n int) string { return fmt.Sprintf("usr_01je28jt97kb6cq643dzvmx%03d", n) }

func finding(t store.TenantID, user string, n int) Finding {
	return Finding{
		Tenant: t, UserID: user, ListSource: "OFAC-SDN", EntityID: "36216", EntityHash: "entityhash-v1",
		SubjectHash: "subjecthash-1", Kind: KindSanctions, Outcome: OutcomePotentialMatch, Score: 0.86,
		ListVersion: fmt.Sprintf("%06d-3f9a1c0b7d2e", n), ScreeningID: fmt.Sprintf("scr_%d", n), RunID: "run_1",
		Reasons: []string{"name_fuzzy", "dob_year"},
	}
}

func (f *fixture) raise(t *testing.T, fd Finding) Result {
	t.Helper()
	fd.FoundAt = f.tick()
	r, err := f.svc.Raise(context.Background(), fd)
	if err != nil {
		t.Fatalf("raise %s: %v", fd.ScreeningID, err)
	}
	return r
}

func (f *fixture) resolve(t *testing.T, tenant store.TenantID, id, status string) Alert {
	t.Helper()
	f.tick()
	a, err := f.svc.Resolve(context.Background(), client, tenant, id, ResolutionInput{Status: status, Comment: "Different person: the listed one is older."})
	if err != nil {
		t.Fatalf("resolve %s: %v", id, err)
	}
	return a
}

type staged struct {
	ID   string
	Type string
	Data eventData
}

// outbox lists the alert events staged for a tenant, in order, after checking each
// against the catalogue.
func (f *fixture) outbox(t *testing.T, tenant store.TenantID) []staged {
	t.Helper()
	var out []staged
	for _, it := range f.scan(t) {
		var o struct {
			Entity   string `dynamodbav:"entity"`
			TenantID string `dynamodbav:"tenantId"`
			Type     string `dynamodbav:"type"`
			Envelope string `dynamodbav:"envelope"`
		}
		if err := store.Unmarshal(it, &o); err != nil || o.Entity != events.EntityOutbox || o.TenantID != string(tenant) {
			continue
		}
		env, err := events.Decode([]byte(o.Envelope))
		if err != nil {
			t.Fatal(err)
		}
		if err := webhooks.ValidateData(env.Type, env.Data); err != nil {
			t.Fatalf("%s data off its schema: %v", env.Type, err)
		}
		s := staged{ID: env.ID, Type: env.Type}
		if err := json.Unmarshal(env.Data, &s.Data); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b staged) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (f *fixture) audits(t *testing.T, tenant store.TenantID) []string {
	t.Helper()
	var out []string
	for _, it := range f.scan(t) {
		if e, ok := audit.EntryFromItem(it); ok && e.Tenant == string(tenant) {
			out = append(out, e.Action)
		}
	}
	return out
}

func (f *fixture) scan(t *testing.T) []map[string]types.AttributeValue {
	t.Helper()
	var out []map[string]types.AttributeValue
	var start map[string]types.AttributeValue
	for {
		page, err := f.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: &f.table, ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
		if page.LastEvaluatedKey == nil {
			return out
		}
		start = page.LastEvaluatedKey
	}
}

func types_(ss []staged) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Type
		if s.Data.Change != "" {
			out[i] += ":" + s.Data.Change
		}
	}
	return out
}
