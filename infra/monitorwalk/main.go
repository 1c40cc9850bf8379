// Command monitorwalk walks ongoing monitoring through the running local stack as a client
// would, at scale: it seeds a tenant with monitored users, switches monitoring on, fires
// the tenant's schedule (a full run), then lists one of the users in a new OFAC
// publication and fires the list refresh (a delta run), and reports each run's wall time,
// users per second, the alert the client received by webhook and that user's platform
// status.
//
// The stack must read the OFAC main file from a copy the walk may edit:
//
//	mkdir -p /tmp/mw && cp ../shared/fixtures/sanctions/ofac-2021-07/sdn.csv /tmp/mw/
//	go run ./infra/local -param OfacSdnUrl=file:///tmp/mw/sdn.csv     # one terminal
//	go run ./infra/monitorwalk -users 20000 -sdn /tmp/mw/sdn.csv          # another
//
// Users are seeded in-process through the onboarding service itself (consent, KYC with an
// in-process vendor that approves, the initial screening) over the stack's emulator: the
// HTTP walk of onboarding is infra/onboardwalk's, and at 1.4 users/s it would take hours.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/jurisdictions"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/store"
)

type creds struct {
	APIURL   string `json:"apiUrl"`
	Emulator string `json:"emulatorEndpoint"`
	Tenant   struct {
		ID     string `json:"id"`
		APIKey string `json:"apiKey"`
	} `json:"tenant"`
}

func main() {
	users := flag.Int("users", 20000, "monitored users to seed (existing ones are kept)")
	real := flag.Int("real", 200, "how many of them go through the onboarding service's real flow; the rest are written in bulk")
	conc := flag.Int("c", 8, "concurrent seeders")
	sdn := flag.String("sdn", "/tmp/mw/sdn.csv", "the OFAC sdn.csv the stack reads (OfacSdnUrl=file://...)")
	credsPath := flag.String("creds", ".local/credentials.json", "the runner's credentials file")
	flag.Parse()
	if err := run(*users, *real, *conc, *sdn, *credsPath); err != nil {
		fmt.Fprintln(os.Stderr, "monitorwalk:", err)
		os.Exit(1)
	}
}

func run(n, realN, conc int, sdnPath, credsPath string) error {
	raw, err := os.ReadFile(credsPath)
	if err != nil {
		return err
	}
	var cr creds
	if err := json.Unmarshal(raw, &cr); err != nil {
		return err
	}
	if _, err := os.Stat(sdnPath); err != nil {
		return fmt.Errorf("%s: %w (see the command's doc)", sdnPath, err)
	}
	ctx := context.Background()
	tenant := store.TenantID(cr.Tenant.ID)
	svc, bulk, err := onboardingService(ctx, cr)
	if err != nil {
		return err
	}
	c := &client{base: cr.APIURL, key: cr.Tenant.APIKey, http: &http.Client{Timeout: 60 * time.Second}}

	// 1. Seed.
	fmt.Printf("seeding %d monitored users in tenant %s (concurrency %d)\n", n, tenant, conc)
	t0 := time.Now()
	victim, err := seed(ctx, svc, tenant, min(n, realN), conc)
	if err != nil {
		return err
	}
	if n > realN {
		fmt.Printf("  %d through the onboarding flow in %v; writing %d more in bulk\n", realN, time.Since(t0).Round(time.Second), n-realN)
		if err := bulk.seed(ctx, tenant, realN, n); err != nil {
			return err
		}
	}
	fmt.Printf("seeded in %v (%.1f users/s); the user to be listed: %s\n", time.Since(t0).Round(time.Second), float64(n)/time.Since(t0).Seconds(), victim.id)

	// 2. A webhook sink and endpoint for alerts.
	if err := c.control("PUT", "/_local/webhook-sinks/monitorwalk", `{}`); err != nil {
		return err
	}
	var ep struct{ ID, Secret string }
	if err := c.do("POST", "/v1/webhook-endpoints", `{"url":"`+cr.APIURL+`/_local/webhook-sink/monitorwalk","description":"monitorwalk","eventTypes":["alert.created","alert.updated"]}`, &ep); err != nil {
		return err
	}
	_ = c.control("PATCH", "/_local/webhook-sinks/monitorwalk", `{"secret":"`+ep.Secret+`"}`)

	// 3. Monitoring on: the tenant's schedule appears in the runner.
	if err := c.do("PUT", "/v1/monitoring", `{"enabled":true,"cadence":"daily","checks":{"lists":["sanctions","pep"]},"rescreenOnListUpdate":true}`, nil); err != nil {
		return err
	}
	name := "monitoring-" + string(tenant)
	if err := waitFor(60*time.Second, func() bool { return c.hasSchedule(name) }); err != nil {
		return fmt.Errorf("the tenant's schedule never reached the runner: %w", err)
	}
	fmt.Printf("monitoring on; schedule %s armed in the runner\n", name)

	// 4. A full run: fire the schedule.
	t0 = time.Now()
	if err := c.control("POST", "/_local/schedules/"+name, ``); err != nil {
		return err
	}
	full, err := c.waitRun(func(r runView) bool { return !r.Delta && r.StartedAt >= store.FormatTime(t0.Add(-time.Second)) })
	if err != nil {
		return err
	}
	report("full run", full, time.Since(t0))

	// 5. The victim is listed in a new OFAC publication; the refresh publishes it and the
	// bus starts a delta run.
	row := fmt.Sprintf(`99001,"%s, %s","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB %s; nationality %s."`,
		strings.ToUpper(victim.last), victim.first, victim.dobOFAC, victim.country)
	b, err := os.ReadFile(sdnPath)
	if err != nil {
		return err
	}
	if bytes.Contains(b, []byte("99001,")) {
		return fmt.Errorf("%s already lists the walk's entry: start from a fresh copy of the fixture and a fresh stack", sdnPath)
	}
	b = append(bytes.TrimRight(b, "\x1a"), []byte(row+"\r\n")...)
	if err := os.WriteFile(sdnPath, b, 0o644); err != nil {
		return err
	}
	t0 = time.Now()
	if err := c.control("POST", "/_local/schedules/chainguard-local-list-refresh", ``); err != nil {
		return err
	}
	delta, err := c.waitRun(func(r runView) bool { return r.Delta && r.StartedAt >= store.FormatTime(t0.Add(-time.Second)) })
	if err != nil {
		return err
	}
	report("delta run", delta, time.Since(t0))

	// 6. What the client sees.
	var al struct {
		Items []struct {
			ID, UserID, EntityID, ListSource, Outcome string
		} `json:"items"`
	}
	if err := c.do("GET", "/v1/alerts?status=open&userId="+victim.id, "", &al); err != nil {
		return err
	}
	var u struct{ Status string }
	if err := c.do("GET", "/v1/users/"+victim.id, "", &u); err != nil {
		return err
	}
	var sink struct {
		Deliveries []struct {
			Type           string `json:"type"`
			SignatureValid bool   `json:"signatureValid"`
		} `json:"deliveries"`
	}
	_ = waitFor(30*time.Second, func() bool {
		_ = c.do("GET", "/_local/webhook-sink/monitorwalk", "", &sink)
		return len(sink.Deliveries) > 0
	})
	created := 0
	for _, d := range sink.Deliveries {
		if d.Type == "alert.created" && d.SignatureValid {
			created++
		}
	}
	fmt.Printf("alerts for %s: %d open (%+v); alert.created webhooks received and verified: %d; platform status: %s\n",
		victim.id, len(al.Items), al.Items, created, u.Status)
	return nil
}

type runView struct {
	ID        string `json:"id"`
	Delta     bool   `json:"delta"`
	Status    string `json:"status"`
	Planned   int    `json:"usersPlanned"`
	Batches   int    `json:"batches"`
	Screened  int    `json:"usersScreened"`
	Alerts    int    `json:"alertsRaised"`
	StartedAt string `json:"startedAt"`
	PlannedAt string `json:"plannedAt"`
	Finished  string `json:"finishedAt"`
}

func report(what string, r runView, wall time.Duration) {
	fmt.Printf("%s %s: %d users planned in %d batches, %d screened, %d alerts; %v wall (%.0f users/s)\n",
		what, r.ID, r.Planned, r.Batches, r.Screened, r.Alerts, wall.Round(time.Millisecond), float64(r.Screened)/wall.Seconds())
}

func (c *client) waitRun(match func(runView) bool) (runView, error) {
	var found runView
	err := waitFor(30*time.Minute, func() bool {
		var page struct{ Items []runView }
		if c.do("GET", "/v1/monitoring/runs?limit=10", "", &page) != nil {
			return false
		}
		for _, r := range page.Items {
			if match(r) && r.Status == "done" {
				found = r
				return true
			}
		}
		return false
	})
	return found, err
}

func waitFor(d time.Duration, ok func() bool) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok() {
			return nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("timed out after %v", d)
}

type client struct {
	base, key string
	http      *http.Client
}

func (c *client) do(method, path, body string, out any) error {
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (c *client) control(method, path, body string) error {
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("X-Local-Control", "1")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if strings.Contains(string(b), `"outcome":"error"`) {
		return fmt.Errorf("%s %s: %s", method, path, b)
	}
	return nil
}

func (c *client) hasSchedule(name string) bool {
	req, _ := http.NewRequest("GET", c.base+"/_local/schedules", nil)
	resp, err := c.http.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return bytes.Contains(b, []byte(`"`+name+`"`))
}

// ---- seeding through the onboarding service ------------------------------------------

type person struct {
	id, first, last, dob, dobOFAC, nat, country string
}

type vendor struct {
	mu  sync.Mutex
	n   int
	ids map[string]onboarding.Identity
}

func (v *vendor) Start(_ context.Context, in onboarding.StartInput) (onboarding.StartOutput, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.n++
	id := fmt.Sprintf("mw%08d%s", v.n, in.UserID[len(in.UserID)-6:])
	return onboarding.StartOutput{ApplicantID: id, Session: map[string]string{"applicantId": id}}, nil
}

func (v *vendor) Applicant(_ context.Context, id string) (onboarding.VendorApplicant, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return onboarding.VendorApplicant{Outcome: onboarding.OutcomeApproved, ReviewStatus: "completed", Answer: "GREEN", Identity: v.ids[id]}, nil
}

type nopQueue struct{}

func (nopQueue) Enqueue(context.Context, onboarding.VendorEvent) error { return nil }

var theVendor = &vendor{ids: map[string]onboarding.Identity{}}

func onboardingService(ctx context.Context, cr creds) (*onboarding.Service, *bulkSeeder, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion("us-east-1"), awsconfig.WithBaseEndpoint(cr.Emulator),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	if err != nil {
		return nil, nil, err
	}
	db := dynamodb.NewFromConfig(cfg)
	const table = "chainguard-local"
	st := store.New(db, table)
	log := audit.New(db, table)
	enc, err := envelope.New(kms.NewFromConfig(cfg), "alias/chainguard-local")
	if err != nil {
		return nil, nil, err
	}
	jur, err := jurisdictions.Load()
	if err != nil {
		return nil, nil, err
	}
	loader := lists.NewLoader(st, lists.NewS3Client(cfg), "chainguard-local-lists-123456789012")
	return onboarding.New(onboarding.Config{Store: st, Audit: log, Enc: enc, Jurisdictions: jur,
		Vendors: map[string]onboarding.Vendor{onboarding.VendorSumsub: theVendor}, Screener: lists.NewScreener(st, log, enc, loader),
		Queue: nopQueue{}}), &bulkSeeder{db: db, table: table, enc: enc}, nil
}

var (
	firsts = []string{"Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Mateo", "Chloe", "Arjun", "Yuki", "Lena", "Tomas", "Ingrid", "Kofi", "Amara", "Diego", "Hana"}
	lasts  = []string{"Lindqvist", "Okafor", "Moreau", "Castellano", "Nakamura", "Kowalczyk", "Haddad", "Fitzgerald", "Van Dijk", "Sorensen", "Mensah", "Iyer", "Brennan", "Novak", "Takahashi", "Oyelaran", "Delacroix", "Varga", "Quispe", "Lindholm"}
	nats   = []string{"SWE", "NGA", "FRA", "ESP", "JPN", "POL", "LBN", "IRL", "NLD", "DNK", "GHA", "IND", "CAN", "CZE", "BRA"}
)

// seed onboards users mw-0..mw-(n-1) (idempotent by external reference) and returns the
// one the walk will list.
func seed(ctx context.Context, svc *onboarding.Service, t store.TenantID, n, conc int) (person, error) {
	var (
		next   atomic.Int64
		done   atomic.Int64
		errs   = make(chan error, conc)
		wg     sync.WaitGroup
		victim person
		vmu    sync.Mutex
	)
	by := audit.Actor{Type: "client", ID: "monitorwalk"}
	yes := true
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				rng := rand.New(rand.NewPCG(uint64(i), 99))
				p := person{first: firsts[rng.IntN(len(firsts))], last: fmt.Sprintf("%s %s", lasts[rng.IntN(len(lasts))], suffix(i)),
					nat: nats[rng.IntN(len(nats))]}
				d := time.Date(1950+rng.IntN(50), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
				p.dob, p.dobOFAC, p.country = d.Format("2006-01-02"), d.Format("02 Jan 2006"), "Ireland"
				u, _, err := svc.CreateUser(ctx, t, by, onboarding.CreateUserInput{ExternalRef: fmt.Sprintf("mw-%d", i), Type: onboarding.TypeIndividual, Jurisdiction: "US"})
				if err == nil && u.Status == "pending_consent" {
					_, err = svc.Consent(ctx, t, by, u.ID, onboarding.ConsentInput{Version: "2026-01", Accepted: &yes, IP: "203.0.113.9", UserAgent: "monitorwalk"})
				}
				if err == nil && (u.Status == "pending_consent" || u.Status == "pending_kyc") {
					var sess map[string]string
					sess, err = svc.StartKYC(ctx, t, by, u.ID, onboarding.StartKYCInput{Vendor: onboarding.VendorSumsub})
					if err == nil {
						theVendor.mu.Lock()
						theVendor.ids[sess["applicantId"]] = onboarding.Identity{FirstName: p.first, LastName: p.last, DOB: p.dob, Nationality: "IRL", Country: "IRL"}
						theVendor.mu.Unlock()
						err = svc.Process(ctx, onboarding.VendorEvent{Vendor: onboarding.VendorSumsub, Type: "applicantReviewed", ApplicantID: sess["applicantId"],
							At: time.Now().UTC(), Decisive: true, ReviewStatus: "completed", Key: "mw-" + sess["applicantId"]})
					}
				}
				if err != nil {
					errs <- fmt.Errorf("user %d: %w", i, err)
					return
				}
				if i == n/2 {
					p.id = u.ID
					vmu.Lock()
					victim = p
					vmu.Unlock()
				}
				if k := done.Add(1); k%2000 == 0 {
					fmt.Printf("  %d users\n", k)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return person{}, err
	}
	return victim, nil
}

// suffix makes each seeded name its own (two letters from the user's number), so that
// listing one user does not list hundreds of namesakes.
func suffix(i int) string {
	const letters = "bcdfghjklmnprstvz"
	s := []byte{letters[i%len(letters)], 'a', letters[(i/len(letters))%len(letters)], 'o', letters[(i/(len(letters)*len(letters)))%len(letters)], 'e', letters[(i/(len(letters)*len(letters)*len(letters)))%len(letters)]}
	s[0] -= 'a' - 'A'
	return string(s)
}

// bulkSeeder writes active users straight into the emulator's table, in the layout the
// onboarding service keeps them (its user item, with the identity envelope-encrypted):
// a benchmark's shortcut, 25 users a call, for a population the emulator could not
// onboard through the real flow in reasonable time. It has the emulator's credentials;
// nothing in the platform can do this.
type bulkSeeder struct {
	db    *dynamodb.Client
	table string
	enc   *envelope.Envelope
}

type seededUser struct {
	store.Meta
	TenantID     string `dynamodbav:"tenantId"`
	ID           string `dynamodbav:"userId"`
	ExternalRef  string `dynamodbav:"externalRef"`
	Type         string `dynamodbav:"userType"`
	Jurisdiction string `dynamodbav:"jurisdiction"`
	Status       string `dynamodbav:"status"`
	RiskTier     string `dynamodbav:"riskTier"`
	CreatedAt    string `dynamodbav:"createdAt"`
	UpdatedAt    string `dynamodbav:"updatedAt"`
	IdentityEnc  string `dynamodbav:"identityEnc"`
	History      []any  `dynamodbav:"history"`
}

func (seededUser) EntityType() string { return onboarding.EntityUser }

func (u seededUser) Indexes() store.Indexes {
	at, _ := store.ParseTime(u.CreatedAt)
	t := store.TenantID(u.TenantID)
	return store.Indexes{
		GSI1: store.Key{PK: store.UsersByStatusPK(t, u.Status), SK: store.TimeSK(at, u.ID)},
		GSI2: store.Key{PK: store.UsersByJurisdictionPK(t, u.Jurisdiction), SK: store.TimeSK(at, u.ID)},
	}
}

func (b *bulkSeeder) seed(ctx context.Context, t store.TenantID, from, to int) error {
	// Onboarded a month ago: long-standing customers, in the last full run's snapshot
	// and not among the recent onboardings a delta run reads one by one.
	now := time.Now().UTC().Add(-30 * 24 * time.Hour)
	var reqs []ddbtypes.WriteRequest
	flush := func() error {
		for len(reqs) > 0 {
			out, err := b.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{b.table: reqs}})
			if err != nil {
				return err
			}
			reqs = out.UnprocessedItems[b.table]
		}
		return nil
	}
	for i := from; i < to; i++ {
		rng := rand.New(rand.NewPCG(uint64(i), 99))
		first, last := firsts[rng.IntN(len(firsts))], fmt.Sprintf("%s %s", lasts[rng.IntN(len(lasts))], suffix(i))
		d := time.Date(1950+rng.IntN(50), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		id := "usr_" + strings.ToLower(store.NewID())
		raw, _ := json.Marshal(onboarding.Identity{FirstName: first, LastName: last, DOB: d.Format("2006-01-02"), Nationality: "IRL", Country: "IRL"})
		identity, err := envelope.EncryptString(ctx, b.enc, envelope.Context{Tenant: string(t), Record: id, Purpose: onboarding.PurposeIdentity}, string(raw))
		if err != nil {
			return err
		}
		at := store.FormatTime(now)
		item, err := store.Marshal(store.UserKey(t, id), seededUser{TenantID: string(t), ID: id, ExternalRef: fmt.Sprintf("mw-%d", i),
			Type: onboarding.TypeIndividual, Jurisdiction: "US", Status: "active", RiskTier: "low", CreatedAt: at, UpdatedAt: at,
			IdentityEnc: identity, History: []any{}})
		if err != nil {
			return err
		}
		reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: item}})
		if len(reqs) == 25 {
			if err := flush(); err != nil {
				return err
			}
		}
		if (i+1)%5000 == 0 {
			fmt.Printf("  %d users\n", i+1)
		}
	}
	return flush()
}
