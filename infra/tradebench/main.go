// Command tradebench measures P2P trades end to end through the running local stack, as
// a client would: it funds a seller once, then runs -n trades (open, paid, release: three
// API calls each), -c at a time, and reports trades per second, the time per trade and
// per call (p50, p99), the errors, and the machine's load before and after.
//
//	make run                                  # in one terminal
//	go run ./infra/tradebench -n 300 -c 4      # needs two active users (go run ./infra/onboardwalk -n 2)
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

type credentials struct {
	APIURL string `json:"apiUrl"`
	Tenant struct {
		APIKey string `json:"apiKey"`
	} `json:"tenant"`
}

type client struct {
	api, key string
	http     *http.Client
}

func (c *client) call(method, path string, body any) (int, map[string]any, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.api+path, rd)
	if err != nil {
		return 0, nil, 0, err
	}
	req.Header.Set("authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("content-type", "application/json")
	}
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	d := time.Since(start)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, d, nil
}

func load() string {
	raw, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}

func main() {
	n := flag.Int("n", 200, "trades")
	c := flag.Int("c", 4, "trades at a time")
	credsPath := flag.String("creds", ".local/credentials.json", "the runner's credentials file")
	flag.Parse()
	raw, err := os.ReadFile(*credsPath)
	if err != nil {
		log.Fatal(err)
	}
	var cr credentials
	if err := json.Unmarshal(raw, &cr); err != nil {
		log.Fatal(err)
	}
	cl := &client{api: cr.APIURL, key: cr.Tenant.APIKey, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	_, users, _, err := cl.call("GET", "/v1/users?status=active&limit=2", nil)
	if err != nil {
		log.Fatal(err)
	}
	items, _ := users["items"].([]any)
	if len(items) < 2 {
		log.Fatal("needs two active users: go run ./infra/onboardwalk -n 2")
	}
	seller, buyer := items[0].(map[string]any)["id"].(string), items[1].(map[string]any)["id"].(string)
	amount := 1_000_000
	if code, out, _, _ := cl.call("POST", "/v1/ledger/deposits", map[string]any{"id": fmt.Sprintf("bench-%d", time.Now().UnixNano()), "user": seller,
		"asset": "USDT", "amount": fmt.Sprint(amount * (*n + 10))}); code != 201 {
		log.Fatalf("deposit: %d %v", code, out)
	}
	fmt.Printf("%d trades (open, paid, release), %d at a time; load before: %s\n", *n, *c, load())
	var mu sync.Mutex
	var perTrade []time.Duration
	perCall := map[string][]time.Duration{}
	errs := map[string]int{}
	work := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				t0 := time.Now()
				step := func(name, method, path string, body any, want int) map[string]any {
					code, out, d, err := cl.call(method, path, body)
					mu.Lock()
					defer mu.Unlock()
					perCall[name] = append(perCall[name], d)
					if err != nil || code != want {
						errs[fmt.Sprintf("%s %d", name, code)]++
						return nil
					}
					return out
				}
				tr := step("open", "POST", "/v1/trades", map[string]any{"seller": seller, "buyer": buyer, "asset": "USDT", "amount": fmt.Sprint(amount),
					"fiatCurrency": "EUR", "fiatAmount": "0.92", "paymentMethod": "sepa_transfer", "paymentWindowMinutes": 30}, 201)
				if tr == nil {
					continue
				}
				id := tr["id"].(string)
				if step("paid", "POST", "/v1/trades/"+id+"/paid", map[string]any{"by": buyer}, 200) == nil {
					continue
				}
				if step("release", "POST", "/v1/trades/"+id+"/release", map[string]any{"by": seller}, 200) == nil {
					continue
				}
				mu.Lock()
				perTrade = append(perTrade, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < *n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	el := time.Since(start)
	fmt.Printf("%d trades completed in %s: %.1f trades/s end to end; errors %v; load after: %s\n", len(perTrade), el.Truncate(time.Millisecond),
		float64(len(perTrade))/el.Seconds(), errs, load())
	fmt.Printf("per trade (3 calls): p50 %s, p99 %s\n", pct(perTrade, 0.5).Truncate(time.Microsecond*100), pct(perTrade, 0.99).Truncate(time.Microsecond*100))
	for _, k := range []string{"open", "paid", "release"} {
		fmt.Printf("  %-8s p50 %s, p99 %s\n", k, pct(perCall[k], 0.5).Truncate(time.Microsecond*100), pct(perCall[k], 0.99).Truncate(time.Microsecond*100))
	}
}
