package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Webhook sinks are the runner's local receiver for client webhooks: a newcomer points a
// webhook endpoint at http://127.0.0.1:3000/_local/webhook-sink/<name> and reads what
// arrived, whether each signature verified, and what the sink answered. A sink can also
// behave badly on purpose (fail the first deliveries, answer another status, answer late,
// redirect) so that retries, disabling and timeouts can be watched locally. Sinks live in
// the runner's memory: a restart forgets them and what they received.

const (
	webhookSinksPath = "/_local/webhook-sinks/"
	webhookSinkPath  = "/_local/webhook-sink/"

	maxWebhookSinks       = 32
	maxSinkDeliveries     = 1000     // kept per sink, newest last
	maxSinkKeptBodyBytes  = 8 << 20  // per sink: fewer deliveries are kept when their bodies pass it
	maxSinkBodyKept       = 64 << 10 // of one delivery
	maxSinkBodyRead       = 1 << 20  // a larger delivery is answered 413, unverified
	maxSinkHeaderKept     = 256
	maxSinkFailFirst      = 10000
	maxSinkDelay          = 5 * time.Minute
	maxSinkSettingsBytes  = 16 << 10
	sinkDefaultStatus     = http.StatusOK
	sinkUnverifiedMessage = "invalid signature"
)

var sinkName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// webhookSinks holds the sinks by name. It is safe for concurrent use; the lock order is
// webhookSinks.mu, then a sink's mu.
type webhookSinks struct {
	now   func() time.Time
	mu    sync.RWMutex
	sinks map[string]*webhookSink
}

func newWebhookSinks(now func() time.Time) *webhookSinks {
	return &webhookSinks{now: now, sinks: map[string]*webhookSink{}}
}

// register adds the sink routes to the runner's mux. Changing a sink needs the control
// header, as every other change under /_local does; a delivery does not, since the
// webhook sender is what calls it.
func (ws *webhookSinks) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /_local/webhook-sinks", ws.handleList)
	mux.HandleFunc("PUT "+webhookSinksPath+"{name}", controlOnly(ws.handlePut))
	mux.HandleFunc("PATCH "+webhookSinksPath+"{name}", controlOnly(ws.handlePatch))
	mux.HandleFunc("DELETE "+webhookSinksPath+"{name}", controlOnly(ws.handleDelete))
	mux.HandleFunc("POST "+webhookSinkPath+"{name}", ws.handleDeliver)
	mux.HandleFunc("GET "+webhookSinkPath+"{name}", ws.handleShow)
}

// sinkSettings are what PUT and PATCH set.
type sinkSettings struct {
	secret     string // never shown
	key        []byte // the secret decoded; nil without a secret
	failFirst  int
	status     int // 0: 200
	delay      time.Duration
	redirectTo string
}

// sinkRequest is the body of PUT and PATCH. A field left out keeps its value on PATCH and
// takes its default on PUT; "secret": "" removes the secret.
type sinkRequest struct {
	Secret     *string `json:"secret"`
	FailFirst  *int    `json:"failFirst"`
	Status     *int    `json:"status"`
	DelayMs    *int    `json:"delayMs"`
	RedirectTo *string `json:"redirectTo"`
}

// decodeSinkRequest reads a PUT or PATCH body; an empty body sets nothing. Unknown fields
// are refused, so that a misspelt "failfirst" is not a sink that silently never fails.
func decodeSinkRequest(body io.Reader) (sinkRequest, error) {
	var req sinkRequest
	raw, err := io.ReadAll(io.LimitReader(body, maxSinkSettingsBytes+1))
	if err != nil {
		return req, err
	}
	if len(raw) > maxSinkSettingsBytes {
		return req, fmt.Errorf("settings over %d bytes", maxSinkSettingsBytes)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return req, nil
	}
	// encoding/json matches field names in any case and DisallowUnknownFields follows it,
	// so the names are checked exactly on a map first.
	const fields = "secret, failFirst, status, delayMs, redirectTo"
	var named map[string]json.RawMessage
	if err := json.Unmarshal(raw, &named); err != nil {
		return req, fmt.Errorf("settings: %w (a JSON object of %s)", err, fields)
	}
	for name := range named {
		if !slices.Contains(strings.Split(fields, ", "), name) {
			return req, fmt.Errorf("settings: unknown field %q (fields: %s)", name, fields)
		}
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return req, fmt.Errorf("settings: %w", err)
	}
	return req, nil
}

// apply returns base with the request's fields set, or why they cannot be.
func (req sinkRequest) apply(base sinkSettings) (sinkSettings, error) {
	s := base
	if req.Secret != nil {
		s.secret, s.key = *req.Secret, nil
		if s.secret != "" {
			key, err := webhookKey(s.secret)
			if err != nil {
				return base, err
			}
			s.key = key
		}
	}
	if req.FailFirst != nil {
		if *req.FailFirst < 0 || *req.FailFirst > maxSinkFailFirst {
			return base, fmt.Errorf("failFirst must be 0 to %d", maxSinkFailFirst)
		}
		s.failFirst = *req.FailFirst
	}
	if req.Status != nil {
		if *req.Status != 0 && (*req.Status < 200 || *req.Status > 599) {
			return base, errors.New("status must be 200 to 599 (0: 200)")
		}
		s.status = *req.Status
	}
	if req.DelayMs != nil {
		d := time.Duration(*req.DelayMs) * time.Millisecond
		if *req.DelayMs < 0 || d > maxSinkDelay {
			return base, fmt.Errorf("delayMs must be 0 to %d", maxSinkDelay.Milliseconds())
		}
		s.delay = d
	}
	if req.RedirectTo != nil {
		if err := checkRedirect(*req.RedirectTo); err != nil {
			return base, err
		}
		s.redirectTo = *req.RedirectTo
	}
	return s, nil
}

// checkRedirect accepts an absolute http(s) URL or a path on the runner ("" removes it).
func checkRedirect(to string) error {
	if to == "" {
		return nil
	}
	u, err := url.Parse(to)
	if err == nil && ((u.Scheme == "http" || u.Scheme == "https") && u.Host != "" || u.Scheme == "" && u.Host == "" && len(u.Path) > 0 && u.Path[0] == '/') {
		return nil
	}
	return fmt.Errorf("redirectTo %q must be an http(s) URL or a path starting with /", to)
}

// webhookSink is one named receiver and what it received.
type webhookSink struct {
	mu       sync.Mutex
	name     string
	settings sinkSettings
	failed   int // 503s answered since failFirst was last set
	received int // since the sink was registered
	valid    int
	invalid  int
	kept     []*sinkDelivery
	keptBody int // bytes of the kept bodies
}

// sinkDelivery is one delivery as GET /_local/webhook-sink/{name} lists it.
type sinkDelivery struct {
	Seq              int       `json:"seq"` // 1 for the sink's first delivery
	ReceivedAt       time.Time `json:"receivedAt"`
	WebhookID        string    `json:"webhookId"`
	WebhookTimestamp string    `json:"webhookTimestamp"`
	SignatureValid   bool      `json:"signatureValid"`
	VerifyError      string    `json:"verifyError,omitempty"`
	Type             string    `json:"type,omitempty"`
	Body             string    `json:"body"`
	BodyBytes        int       `json:"bodyBytes"`
	BodyTruncated    bool      `json:"bodyTruncated,omitempty"`
	AnsweredStatus   int       `json:"answeredStatus"` // 0: the sender left during delayMs
	Answer           string    `json:"answer"`         // why that status
	DelayMs          int64     `json:"delayMs,omitempty"`
	Abandoned        bool      `json:"abandoned,omitempty"`
}

// sinkAnswer is what the sink answers one delivery.
type sinkAnswer struct {
	status   int
	reason   string
	location string
	delay    time.Duration
}

// set replaces the settings; resetFailures restarts the failFirst count.
func (s *webhookSink) set(next sinkSettings, resetFailures bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings = next
	if resetFailures {
		s.failed = 0
	}
}

func (s *webhookSink) key() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings.key
}

// settle decides the answer to d, in the order a real receiver meets them: an outage
// (failFirst) and a redirect happen before the application reads the request, then the
// application refuses what it cannot read or verify, then it answers. A sink without a
// secret cannot verify, so it does not refuse: it records everything as unverified.
// d is recorded with its answer.
func (s *webhookSink) settle(d *sinkDelivery, tooLarge bool, verr error) sinkAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.settings
	a := sinkAnswer{delay: set.delay}
	switch {
	case s.failed < set.failFirst:
		s.failed++
		a.status, a.reason = http.StatusServiceUnavailable, fmt.Sprintf("failFirst: %d of %d", s.failed, set.failFirst)
	case set.redirectTo != "":
		a.status, a.reason, a.location = http.StatusFound, "redirectTo", set.redirectTo
	case tooLarge:
		a.status, a.reason = http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", maxSinkBodyRead)
	case verr != nil && !errors.Is(verr, errNoSecret):
		a.status, a.reason = http.StatusBadRequest, sinkUnverifiedMessage+": "+verr.Error()
	case set.status != 0:
		a.status, a.reason = set.status, "status"
	default:
		a.status, a.reason = sinkDefaultStatus, "received"
	}
	d.AnsweredStatus, d.Answer, d.DelayMs = a.status, a.reason, set.delay.Milliseconds()
	s.add(d)
	return a
}

// add keeps d, dropping the oldest deliveries beyond the count or the body budget.
func (s *webhookSink) add(d *sinkDelivery) {
	s.received++
	d.Seq = s.received
	if d.SignatureValid {
		s.valid++
	} else {
		s.invalid++
	}
	s.kept = append(s.kept, d)
	s.keptBody += len(d.Body)
	for len(s.kept) > maxSinkDeliveries || s.keptBody > maxSinkKeptBodyBytes && len(s.kept) > 1 {
		s.keptBody -= len(s.kept[0].Body)
		s.kept[0] = nil
		s.kept = s.kept[1:]
	}
}

// abandon notes that the sender left before the delayed answer.
func (s *webhookSink) abandon(d *sinkDelivery, after time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Answer = fmt.Sprintf("nothing: the sender closed the connection after %d ms of delayMs (would have answered %d, %s)", after.Milliseconds(), d.AnsweredStatus, d.Answer)
	d.AnsweredStatus, d.Abandoned = 0, true
}

// sinkView is a sink as the control endpoints show it: never its secret.
type sinkView struct {
	Name              string          `json:"name"`
	URL               string          `json:"url"` // where to point a webhook endpoint
	HasSecret         bool            `json:"hasSecret"`
	FailFirst         int             `json:"failFirst"`
	FailFirstAnswered int             `json:"failFirstAnswered"`
	Status            int             `json:"status"`
	DelayMs           int64           `json:"delayMs"`
	RedirectTo        string          `json:"redirectTo,omitempty"`
	Counts            sinkCounts      `json:"counts"`
	Deliveries        *[]sinkDelivery `json:"deliveries,omitempty"`
}

// sinkCounts: received, valid and invalid count every delivery since the sink was
// registered; distinctWebhookIds counts among the kept ones (a retry keeps its id, so
// fewer ids than deliveries means retries).
type sinkCounts struct {
	Received           int `json:"received"`
	Valid              int `json:"valid"`
	Invalid            int `json:"invalid"`
	Kept               int `json:"kept"`
	DistinctWebhookIDs int `json:"distinctWebhookIds"`
}

func (s *webhookSink) view(base string, withDeliveries bool) sinkView {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := sinkView{
		Name: s.name, URL: base + webhookSinkPath + s.name, HasSecret: s.settings.key != nil,
		FailFirst: s.settings.failFirst, FailFirstAnswered: s.failed, Status: s.settings.status,
		DelayMs: s.settings.delay.Milliseconds(), RedirectTo: s.settings.redirectTo,
		Counts: sinkCounts{Received: s.received, Valid: s.valid, Invalid: s.invalid, Kept: len(s.kept)},
	}
	if v.Status == 0 {
		v.Status = sinkDefaultStatus
	}
	ids := map[string]bool{}
	for _, d := range s.kept {
		ids[d.WebhookID] = true
	}
	v.Counts.DistinctWebhookIDs = len(ids)
	if withDeliveries {
		list := make([]sinkDelivery, len(s.kept))
		for i, d := range s.kept {
			list[i] = *d
		}
		v.Deliveries = &list
	}
	return v
}

func (ws *webhookSinks) lookup(name string) *webhookSink {
	ws.mu.RLock()
	defer ws.mu.RUnlock()
	return ws.sinks[name]
}

func (ws *webhookSinks) handlePut(w http.ResponseWriter, r *http.Request) { ws.change(w, r, true) }

func (ws *webhookSinks) handlePatch(w http.ResponseWriter, r *http.Request) { ws.change(w, r, false) }

// change registers or replaces a sink (PUT) or changes some of its settings (PATCH). What
// the sink received is kept either way; DELETE and PUT again start it empty.
func (ws *webhookSinks) change(w http.ResponseWriter, r *http.Request, replace bool) {
	name := r.PathValue("name")
	if !sinkName.MatchString(name) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "a sink name is 1 to 64 of A-Z a-z 0-9 _ -"})
		return
	}
	req, err := decodeSinkRequest(r.Body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
		return
	}
	sink, status, err := ws.apply(name, req, replace)
	if err != nil {
		writeJSON(w, status, map[string]string{"message": err.Error()})
		return
	}
	writeJSON(w, status, sink.view(requestBase(r), false))
}

// apply changes or creates the sink name and says with which status to answer.
func (ws *webhookSinks) apply(name string, req sinkRequest, replace bool) (*webhookSink, int, error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	sink := ws.sinks[name]
	var base sinkSettings
	switch {
	case sink == nil && !replace:
		return nil, http.StatusNotFound, fmt.Errorf("no webhook sink named %s: PUT %s%s registers it", name, webhookSinksPath, name)
	case sink == nil && len(ws.sinks) >= maxWebhookSinks:
		return nil, http.StatusConflict, fmt.Errorf("at most %d webhook sinks: DELETE one first", maxWebhookSinks)
	case sink != nil && !replace:
		sink.mu.Lock()
		base = sink.settings
		sink.mu.Unlock()
	}
	next, err := req.apply(base)
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	status := http.StatusOK
	if sink == nil {
		sink = &webhookSink{name: name}
		ws.sinks[name] = sink
		status = http.StatusCreated
	}
	sink.set(next, replace || req.FailFirst != nil)
	return sink, status, nil
}

func (ws *webhookSinks) handleDelete(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ws.mu.Lock()
	_, ok := ws.sinks[name]
	delete(ws.sinks, name)
	ws.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "no webhook sink named " + name})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (ws *webhookSinks) handleList(w http.ResponseWriter, r *http.Request) {
	ws.mu.RLock()
	sinks := make([]*webhookSink, 0, len(ws.sinks))
	for _, s := range ws.sinks {
		sinks = append(sinks, s)
	}
	ws.mu.RUnlock()
	sort.Slice(sinks, func(i, j int) bool { return sinks[i].name < sinks[j].name })
	views := make([]sinkView, len(sinks))
	for i, s := range sinks {
		views[i] = s.view(requestBase(r), false)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sinks": views})
}

func (ws *webhookSinks) handleShow(w http.ResponseWriter, r *http.Request) {
	sink := ws.lookup(r.PathValue("name"))
	if sink == nil {
		unknownSink(w, r.PathValue("name"))
		return
	}
	writeJSON(w, http.StatusOK, sink.view(requestBase(r), true))
}

// handleDeliver receives one delivery: it verifies, records, then answers as the sink's
// settings say, after delayMs.
func (ws *webhookSinks) handleDeliver(w http.ResponseWriter, r *http.Request) {
	sink := ws.lookup(r.PathValue("name"))
	if sink == nil {
		unknownSink(w, r.PathValue("name"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSinkBodyRead+1))
	if err != nil {
		return // the sender went away mid-body: nothing was delivered
	}
	now := ws.now()
	tooLarge := len(body) > maxSinkBodyRead
	d := &sinkDelivery{
		ReceivedAt:       now.UTC(),
		WebhookID:        clipUTF8(r.Header.Get("webhook-id"), maxSinkHeaderKept),
		WebhookTimestamp: clipUTF8(r.Header.Get("webhook-timestamp"), maxSinkHeaderKept),
		Type:             eventType(body),
		BodyBytes:        len(body),
	}
	d.Body = clipUTF8(string(body), maxSinkBodyKept)
	d.BodyTruncated = len(d.Body) < len(body)

	verr := fmt.Errorf("body over %d bytes: not verified", maxSinkBodyRead)
	if !tooLarge {
		verr = verifyWebhook(sink.key(), r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), body, now)
	}
	d.SignatureValid = verr == nil
	if verr != nil {
		d.VerifyError = verr.Error()
	}

	a := sink.settle(d, tooLarge, verr)
	if a.delay > 0 {
		t := time.NewTimer(a.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			sink.abandon(d, ws.now().Sub(now))
			return
		}
	}
	if a.location != "" {
		w.Header().Set("Location", a.location)
	}
	msg := map[string]any{"message": a.reason, "webhookId": d.WebhookID, "signatureValid": d.SignatureValid}
	writeJSON(w, a.status, msg)
}

func unknownSink(w http.ResponseWriter, name string) {
	writeJSON(w, http.StatusNotFound, map[string]string{
		"message": "no webhook sink named " + name + " (sinks live in the runner's memory): PUT " + webhookSinksPath + name + " with " + controlHeader + ": 1 registers it",
	})
}

// eventType is the "type" of a Standard Webhooks payload, or "" for another body.
func eventType(body []byte) string {
	var payload struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(body, &payload) != nil {
		return ""
	}
	return clipUTF8(payload.Type, maxSinkHeaderKept)
}

// clipUTF8 cuts s to at most n bytes without splitting a character.
func clipUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// requestBase is the runner's URL as the caller reached it, for the sink URLs it shows.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
