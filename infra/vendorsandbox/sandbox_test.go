package vendorsandbox

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParallelRequestsKeepEachApplicantsWebhooksInOrder(t *testing.T) {
	f := newFixture(t, fixtureOptions{failFirst: 3})
	token := f.metamapToken(t)
	const n = 16
	var wg sync.WaitGroup
	ids := make([]string, n)
	verifs := make([]string, n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			id := f.createApplicant(t, fmt.Sprintf("user-%d", i), "individual", nil)
			if id == "" {
				return
			}
			ids[i] = id
			f.ssClient.do("PATCH", "/resources/applicants/"+id+"/fixedInfo", map[string]any{"firstName": fmt.Sprint("N", i)}, nil)
			f.ssClient.do("GET", "/resources/applicants/-;externalUserId="+fmt.Sprintf("user-%d", i)+"/one", nil, nil)
			f.ssClient.do("POST", "/resources/applicants/"+id+"/status/testCompleted", map[string]any{"reviewAnswer": "GREEN"}, nil)
			f.ssClient.do("POST", "/resources/applicants/"+id+"/recheck/aml", nil, nil)
		}()
		go func() {
			defer wg.Done()
			v := f.createVerification(t, token, map[string]any{"i": i})
			if v == nil {
				return
			}
			verifs[i], _ = v["id"].(string)
			send(t, metamapRequest(t, "POST", f.metamap.URL+"/_sandbox/metamap/verifications/"+verifs[i]+"/complete", "", map[string]any{"status": "verified", "fields": map[string]any{"firstName": "A"}}), nil)
			send(t, metamapRequest(t, "GET", f.metamap.URL+"/v2/verifications/"+verifs[i], token, nil), nil)
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	all := f.ssHooks.wait(n * 5)
	for _, id := range ids {
		hooks := hooksOf(t, all, id)
		if got := types(hooks); got != "applicantCreated,applicantPending,applicantReviewed,applicantPending,applicantReviewed" {
			t.Errorf("applicant %s: webhooks arrived as %s", id, got)
		}
		for i := 1; i < len(hooks); i++ {
			if hooks[i]["createdAtMs"].(string) <= hooks[i-1]["createdAtMs"].(string) {
				t.Errorf("applicant %s: createdAtMs %v after %v", id, hooks[i]["createdAtMs"], hooks[i-1]["createdAtMs"])
			}
		}
	}
	mm := f.mmHooks.wait(n * 4)
	byVerif := map[string][]string{}
	for _, w := range mm {
		h := hook(t, w)
		res := h["resource"].(string)
		byVerif[res[strings.LastIndexByte(res, '/')+1:]] = append(byVerif[res[strings.LastIndexByte(res, '/')+1:]], h["eventName"].(string))
	}
	for _, id := range verifs {
		if got := strings.Join(byVerif[id], ","); got != "verification_started,step_completed,step_completed,verification_completed" {
			t.Errorf("verification %s: events arrived as %s", id, got)
		}
	}
}

func TestCloseWaitsForQueuedDeliveries(t *testing.T) {
	var mu sync.Mutex
	var got int
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		got++
		mu.Unlock()
	}))
	t.Cleanup(slow.Close)
	clk := newClock()
	s := New(Config{
		Sumsub: SumsubConfig{AppToken: testAppToken, SecretKey: testSecretKey, WebhookSecret: testSumsubWHSecret, WebhookURL: slow.URL},
		Now:    clk.Now,
	})
	srv := httptest.NewServer(s.SumsubHandler())
	t.Cleanup(srv.Close)
	c := &sumsubClient{t: t, base: srv.URL, token: testAppToken, secret: testSecretKey, now: clk.Now}
	for i := range 3 {
		c.do("POST", "/resources/applicants?levelName=l", map[string]any{"externalUserId": fmt.Sprint("u", i)}, nil)
	}
	s.Close()
	mu.Lock()
	defer mu.Unlock()
	if got != 3 {
		t.Errorf("Close returned with %d of 3 webhooks delivered", got)
	}

	// After Close the API still answers; its webhooks are dropped.
	if status := c.do("POST", "/resources/applicants?levelName=l", map[string]any{"externalUserId": "late"}, nil); status != http.StatusCreated {
		t.Errorf("after Close: status %d, want 201", status)
	}
}

func TestCloseCutsRetryWaitsShort(t *testing.T) {
	f := newFixture(t, fixtureOptions{failFirst: 1000, retryDelays: []time.Duration{time.Hour}})
	f.createApplicant(t, "user-close", "individual", nil)
	for deadline := time.Now().Add(5 * time.Second); len(f.ssHooks.allAttempts()) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first attempt never came")
		}
	}
	start := time.Now()
	f.sandbox.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %v waiting for a retry an hour away", d)
	}
}

func TestLogsCarryNoPersonalData(t *testing.T) {
	f := newFixture(t, fixtureOptions{failFirst: 1})
	id := f.createApplicant(t, "ext-user-secret", "individual", map[string]any{"firstName": "Zelda", "lastName": "Quux", "dob": "1971-03-04"})
	f.ssClient.do("POST", "/resources/applicants/"+id+"/status/testCompleted", map[string]any{"reviewAnswer": "GREEN"}, nil)
	token := f.metamapToken(t)
	v := f.createVerification(t, token, map[string]any{"email": "zelda@example.com"})
	send(t, metamapRequest(t, "POST", f.metamap.URL+"/_sandbox/metamap/verifications/"+v["id"].(string)+"/complete", "", map[string]any{"status": "verified", "fields": map[string]any{"firstName": "Zelda"}}), nil)
	f.ssHooks.wait(3)
	f.mmHooks.wait(4)
	f.sandbox.Close()
	lines := f.logs.all()
	if len(lines) == 0 {
		t.Fatal("no delivery was logged")
	}
	for _, l := range lines {
		for _, personal := range []string{"ext-user-secret", "Zelda", "Quux", "1971", "zelda@example.com"} {
			if strings.Contains(l, personal) {
				t.Errorf("log line %q carries %q", l, personal)
			}
		}
	}
}

func TestNewSecretsAreRandomAndApply(t *testing.T) {
	a, b := NewSecrets(), NewSecrets()
	if a == b || !strings.HasPrefix(a.SumsubAppToken, "sbx:") || a.SumsubSecretKey == "" || a.MetaMapWebhookSecret == "" {
		t.Errorf("secrets %+v, %+v", a, b)
	}
	var cfg Config
	cfg.Sumsub.WebhookURL = "http://127.0.0.1:3000/webhooks/sumsub"
	a.Apply(&cfg)
	if cfg.Sumsub.AppToken != a.SumsubAppToken || cfg.MetaMap.ClientSecret != a.MetaMapClientSecret || cfg.Sumsub.WebhookURL == "" {
		t.Errorf("Apply gave %+v", cfg)
	}
}
