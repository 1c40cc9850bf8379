// Command movementbench measures the movement log and the pre-signing decision through the
// running local stack's HTTP API: it creates users with vaults, a client list and 50
// enabled rules, logs -n movements in batches of -batch from -c clients at once, then asks
// for -checks decisions one after the other and -checks more from -c clients at once.
// It reports ingestion movements/s end to end, per-request latency p50/p99, decision
// latency p50/p99, error counts, and the machine's load (/proc/loadavg) at start and end.
//
//	go run ./infra/local -addr 127.0.0.1:3100 &         # or make run
//	go run ./infra/movementbench -creds .local/credentials.json -n 20000 -c 4 -checks 1000
//
// Movements are withdrawals (vault_to_wallet) from the created users' vaults to 100
// addresses, with the initiator and the approval path (stored encrypted), as a custody
// platform logs them. A batch that fails as a whole (5xx, timeout) is sent again, up to
// -retries times: logging is idempotent, so a retried movement that was stored answers
// "replayed" and is counted once.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chainfi/chainguard/shared/rules/rulestest"
)

type credentials struct {
	APIURL string `json:"apiUrl"`
	Tenant struct {
		ID     string `json:"id"`
		APIKey string `json:"apiKey"`
	} `json:"tenant"`
}

type config struct {
	api, key          string
	n, batch, c       int
	checks, rules     int
	users, retries    int
	enabled           int
	skipIngest        bool
	timeout           time.Duration
	run               string
	client            *http.Client
	vaults, destAddrs []string
	blocked           string
}

func main() {
	var cfg config
	creds := flag.String("creds", ".local/credentials.json", "the runner's credentials file (for -api and -key when not given)")
	flag.StringVar(&cfg.api, "api", "", "the API's base URL (default: apiUrl of -creds)")
	flag.StringVar(&cfg.key, "key", "", "the client API key (default: tenant.apiKey of -creds)")
	flag.IntVar(&cfg.n, "n", 100000, "movements to log")
	flag.IntVar(&cfg.batch, "batch", 500, "movements per POST /v1/movements (1 sends the movement itself, not a batch)")
	flag.IntVar(&cfg.c, "c", 4, "concurrent clients (ingestion, and the concurrent decision run)")
	flag.IntVar(&cfg.checks, "checks", 1000, "decisions (POST /v1/movements/check) sequentially, then as many at -c")
	flag.IntVar(&cfg.rules, "rules", 50, "enabled rules to create first (at most 50), with two client lists")
	flag.IntVar(&cfg.users, "users", 5, "users, each with one vault the movements come from")
	flag.IntVar(&cfg.retries, "retries", 2, "times a batch that failed as a whole is sent again")
	flag.DurationVar(&cfg.timeout, "timeout", 90*time.Second, "HTTP timeout per request")
	flag.BoolVar(&cfg.skipIngest, "no-ingest", false, "skip ingestion (decisions only)")
	flag.Parse()
	if cfg.api == "" || cfg.key == "" {
		raw, err := os.ReadFile(*creds)
		if err != nil {
			fail(fmt.Errorf("read %s (is the local stack up? or give -api and -key): %w", *creds, err))
		}
		var cr credentials
		if err := json.Unmarshal(raw, &cr); err != nil {
			fail(err)
		}
		if cfg.api == "" {
			cfg.api = cr.APIURL
		}
		if cfg.key == "" {
			cfg.key = cr.Tenant.APIKey
		}
	}
	cfg.api = strings.TrimRight(cfg.api, "/")
	if cfg.batch < 1 || cfg.batch > 500 || cfg.c < 1 || cfg.n < 0 || cfg.rules > 50 || cfg.users < 1 {
		fail(fmt.Errorf("-batch is 1 to 500, -c at least 1, -rules at most 50, -users at least 1"))
	}
	cfg.run = fmt.Sprintf("mvb%d", time.Now().Unix()%1e7)
	cfg.client = &http.Client{Timeout: cfg.timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 4 * cfg.c, MaxConnsPerHost: 4 * cfg.c}}
	if err := run(&cfg); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "movementbench:", err)
	os.Exit(1)
}

func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(raw))
}

// call sends a JSON request and decodes a JSON answer into out (when not nil).
func (cfg *config) call(method, path string, body, out any) (int, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, 0, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, cfg.api+path, rd)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+cfg.key)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := cfg.client.Do(req)
	if err != nil {
		return 0, time.Since(start), err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	el := time.Since(start)
	if err != nil {
		return resp.StatusCode, el, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusMultiStatus {
		return resp.StatusCode, el, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(raw[:min(len(raw), 300)])))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, el, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return resp.StatusCode, el, nil
}

func addr(n int) string { return fmt.Sprintf("0x%040x", 0xbe00000+n) }

func run(cfg *config) error {
	fmt.Printf("movementbench %s against %s: n=%d batch=%d c=%d checks=%d rules=%d users=%d\n", cfg.run, cfg.api, cfg.n, cfg.batch, cfg.c, cfg.checks, cfg.rules, cfg.users)
	fmt.Printf("load at start: %s\n", loadAvg())
	for i := 0; i < 100; i++ {
		cfg.destAddrs = append(cfg.destAddrs, addr(i))
	}
	cfg.blocked = addr(10_000)
	if err := setup(cfg); err != nil {
		return err
	}
	fmt.Printf("load after setup: %s\n", loadAvg())
	if !cfg.skipIngest && cfg.n > 0 {
		ingest(cfg)
		fmt.Printf("load after ingestion: %s\n", loadAvg())
	}
	if cfg.checks > 0 {
		decide(cfg, 1)
		fmt.Printf("load after sequential decisions: %s\n", loadAvg())
		if cfg.c > 1 {
			decide(cfg, cfg.c)
		}
	}
	fmt.Printf("load at end: %s\n", loadAvg())
	return nil
}

// setup creates the users and their vaults, the lists and the rules.
func setup(cfg *config) error {
	start := time.Now()
	for i := 0; i < cfg.users; i++ {
		var u struct {
			ID string `json:"id"`
		}
		if _, _, err := cfg.call(http.MethodPost, "/v1/users", map[string]any{"externalRef": fmt.Sprintf("%s-user-%d", cfg.run, i), "type": "individual", "jurisdiction": "EU"}, &u); err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		v := fmt.Sprintf("%s-vault-%d", cfg.run, i)
		if _, _, err := cfg.call(http.MethodPost, "/v1/users/"+u.ID+"/vaults", map[string]any{"vaultId": v, "label": "movementbench"}, nil); err != nil {
			return fmt.Errorf("link vault: %w", err)
		}
		cfg.vaults = append(cfg.vaults, v)
	}
	if cfg.rules > 0 {
		block := fmt.Sprintf("%s-blocklist", cfg.run)
		countries := fmt.Sprintf("%s-countries", cfg.run)
		items := []string{cfg.blocked}
		for i := 1; i < 200; i++ {
			items = append(items, addr(10_000+i))
		}
		if _, _, err := cfg.call(http.MethodPost, "/v1/lists", map[string]any{"name": block, "kind": "address", "items": items}, nil); err != nil {
			return fmt.Errorf("create list: %w", err)
		}
		if _, _, err := cfg.call(http.MethodPost, "/v1/lists", map[string]any{"name": countries, "kind": "country", "items": []string{"IR", "KP", "SY", "CU"}}, nil); err != nil {
			return fmt.Errorf("create list: %w", err)
		}
		actions := []string{"alert", "review", "alert"}
		for i, x := range rulestest.Quiet(block, countries)[:cfg.rules] {
			action := actions[i%3]
			if i == 0 {
				action = "block" // a withdrawal to the blocklist is blocked
			}
			if _, _, err := cfg.call(http.MethodPost, "/v1/rules", map[string]any{"name": fmt.Sprintf("%s rule %02d", cfg.run, i), "expression": x,
				"action": action, "severity": "high", "enabled": true}, nil); err != nil {
				return fmt.Errorf("rule %d (%s): %w", i, x, err)
			}
		}
	}
	var rs struct {
		Items []struct {
			Enabled bool `json:"enabled"`
		} `json:"items"`
	}
	if _, _, err := cfg.call(http.MethodGet, "/v1/rules", nil, &rs); err != nil {
		return fmt.Errorf("list rules: %w", err)
	}
	cfg.enabled = 0
	for _, r := range rs.Items {
		if r.Enabled {
			cfg.enabled++
		}
	}
	fmt.Printf("setup: %d users with a vault, %d rules created (%d enabled in the tenant), in %s\n", cfg.users, cfg.rules, cfg.enabled, time.Since(start).Round(time.Millisecond))
	return nil
}

func movement(cfg *config, i int, at time.Time) map[string]any {
	id := fmt.Sprintf("%s-%d", cfg.run, i)
	return map[string]any{
		"id": id, "kind": "vault_to_wallet", "source": map[string]any{"vaultId": cfg.vaults[i%len(cfg.vaults)]},
		"destination": map[string]any{"chain": "ETH", "address": cfg.destAddrs[i%len(cfg.destAddrs)]},
		"asset":       "USDT", "chain": "ETH", "amount": "1250.5", "valueUsd": "1250.50", "occurredAt": at.UTC().Format(time.RFC3339Nano),
		"txHash":       fmt.Sprintf("0x%064x", i),
		"initiatedBy":  map[string]any{"deviceId": "dev-7f3a", "sessionId": "sess-" + id, "ip": "203.0.113.7", "userAgent": "Custody/4.2"},
		"approvalPath": []map[string]any{{"approver": "ops-17", "role": "treasury", "at": at.Add(-time.Minute).UTC().Format(time.RFC3339)}},
	}
}

type stats struct {
	mu        sync.Mutex
	lat       []time.Duration
	status    map[string]int
	itemErrs  map[string]int
	logged    int
	replayed  int
	failedMvs int
	retries   int
}

func (s *stats) addStatus(k string) {
	s.mu.Lock()
	s.status[k]++
	s.mu.Unlock()
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func fmtCounts(m map[string]int) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// ingest logs cfg.n movements in batches from cfg.c clients.
func ingest(cfg *config) {
	st := &stats{status: map[string]int{}, itemErrs: map[string]int{}}
	batches := (cfg.n + cfg.batch - 1) / cfg.batch
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	base := start.Add(-time.Minute)
	var done atomic.Int64
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(30 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				d := done.Load()
				fmt.Printf("  %s: %d of %d movements answered (%.1f/s), load %s\n", time.Since(start).Round(time.Second), d, cfg.n, float64(d)/time.Since(start).Seconds(), loadAvg())
			}
		}
	}()
	for w := 0; w < cfg.c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b := int(next.Add(1)) - 1
				if b >= batches {
					return
				}
				from, to := b*cfg.batch, min((b+1)*cfg.batch, cfg.n)
				var ms []map[string]any
				for i := from; i < to; i++ {
					// Spread over the minutes before the start, newest last.
					ms = append(ms, movement(cfg, i, base.Add(-time.Duration(cfg.n-i)*10*time.Millisecond)))
				}
				sendBatch(cfg, st, ms)
				done.Add(int64(to - from))
			}
		}()
	}
	wg.Wait()
	close(stop)
	el := time.Since(start)
	fmt.Printf("\ningestion: %d movements in %d requests of up to %d, %d clients, in %s\n", cfg.n, batches, cfg.batch, cfg.c, el.Round(time.Millisecond))
	fmt.Printf("  stored: %d logged + %d replayed = %.1f movements/s end to end (%.1f per client)\n", st.logged, st.replayed,
		float64(st.logged+st.replayed)/el.Seconds(), float64(st.logged+st.replayed)/el.Seconds()/float64(cfg.c))
	fmt.Printf("  per request (%d, retries included): p50 %s  p99 %s  max %s\n", len(st.lat), pct(st.lat, .5).Round(time.Millisecond), pct(st.lat, .99).Round(time.Millisecond), pct(st.lat, 1).Round(time.Millisecond))
	fmt.Printf("  HTTP statuses: %s; batch retries: %d\n", fmtCounts(st.status), st.retries)
	fmt.Printf("  movements not stored: %d; item errors: %s\n", st.failedMvs, fmtCounts(st.itemErrs))
}

func sendBatch(cfg *config, st *stats, ms []map[string]any) {
	var body any = map[string]any{"movements": ms}
	if cfg.batch == 1 {
		body = ms[0]
	}
	for attempt := 0; ; attempt++ {
		var out struct {
			Results []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
				Error  *struct {
					Code string `json:"code"`
				} `json:"error"`
			} `json:"results"`
		}
		var single struct {
			ID string `json:"id"`
		}
		var dst any = &out
		if cfg.batch == 1 {
			dst = &single
		}
		code, el, err := cfg.call(http.MethodPost, "/v1/movements", body, dst)
		st.mu.Lock()
		st.lat = append(st.lat, el)
		st.mu.Unlock()
		key := fmt.Sprint(code)
		if code == 0 {
			key = "transport_error"
		}
		st.addStatus(key)
		if (code == 0 || code >= 500) && attempt < cfg.retries {
			st.mu.Lock()
			st.retries++
			st.mu.Unlock()
			time.Sleep(time.Second)
			continue
		}
		st.mu.Lock()
		defer st.mu.Unlock()
		if cfg.batch == 1 {
			switch {
			case code == http.StatusCreated:
				st.logged++
			case code == http.StatusOK:
				st.replayed++
			default:
				st.failedMvs++
				st.itemErrs[key]++
				if st.itemErrs[key] <= 3 {
					fmt.Printf("  error: %v\n", err)
				}
			}
			return
		}
		if len(out.Results) == 0 {
			st.failedMvs += len(ms)
			st.itemErrs["whole_batch_"+key] += len(ms)
			if st.itemErrs["whole_batch_"+key] <= 3*len(ms) {
				fmt.Printf("  batch failed: %v\n", err)
			}
			return
		}
		for _, r := range out.Results {
			switch r.Status {
			case "logged":
				st.logged++
			case "replayed":
				st.replayed++
			default:
				st.failedMvs++
				c := "unknown"
				if r.Error != nil {
					c = r.Error.Code
				}
				st.itemErrs[c]++
			}
		}
		return
	}
}

// decide asks for cfg.checks decisions from par clients at once: withdrawals to clean
// addresses, and one in 20 to an address on the client's blocklist (block).
func decide(cfg *config, par int) {
	var mu sync.Mutex
	var lat []time.Duration
	outcomes, errs := map[string]int{}, map[string]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= cfg.checks {
					return
				}
				to := cfg.destAddrs[i%len(cfg.destAddrs)]
				if i%20 == 0 {
					to = cfg.blocked
				}
				in := map[string]any{"kind": "vault_to_wallet", "source": map[string]any{"vaultId": cfg.vaults[i%len(cfg.vaults)]},
					"destination": map[string]any{"chain": "ETH", "address": to}, "asset": "USDT", "chain": "ETH", "amount": "250", "valueUsd": "250.00"}
				var d struct {
					Outcome string            `json:"outcome"`
					Rules   []json.RawMessage `json:"rules"`
					Errors  []json.RawMessage `json:"errors"`
				}
				code, el, err := cfg.call(http.MethodPost, "/v1/movements/check", in, &d)
				mu.Lock()
				lat = append(lat, el)
				switch {
				case err != nil:
					k := fmt.Sprint(code)
					if code == 0 {
						k = "transport_error"
					}
					errs[k]++
					if errs[k] <= 3 {
						fmt.Printf("  decision error: %v\n", err)
					}
				case len(d.Errors) > 0:
					errs["rule_errors"]++
					outcomes[d.Outcome]++
				default:
					outcomes[d.Outcome]++
					if i%20 == 0 && d.Outcome != "block" {
						errs["blocklisted_not_blocked"]++
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	fmt.Printf("\ndecisions: %d from %d client(s) in %s (%.1f/s), %d rules enabled\n", cfg.checks, par, el.Round(time.Millisecond), float64(cfg.checks)/el.Seconds(), cfg.enabled)
	fmt.Printf("  latency: p50 %s  p99 %s  max %s\n", pct(lat, .5).Round(100*time.Microsecond), pct(lat, .99).Round(100*time.Microsecond), pct(lat, 1).Round(time.Millisecond))
	fmt.Printf("  outcomes: %s; errors: %s\n", fmtCounts(outcomes), fmtCounts(errs))
}
