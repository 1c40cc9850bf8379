package alerts

import (
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// Kinds of list an entry is on.
const (
	KindSanctions = "sanctions"
	KindPEP       = "pep"
	// KindRule: a client rule hit a movement of the user (ListSource "RULES", EntityID
	// the rule's id, ScreeningID the movement's id).
	KindRule = "rule"
)

// Outcomes of a finding, weakest first.
const (
	OutcomePotentialMatch = "potential_match"
	OutcomeMatch          = "match"
)

// Alert statuses.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
)

// Resolutions the tenant records.
const (
	ResolutionFalsePositive = "false_positive"
	ResolutionConfirmed     = "confirmed"
)

// Event types (the webhook catalogue's).
const (
	EventCreated = "alert.created"
	EventUpdated = "alert.updated"
)

// MaxEvidence is how many evidence entries an alert keeps (the newest); EvidenceCount
// counts them all.
const MaxEvidence = 20

// MaxCommentLen bounds a resolution comment, in characters.
const MaxCommentLen = 1000

// Finding is what one screening found for one user and one list entry. It carries
// references, codes, a score and hashes only: SubjectHash is the caller's hash of the
// user's screened data (name, date of birth, nationality, ...), never the data.
type Finding struct {
	Tenant      store.TenantID
	UserID      string    // usr_...
	ListSource  string    // "OFAC-SDN", "UN-SC", "US-PEP", ...
	EntityID    string    // the entry's id in its list
	EntityHash  string    // the entry's content hash in ListVersion
	SubjectHash string    // hash of the user's screened data
	Kind        string    // KindSanctions, KindPEP or KindRule
	Outcome     string    // OutcomeMatch or OutcomePotentialMatch
	Score       float64   // 0..1
	ListVersion string    // the list version screened against
	ScreeningID string    // the screening that found it
	RunID       string    // the monitoring run, if any
	Reasons     []string  // reason codes
	FoundAt     time.Time // when it was found (zero: now)
}

// Action says what Raise did.
type Action string

const (
	// Created: a new alert was opened (alert.created).
	Created Action = "created"
	// Updated: the open alert got evidence that changed it materially (alert.updated).
	Updated Action = "updated"
	// Appended: the open alert got evidence that changed nothing material (no event).
	Appended Action = "appended"
	// Unchanged: the finding was already on the open alert (a redelivery).
	Unchanged Action = "unchanged"
	// Suppressed: the pair's last alert was resolved on the same entry and subject hashes.
	Suppressed Action = "suppressed"
)

// Result is what Raise did. AlertID is the alert the finding went to (for Suppressed,
// the resolved alert that holds it back). Alert is the alert as stored when Raise wrote
// it (Created, Updated, Appended), else nil.
type Result struct {
	Action  Action
	AlertID string
	Alert   *Alert
}

// Alert is the tenant's view of an alert.
type Alert struct {
	ID                 string      `json:"id"`
	UserID             string      `json:"userId"`
	Status             string      `json:"status"`
	Resolution         *Resolution `json:"resolution,omitempty"`
	Kind               string      `json:"kind"`
	Outcome            string      `json:"outcome"`
	ListSource         string      `json:"listSource"`
	EntityID           string      `json:"entityId"`
	Score              float64     `json:"score"`
	ListVersion        string      `json:"listVersion"`
	FirstSeenAt        string      `json:"firstSeenAt"`
	LastSeenAt         string      `json:"lastSeenAt"`
	Evidence           []Evidence  `json:"evidence"`
	EvidenceCount      int         `json:"evidenceCount"`
	PreviousAlertID    string      `json:"previousAlertId,omitempty"`
	PreviousResolution string      `json:"previousResolution,omitempty"`
}

// Resolution is how the tenant closed an alert.
type Resolution struct {
	Status  string `json:"status"`
	Comment string `json:"comment"`
	By      string `json:"by"` // actor type and id, like "client:<key id>"
	At      string `json:"at"`
}

// Evidence is one finding on an alert.
type Evidence struct {
	ListVersion string   `json:"listVersion" dynamodbav:"listVersion"`
	ScreeningID string   `json:"screeningId" dynamodbav:"screeningId"`
	RunID       string   `json:"runId,omitempty" dynamodbav:"runId,omitempty"`
	Outcome     string   `json:"outcome" dynamodbav:"outcome"`
	Score       float64  `json:"score" dynamodbav:"score"`
	Reasons     []string `json:"reasons" dynamodbav:"reasons"`
	At          string   `json:"at" dynamodbav:"at"`
	// The hashes tell a redelivery from new evidence; they are not shown.
	EntityHash  string `json:"-" dynamodbav:"entityHash"`
	SubjectHash string `json:"-" dynamodbav:"subjectHash"`
}

// ResolutionInput is POST /v1/alerts/{id}/resolution.
type ResolutionInput struct {
	Status  string `json:"status"`
	Comment string `json:"comment"`
}

// Filter narrows List; zero fields do not filter. From and To bound firstSeenAt
// (inclusive).
type Filter struct {
	Status string
	UserID string
	Kind   string
	From   time.Time
	To     time.Time
}

// Config wires a Service.
type Config struct {
	Store *store.Store
	Audit *audit.Log
	// Enc encrypts resolution comments (purpose alert.resolution). Only Resolve and the
	// reads of resolved alerts need it.
	Enc   envelope.Encrypter
	Log   *slog.Logger
	Now   func() time.Time
	Actor audit.Actor // who raises alerts in the audit trail (default: audit.System)
}

// Service raises, resolves and lists alerts. It is safe for concurrent use.
type Service struct {
	Config
}

// New returns a Service.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Actor == (audit.Actor{}) {
		c.Actor = audit.System
	}
	return &Service{Config: c}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Errors of the API.
var (
	errNotFound        = failure.Missing("alert_not_found", "no such alert")
	errAlreadyResolved = failure.Conflicting("alert_already_resolved", "the alert is already resolved")
)

// Shapes of the references a finding carries (the catalogue's patterns).
var (
	userIDPattern      = regexp.MustCompile(`^usr_[0-9a-hjkmnp-tv-z]{26}$`)
	alertIDPattern     = regexp.MustCompile(`^alt_[0-9a-hjkmnp-tv-z]{26}$`)
	sourcePattern      = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,31}$`)
	entityIDPattern    = regexp.MustCompile(`^[A-Za-z0-9._:/()+-]{1,128}$`)
	listVersionPattern = regexp.MustCompile(`^([0-9]{1,12}-[0-9a-f]{6,64}|[A-Z0-9_-]{1,32}@[0-9a-f]{6,64})$`)
	hashPattern        = regexp.MustCompile(`^[A-Za-z0-9+/=_:-]{8,128}$`)
	codePattern        = regexp.MustCompile(`^[a-z][a-z0-9_.:-]{0,63}$`)
)

func invalidFinding(format string, args ...any) error {
	return failure.InvalidInput("invalid_finding", format, args...)
}

// validate checks a finding and returns it normalised (UTC millisecond time, sorted
// unique reasons).
func (f Finding) validate(now time.Time) (Finding, error) {
	switch {
	case !store.ValidID(string(f.Tenant)):
		return f, invalidFinding("tenant %q", f.Tenant)
	case !userIDPattern.MatchString(f.UserID):
		return f, invalidFinding("userId is not a user id")
	case !sourcePattern.MatchString(f.ListSource):
		return f, invalidFinding("listSource %q", f.ListSource)
	case !entityIDPattern.MatchString(f.EntityID):
		return f, invalidFinding("entityId is not a list entry id")
	case !hashPattern.MatchString(f.EntityHash) || !hashPattern.MatchString(f.SubjectHash):
		return f, invalidFinding("entityHash and subjectHash are required hashes")
	case f.Kind != KindSanctions && f.Kind != KindPEP && f.Kind != KindRule:
		return f, invalidFinding("kind is sanctions, pep or rule")
	case rank(f.Outcome) == 0:
		return f, invalidFinding("outcome is match or potential_match")
	case math.IsNaN(f.Score) || f.Score < 0 || f.Score > 1:
		return f, invalidFinding("score is from 0 to 1")
	case !listVersionPattern.MatchString(f.ListVersion):
		return f, invalidFinding("listVersion %q", f.ListVersion)
	case !store.ValidID(f.ScreeningID):
		return f, invalidFinding("screeningId is required")
	case f.RunID != "" && !store.ValidID(f.RunID):
		return f, invalidFinding("runId")
	case len(f.Reasons) > 32:
		return f, invalidFinding("at most 32 reasons")
	}
	for _, r := range f.Reasons {
		if !codePattern.MatchString(r) {
			return f, invalidFinding("reasons are codes like name_exact")
		}
	}
	f.Reasons = slices.Compact(slices.Sorted(slices.Values(f.Reasons)))
	if f.FoundAt.IsZero() {
		f.FoundAt = now
	}
	f.FoundAt = f.FoundAt.UTC().Truncate(time.Millisecond)
	return f, nil
}

// rank orders outcomes: 0 for an unknown one.
func rank(outcome string) int {
	switch outcome {
	case OutcomePotentialMatch:
		return 1
	case OutcomeMatch:
		return 2
	}
	return 0
}

// validate checks a resolution before anything is read.
func (in ResolutionInput) validate() error {
	if in.Status != ResolutionFalsePositive && in.Status != ResolutionConfirmed {
		return failure.InvalidInput("invalid_resolution_status", "status is false_positive or confirmed")
	}
	n := utf8.RuneCountInString(in.Comment)
	if strings.TrimSpace(in.Comment) == "" || n > MaxCommentLen {
		return failure.InvalidInput("invalid_comment", "comment is required, 1 to %d characters", MaxCommentLen)
	}
	if !utf8.ValidString(in.Comment) || strings.ContainsFunc(in.Comment, unicode.IsControl) ||
		strings.ContainsFunc(in.Comment, func(r rune) bool { return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069' }) {
		return failure.InvalidInput("invalid_comment", "comment must not contain control characters or direction overrides")
	}
	if !strings.ContainsFunc(in.Comment, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return failure.InvalidInput("invalid_comment", "comment must say something: it has no letter or digit")
	}
	return nil
}

func actorRef(a audit.Actor) string { return fmt.Sprintf("%s:%s", a.Type, a.ID) }
