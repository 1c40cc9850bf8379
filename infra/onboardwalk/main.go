// Command onboardwalk walks onboarding through the running local stack as a client and
// its end users would: create a user, record consent, start KYC, complete it in the
// local vendor sandbox (Sumsub), and wait for the account's decision. With -n it onboards
// many users concurrently and reports users per second and the time from the vendor's
// GREEN to the decision; -acks measures how fast signed vendor webhooks are acknowledged.
//
//	make run                                   # in one terminal
//	go run ./infra/onboardwalk                 # one clean user, step by step
//	go run ./infra/onboardwalk -name "Eric Badege"   # a listed name: pending_review
//	go run ./infra/onboardwalk -n 1000 -c 8    # load: 1,000 users
//	go run ./infra/onboardwalk -acks 500       # webhook acknowledgement latency
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chainfi/chainguard/shared/sumsub"
)

type credentials struct {
	APIURL string `json:"apiUrl"`
	Tenant struct {
		APIKey string `json:"apiKey"`
	} `json:"tenant"`
	Vendors struct {
		Sumsub struct {
			BaseURL       string `json:"baseUrl"`
			AppToken      string `json:"appToken"`
			SecretKey     string `json:"secretKey"`
			WebhookSecret string `json:"webhookSecret"`
		} `json:"sumsub"`
	} `json:"vendors"`
}

type walker struct {
	dob, nationality string
	cr               credentials
	api              *sumsub.Client
	http             *http.Client
	verbose          bool
}

func main() {
	n := flag.Int("n", 1, "users to onboard")
	c := flag.Int("c", 8, "concurrent users")
	name := flag.String("name", "Maria Lindqvist", "the person's first and last name")
	dob := flag.String("dob", "1985-06-15", "the person's date of birth (YYYY-MM-DD, or empty)")
	nationality := flag.String("nationality", "DEU", "the person's nationality and residence (ISO alpha-3)")
	acks := flag.Int("acks", 0, "send this many signed Sumsub webhooks and report their acknowledgement latency")
	credsPath := flag.String("creds", ".local/credentials.json", "the runner's credentials file")
	flag.Parse()
	w, err := load(*credsPath)
	if err != nil {
		fail(err)
	}
	w.dob, w.nationality = *dob, *nationality
	switch {
	case *acks > 0:
		err = w.measureAcks(*acks, *c)
	case *n == 1:
		w.verbose = true
		_, err = w.onboard(context.Background(), fmt.Sprintf("walk-%d", time.Now().UnixNano()), *name)
	default:
		err = w.load(*n, *c, *name)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "onboardwalk:", err)
	os.Exit(1)
}

func load(path string) (*walker, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s (is `make run` up?): %w", path, err)
	}
	var cr credentials
	if err := json.Unmarshal(raw, &cr); err != nil {
		return nil, err
	}
	if cr.Vendors.Sumsub.BaseURL == "" {
		return nil, fmt.Errorf("%s has no vendors.sumsub: restart `make run`", path)
	}
	api, err := sumsub.NewClient(sumsub.Config{BaseURL: cr.Vendors.Sumsub.BaseURL, AppToken: cr.Vendors.Sumsub.AppToken, SecretKey: []byte(cr.Vendors.Sumsub.SecretKey)})
	if err != nil {
		return nil, err
	}
	return &walker{cr: cr, api: api, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}, nil
}

type result struct {
	status     string
	greenToEnd time.Duration
	total      time.Duration
}

// onboard takes one user from creation to its decision.
func (w *walker) onboard(ctx context.Context, ref, name string) (result, error) {
	start := time.Now()
	u, err := w.call(http.MethodPost, "/v1/users", map[string]any{"externalRef": ref, "type": "individual", "jurisdiction": "EU"})
	if err != nil {
		return result{}, err
	}
	id := fmt.Sprint(u["id"])
	w.say("created %s: %s", id, u["status"])
	if u, err = w.call(http.MethodPost, "/v1/users/"+id+"/consent", map[string]any{"version": "2026-12", "accepted": true, "ipAddress": "203.0.113.7", "userAgent": "onboardwalk"}); err != nil {
		return result{}, err
	}
	w.say("consent recorded: %s, KYC deadline %s", u["status"], u["kycDeadline"])
	sess, err := w.call(http.MethodPost, "/v1/users/"+id+"/kyc", map[string]any{"vendor": "sumsub"})
	if err != nil {
		return result{}, err
	}
	applicant := fmt.Sprint(sess["applicantId"])
	w.say("KYC started: applicant %s, level %s, an access token for the WebSDK", applicant, sess["levelName"])
	first, last, _ := strings.Cut(name, " ")
	// What the person's documents say, as the vendor reads them.
	if err := w.api.PatchFixedInfo(ctx, applicant, sumsub.Identity{FirstName: first, LastName: last, DOB: w.dob, Country: w.nationality, Nationality: w.nationality}); err != nil {
		return result{}, fmt.Errorf("sandbox fixedInfo: %w", err)
	}
	green := time.Now()
	if err := w.api.TestCompleted(ctx, applicant, sumsub.ReviewResult{ReviewAnswer: "GREEN"}); err != nil {
		return result{}, fmt.Errorf("sandbox testCompleted: %w", err)
	}
	w.say("the vendor approved (GREEN); its signed webhook is on its way")
	poll := 20 * time.Millisecond
	if !w.verbose {
		// Under load the clients' polling would take the function's slots from the work.
		poll = 250 * time.Millisecond
	}
	for deadline := time.Now().Add(120 * time.Second); time.Now().Before(deadline); time.Sleep(poll) {
		if u, err = w.call(http.MethodGet, "/v1/users/"+id, nil); err != nil {
			return result{}, err
		}
		switch s := fmt.Sprint(u["status"]); s {
		case "active", "pending_review", "rejected", "restricted":
			r := result{status: s, greenToEnd: time.Since(green), total: time.Since(start)}
			// The server's own times: the vendor's event (reviewedAt) to the decision (the
			// history's last change), free of the polling interval.
			if d, ok := serverDecision(u); ok {
				r.greenToEnd = d
			}
			if w.verbose {
				b, _ := json.MarshalIndent(map[string]any{"status": u["status"], "statusReason": u["statusReason"], "kyc": u["kyc"], "aml": u["aml"], "riskTier": u["riskTier"]}, "", "  ")
				w.say("decided in %v after the GREEN:\n%s", r.greenToEnd.Round(time.Millisecond), b)
			}
			return r, nil
		}
	}
	return result{}, fmt.Errorf("user %s: no decision within 60 s (status %v)", id, u["status"])
}

// serverDecision is the time from the vendor's review (kyc.reviewedAt, the webhook's
// createdAtMs) to the last status change.
func serverDecision(u map[string]any) (time.Duration, bool) {
	kyc, _ := u["kyc"].(map[string]any)
	hist, _ := u["history"].([]any)
	if kyc == nil || len(hist) == 0 {
		return 0, false
	}
	last, _ := hist[len(hist)-1].(map[string]any)
	from, err1 := time.Parse(time.RFC3339Nano, fmt.Sprint(kyc["reviewedAt"]))
	to, err2 := time.Parse(time.RFC3339Nano, fmt.Sprint(last["at"]))
	if err1 != nil || err2 != nil || to.Before(from) {
		return 0, false
	}
	return to.Sub(from), true
}

func (w *walker) load(n, c int, name string) error {
	fmt.Printf("onboarding %d users, %d at a time; load before: %s\n", n, c, loadAvg())
	var (
		next    atomic.Int64
		mu      sync.Mutex
		results []result
		errs    []error
		wg      sync.WaitGroup
	)
	run := fmt.Sprintf("load-%d", time.Now().Unix())
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				r, err := w.onboard(context.Background(), fmt.Sprintf("%s-%d", run, i), name)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					results = append(results, r)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	byStatus := map[string]int{}
	var g2e, tot []time.Duration
	for _, r := range results {
		byStatus[r.status]++
		g2e = append(g2e, r.greenToEnd)
		tot = append(tot, r.total)
	}
	fmt.Printf("%d decided in %.1f s: %.1f users/s end to end; %v; %d errors; load after: %s\n", len(results), wall.Seconds(), float64(len(results))/wall.Seconds(), byStatus, len(errs), loadAvg())
	if len(results) > 0 {
		fmt.Printf("vendor's GREEN (createdAtMs) to decision, server times: %s\nwhole onboarding per user (7 API calls, 2 sandbox calls, polling): %s\n", pct(g2e), pct(tot))
	}
	for i, err := range errs {
		if i == 5 {
			break
		}
		fmt.Println("error:", err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d of %d users failed", len(errs), n)
	}
	return nil
}

// measureAcks posts signed applicantPending webhooks for unknown applicants (recorded,
// queued, decided as not ours) and times the answers.
func (w *walker) measureAcks(n, c int) error {
	var (
		mu   sync.Mutex
		lat  []time.Duration
		bad  atomic.Int64
		next atomic.Int64
		wg   sync.WaitGroup
	)
	secret := []byte(w.cr.Vendors.Sumsub.WebhookSecret)
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				body := fmt.Sprintf(`{"applicantId":"ack%020d","inspectionId":"i","correlationId":"req-%d","externalUserId":"u%d","levelName":"id-and-liveness","type":"applicantPending","reviewStatus":"pending","createdAtMs":"%s","sandboxMode":true}`,
					i, i, i, time.Now().UTC().Format("2006-01-02 15:04:05.000"))
				req, _ := http.NewRequest(http.MethodPost, w.cr.APIURL+"/webhooks/sumsub", strings.NewReader(body))
				req.Header.Set("content-type", "application/json")
				req.Header.Set(sumsub.HeaderPayloadDigest, sumsub.SignWebhook(secret, []byte(body), "HMAC_SHA256_HEX"))
				req.Header.Set(sumsub.HeaderPayloadDigestAlg, "HMAC_SHA256_HEX")
				t0 := time.Now()
				resp, err := w.http.Do(req)
				d := time.Since(t0)
				if err != nil || resp.StatusCode != 200 {
					bad.Add(1)
				}
				if resp != nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("%d signed webhooks, %d at a time, in %.1f s (%.1f/s); non-200: %d; acknowledgement %s; load after: %s\n",
		n, c, time.Since(start).Seconds(), float64(n)/time.Since(start).Seconds(), bad.Load(), pct(lat), loadAvg())
	return nil
}

func (w *walker) call(method, path string, body any) (map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.cr.APIURL+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("authorization", "Bearer "+w.cr.Tenant.APIKey)
	if body != nil {
		req.Header.Set("content-type", "application/json")
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &out)
	if resp.StatusCode >= 300 {
		return out, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return out, nil
}

func (w *walker) say(format string, args ...any) {
	if w.verbose {
		fmt.Printf(format+"\n", args...)
	}
}

func pct(ds []time.Duration) string {
	slices.Sort(ds)
	q := func(p float64) time.Duration {
		return ds[min(len(ds)-1, int(float64(len(ds))*p))].Round(100 * time.Microsecond)
	}
	return fmt.Sprintf("p50 %v, p99 %v, max %v", q(0.5), q(0.99), ds[len(ds)-1].Round(100*time.Microsecond))
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) < 14 {
		return "?"
	}
	return string(bytes.Join(bytes.Fields(b)[:3], []byte(" ")))
}
