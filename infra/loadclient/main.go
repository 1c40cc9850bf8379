// Command loadclient drives the local stack as a client would: N screenings at concurrency
// C through the HTTP API, then it checks that nothing acknowledged was lost (every 201
// screening reads back) and that each one has its audit record sealed in the tenant's
// chain, which verifies intact.
//
//	make run                        # in one terminal
//	go run ./infra/loadclient -n 2000 -c 8
//
// Names come from the public screening benchmark (../shared/fixtures/screening-bench, or
// $CHAINGUARD_FIXTURES), half listed people and half not.
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

type credentials struct {
	APIURL string `json:"apiUrl"`
	Tenant struct {
		ID     string `json:"id"`
		APIKey string `json:"apiKey"`
	} `json:"tenant"`
	Staff []struct {
		Group   string `json:"group"`
		IDToken string `json:"idToken"`
	} `json:"staff"`
}

func main() {
	n := flag.Int("n", 2000, "screenings to send")
	c := flag.Int("c", 8, "concurrent clients")
	credsPath := flag.String("creds", ".local/credentials.json", "the runner's credentials file")
	sealWait := flag.Duration("seal-wait", 2*time.Minute, "how long to wait for the audit records to be sealed")
	flag.Parse()
	if err := run(*n, *c, *credsPath, *sealWait); err != nil {
		fmt.Fprintln(os.Stderr, "loadclient:", err)
		os.Exit(1)
	}
}

func run(n, c int, credsPath string, sealWait time.Duration) error {
	raw, err := os.ReadFile(credsPath)
	if err != nil {
		return fmt.Errorf("read %s (is `make run` up?): %w", credsPath, err)
	}
	var cr credentials
	if err := json.Unmarshal(raw, &cr); err != nil {
		return err
	}
	auditor := ""
	for _, s := range cr.Staff {
		if s.Group == "auditor" {
			auditor = s.IDToken
		}
	}
	names := loadNames()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c}}

	type outcome struct {
		status int
		id     string
		lat    time.Duration
	}
	out := make([]outcome, n)
	var next atomic.Int64
	fmt.Printf("%d screenings at concurrency %d against %s; load before: %s\n", n, c, cr.APIURL, loadAvg())
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				body, _ := json.Marshal(map[string]string{"type": "person", "name": names[i%len(names)]})
				t0 := time.Now()
				status, resp, err := call(client, http.MethodPost, cr.APIURL+"/v1/screenings", cr.Tenant.APIKey, body)
				out[i].lat = time.Since(t0)
				if err != nil {
					out[i].status = -1
					continue
				}
				out[i].status = status
				var s struct {
					ID string `json:"id"`
				}
				_ = json.Unmarshal(resp, &s)
				out[i].id = s.ID
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)

	codes := map[int]int{}
	var lats []time.Duration
	var ids []string
	for _, o := range out {
		codes[o.status]++
		lats = append(lats, o.lat)
		if o.status == http.StatusCreated && o.id != "" {
			ids = append(ids, o.id)
		}
	}
	slices.Sort(lats)
	fmt.Printf("took %.1f s: %.1f screenings/s; latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; load after: %s\n",
		took.Seconds(), float64(n)/took.Seconds(), ms(lats[len(lats)/2]), ms(lats[len(lats)*99/100]), ms(lats[len(lats)-1]), loadAvg())
	var keys []int
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	fmt.Print("statuses:")
	for _, k := range keys {
		fmt.Printf(" %d×%d", k, codes[k])
	}
	fmt.Println()

	// Nothing acknowledged may be lost.
	lost := 0
	for _, id := range ids {
		status, _, err := call(client, http.MethodGet, cr.APIURL+"/v1/screenings/"+id, cr.Tenant.APIKey, nil)
		if err != nil || status != http.StatusOK {
			lost++
		}
	}
	fmt.Printf("read back: %d of %d acknowledged screenings, %d lost\n", len(ids)-lost, len(ids), lost)

	var problems []string
	if bad := n - codes[http.StatusCreated]; bad > 0 {
		problems = append(problems, fmt.Sprintf("%d requests did not answer 201", bad))
	}
	if lost > 0 {
		problems = append(problems, fmt.Sprintf("%d acknowledged screenings lost", lost))
	}
	if auditor == "" {
		problems = append(problems, "no auditor token in the credentials: audit trail not checked")
	} else if err := checkAudit(client, cr.APIURL, auditor, cr.Tenant.ID, ids, sealWait); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return errors.New(fmt.Sprint(problems))
	}
	fmt.Println("ok: no 5xx, nothing lost, every screening audited in an intact chain")
	return nil
}

// checkAudit waits until the sealer has chained every screening's record, then verifies
// the chain.
func checkAudit(client *http.Client, api, token, tenant string, ids []string, wait time.Duration) error {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	base := api + "/v1/staff/tenants/" + tenant + "/audit"
	deadline := time.Now().Add(wait)
	t0 := time.Now()
	var after uint64
	for len(want) > 0 {
		status, raw, err := call(client, http.MethodGet, base+"?limit=200&after="+strconv.FormatUint(after, 10), token, nil)
		if err != nil || status != http.StatusOK {
			return fmt.Errorf("audit list: %d %v %s", status, err, raw)
		}
		var page struct {
			Items []struct {
				Seq     uint64 `json:"seq"`
				Action  string `json:"action"`
				Subject struct {
					ID string `json:"id"`
				} `json:"subject"`
			} `json:"items"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			return err
		}
		for _, e := range page.Items {
			after = e.Seq
			if e.Action == "screening.performed" {
				delete(want, e.Subject.ID)
			}
		}
		if len(page.Items) == 0 {
			if time.Now().After(deadline) {
				return fmt.Errorf("%d screenings have no sealed audit record after %s", len(want), wait)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	fmt.Printf("audit: every screening's record sealed (%.1f s after the load ended)\n", time.Since(t0).Seconds())
	status, raw, err := call(client, http.MethodPost, base+"/verify", token, nil)
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("audit verify: %d %v %s", status, err, raw)
	}
	var rep struct {
		Intact  bool `json:"intact"`
		Entries int  `json:"entries"`
		Blocks  int  `json:"blocks"`
	}
	_ = json.Unmarshal(raw, &rep)
	fmt.Printf("audit verify: intact %v, %d records in %d blocks\n", rep.Intact, rep.Entries, rep.Blocks)
	if !rep.Intact {
		return fmt.Errorf("audit chain not intact: %s", raw)
	}
	return nil
}

func call(client *http.Client, method, url, bearer string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(context.Background(), method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("authorization", "Bearer "+bearer)
	if body != nil {
		req.Header.Set("content-type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

func loadNames() []string {
	dir := os.Getenv("CHAINGUARD_FIXTURES")
	if dir == "" {
		dir = filepath.Join("..", "shared", "fixtures")
	}
	var names []string
	for _, f := range []string{"positives_un_clean.csv", "negatives_global_1k.csv"} {
		fh, err := os.Open(filepath.Join(dir, "screening-bench", f))
		if err != nil {
			continue
		}
		rows, _ := csv.NewReader(fh).ReadAll()
		fh.Close()
		for _, r := range rows[min(1, len(rows)):] {
			if len(r) > 0 && r[0] != "" {
				names = append(names, r[0])
			}
		}
	}
	if len(names) == 0 {
		for i := range 500 {
			names = append(names, fmt.Sprintf("Test Person %d", i))
		}
	}
	return names
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) < 14 {
		return "?"
	}
	return string(bytes.Join(bytes.Fields(b)[:3], []byte(" ")))
}
