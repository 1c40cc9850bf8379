package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestControlPostsNeedTheControlHeader(t *testing.T) {
	fired := 0
	mux := http.NewServeMux()
	mux.HandleFunc("POST /_local/schedules/{name}", controlOnly(func(w http.ResponseWriter, r *http.Request) {
		fired++
		writeJSON(w, http.StatusOK, FireResult{Schedule: r.PathValue("name"), Outcome: "ok"})
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cases := []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"a cross-site text/plain POST from a web page is refused",
			map[string]string{"Content-Type": "text/plain", "Origin": "http://evil.example"}, http.StatusForbidden},
		{"a form POST without Origin is refused too",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, http.StatusForbidden},
		{"a header with another value is refused", map[string]string{controlHeader: "yes"}, http.StatusForbidden},
		{"a POST with X-Local-Control: 1 fires", map[string]string{controlHeader: "1"}, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := fired
			req, _ := http.NewRequest("POST", srv.URL+"/_local/schedules/nightly", strings.NewReader("x=1"))
			for k, v := range c.headers {
				req.Header.Set(k, v)
			}
			resp, body := do(t, req)
			if resp.StatusCode != c.want {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, c.want)
			}
			if ran := fired > before; ran != (c.want == http.StatusOK) {
				t.Errorf("the schedule fired: %v", ran)
			}
		})
	}

	t.Run("the fire command sends the header", func(t *testing.T) {
		var out bytes.Buffer
		if err := fire(strings.TrimPrefix(srv.URL, "http://"), "nightly", &out); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
	})
}
