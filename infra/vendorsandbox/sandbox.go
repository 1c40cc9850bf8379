// Package vendorsandbox is a local, in-memory stand-in for the two identity vendors we call,
// Sumsub and MetaMap: their APIs as our functions use them, and their signed webhooks back
// to us. The local runner mounts its handlers and points the functions at them, so KYC
// onboarding can be walked end to end with no network.
//
// The vendor side is written here from the vendors' documentation, not from our client:
// the request signatures it checks and the webhook digests it makes are computed by this
// package's own code, so a mistake in our client's signing shows up as a refusal here
// rather than being shared by both ends.
//
// Everything lives in memory: a new Sandbox knows no applicant, verification or token.
package vendorsandbox

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Sumsub digest algorithms for the X-Payload-Digest-Alg header.
const (
	DigestSHA1   = "HMAC_SHA1_HEX"
	DigestSHA256 = "HMAC_SHA256_HEX"
	DigestSHA512 = "HMAC_SHA512_HEX"
)

// defaultRetryDelays are the waits before the second, third and fourth attempt of a
// webhook delivery. The vendors wait minutes to hours; a developer at a terminal does not.
var defaultRetryDelays = []time.Duration{200 * time.Millisecond, time.Second, 3 * time.Second}

// SumsubConfig is the Sumsub side: the app token pair our client signs its requests with,
// and where and how applicant webhooks are sent.
type SumsubConfig struct {
	AppToken  string // X-App-Token our client must send
	SecretKey string // the app token's secret: key of X-App-Access-Sig
	// WebhookSecret keys X-Payload-Digest. In Sumsub it is the webhook's own secret, not
	// the app token's.
	WebhookSecret string
	WebhookURL    string // our POST /webhooks/sumsub; empty: webhooks are logged and dropped
	DigestAlg     string // DigestSHA1, DigestSHA256 (the default) or DigestSHA512
	ClientID      string // clientId in applicants and webhooks; default "chainguard-local"
}

// MetaMapConfig is the MetaMap side: the OAuth client our functions authenticate with,
// and where and how verification webhooks are sent.
type MetaMapConfig struct {
	ClientID      string // HTTP Basic user of POST /oauth
	ClientSecret  string // HTTP Basic password of POST /oauth
	WebhookSecret string // key of the x-signature header
	WebhookURL    string // our POST /webhooks/metamap; empty: webhooks are logged and dropped
	// BaseURL is where MetaMapHandler is reachable, for the webhook's resource URL (the
	// URL our function GETs). Empty: the scheme and host of the creating request.
	BaseURL string
}

// Config configures a Sandbox. Only the vendor sections are required.
type Config struct {
	Sumsub     SumsubConfig
	MetaMap    MetaMapConfig
	HTTPClient *http.Client         // for webhook deliveries; default: a client with a 5 s timeout
	Now        func() time.Time     // default time.Now
	Logf       func(string, ...any) // default: discard
	// RetryDelays are the waits between the attempts of a webhook delivery: one more
	// attempt per entry. Nil means 200 ms, 1 s, 3 s; an empty, non-nil slice means a
	// single attempt.
	RetryDelays []time.Duration
}

// Sandbox holds the vendors' state. Its handlers are safe for concurrent use.
type Sandbox struct {
	sumsub  SumsubConfig
	metamap MetaMapConfig
	now     func() time.Time
	logf    func(string, ...any)

	sumsubHandler  http.Handler
	metamapHandler http.Handler
	deliveries     *deliveryQueue

	// mu guards everything below. Webhooks are enqueued while it is held, so the
	// deliveries of one applicant or verification leave in the order of the changes.
	mu         sync.Mutex
	lastEvent  time.Time // the newest webhook timestamp handed out
	applicants map[string]*applicant
	byExternal map[string]string // externalUserId -> applicant id
	order      []string          // applicant ids, oldest first
	mmTokens   map[string]time.Time
	mmVerifs   map[string]*verification
}

// New returns a Sandbox for cfg. A configuration it cannot honour is logged and replaced
// by the default, so the runner starts anyway and says why deliveries look different.
func New(cfg Config) *Sandbox {
	s := &Sandbox{
		sumsub:     cfg.Sumsub,
		metamap:    cfg.MetaMap,
		now:        cfg.Now,
		logf:       cfg.Logf,
		applicants: map[string]*applicant{},
		byExternal: map[string]string{},
		mmTokens:   map[string]time.Time{},
		mmVerifs:   map[string]*verification{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	if s.sumsub.DigestAlg == "" {
		s.sumsub.DigestAlg = DigestSHA256
	}
	if digestHash(s.sumsub.DigestAlg) == nil {
		s.logf("vendorsandbox: sumsub DigestAlg %q is not one of %s, %s, %s; using %s",
			s.sumsub.DigestAlg, DigestSHA1, DigestSHA256, DigestSHA512, DigestSHA256)
		s.sumsub.DigestAlg = DigestSHA256
	}
	if s.sumsub.ClientID == "" {
		s.sumsub.ClientID = "chainguard-local"
	}
	if s.sumsub.AppToken == "" || s.sumsub.SecretKey == "" {
		s.logf("vendorsandbox: sumsub AppToken or SecretKey is empty: every Sumsub request will be refused")
	}
	if s.metamap.ClientID == "" || s.metamap.ClientSecret == "" {
		s.logf("vendorsandbox: metamap ClientID or ClientSecret is empty: no MetaMap token can be had")
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: deliveryTimeout}
	}
	delays := cfg.RetryDelays
	if delays == nil {
		delays = defaultRetryDelays
	}
	s.deliveries = newDeliveryQueue(client, delays, s.logf)
	s.sumsubHandler = s.newSumsubHandler()
	s.metamapHandler = s.newMetaMapHandler()
	return s
}

// SumsubHandler serves the Sumsub API; mount it at the Sumsub base URL.
func (s *Sandbox) SumsubHandler() http.Handler { return s.sumsubHandler }

// MetaMapHandler serves the MetaMap API and the sandbox's MetaMap control calls; mount it
// at the MetaMap base URL.
func (s *Sandbox) MetaMapHandler() http.Handler { return s.metamapHandler }

// Close stops taking webhooks and waits for the queued ones: each gets its current
// attempt, and none is retried once Close has been called. Changes made after Close
// still answer, but their webhooks are logged and dropped.
func (s *Sandbox) Close() { s.deliveries.close() }

// eventTimeLocked is the timestamp of a new webhook: now to the millisecond, and at least
// one millisecond after the previous one, since receivers order events by it and two
// events of one call must not tie.
func (s *Sandbox) eventTimeLocked() time.Time {
	t := s.now().UTC().Truncate(time.Millisecond)
	if !t.After(s.lastEvent) {
		t = s.lastEvent.Add(time.Millisecond)
	}
	s.lastEvent = t
	return t
}

// Secrets are random credentials for a local run: put them in the sandbox's Config (see
// Apply) and in the functions' environment.
type Secrets struct {
	SumsubAppToken       string
	SumsubSecretKey      string
	SumsubWebhookSecret  string
	MetaMapClientID      string
	MetaMapClientSecret  string
	MetaMapWebhookSecret string
}

// NewSecrets draws a fresh set of local credentials. Sumsub's sandbox app tokens start
// with "sbx:", and so do these.
func NewSecrets() Secrets {
	return Secrets{
		SumsubAppToken:       "sbx:" + randomHex(24),
		SumsubSecretKey:      randomHex(16),
		SumsubWebhookSecret:  randomHex(16),
		MetaMapClientID:      objectID(time.Now()),
		MetaMapClientSecret:  randomHex(16),
		MetaMapWebhookSecret: randomHex(16),
	}
}

// Apply copies the secrets into cfg, leaving the URLs and everything else as they are.
func (sec Secrets) Apply(cfg *Config) {
	cfg.Sumsub.AppToken = sec.SumsubAppToken
	cfg.Sumsub.SecretKey = sec.SumsubSecretKey
	cfg.Sumsub.WebhookSecret = sec.SumsubWebhookSecret
	cfg.MetaMap.ClientID = sec.MetaMapClientID
	cfg.MetaMap.ClientSecret = sec.MetaMapClientSecret
	cfg.MetaMap.WebhookSecret = sec.MetaMapWebhookSecret
}

// randomHex is n random bytes in lowercase hex. crypto/rand.Read does not fail (it
// aborts the program if the system's generator does).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// objectID is a 24-hex id shaped like both vendors' (MongoDB ObjectIds): four bytes of
// creation time, then eight random bytes.
func objectID(t time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(t.Unix()))
	_, _ = rand.Read(b[4:])
	return hex.EncodeToString(b[:])
}

// uuid4 is a random RFC 4122 version 4 UUID, for Sumsub's correlation ids.
func uuid4() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

func correlationID() string { return "req-" + uuid4() }

// writeJSON answers status with body marshalled; the bodies here are plain data and
// always marshal.
func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		http.Error(w, `{"description":"cannot encode the answer"}`, http.StatusInternalServerError)
		return
	}
	writeRawJSON(w, status, b)
}

func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
