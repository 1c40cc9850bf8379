package main

import "net/http"

// controlHeader must accompany every POST to the /_local control endpoints. The runner
// listens on loopback, but any web page the developer opens can still send it a
// cross-site POST (a form, or fetch in no-cors mode with a text/plain body) and fire a
// schedule. A page cannot add a custom header without a CORS preflight, and the runner
// grants none, so requiring one refuses those requests whatever the browser does with
// Origin and Referer. curl and `go run ./infra/local fire` send it.
const controlHeader = "X-Local-Control"

// controlOnly wraps a control endpoint that changes something.
func controlOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(controlHeader) != "1" {
			writeJSON(w, http.StatusForbidden, map[string]string{
				"message": r.Method + " " + r.URL.Path + " needs the header " + controlHeader + ": 1 (go run ./infra/local fire sends it)",
			})
			return
		}
		next(w, r)
	}
}
