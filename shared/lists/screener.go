package lists

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
)

// Screening kinds (the GSI2 partition of a tenant's screenings).
const (
	KindClient     = "client"
	KindOnboarding = "onboarding"
	KindRescreen   = "rescreen"
)

// Encryption purposes of the stored fields.
const (
	PurposeQuery       = "screening.query"
	PurposeExplanation = "screening.explanation"
)

// Audit actions.
const (
	ActionPerformed = "screening.performed"
	ActionRead      = "screening.read"
)

// EntityScreening is the store entity type of a screening.
const EntityScreening = "screening"

// IndexSource hands out the list version to screen with (a *Loader).
type IndexSource interface {
	Current(ctx context.Context) (*Loaded, error)
}

// Request asks for one screening.
type Request struct {
	Query
	Reference string // the caller's own reference, optional
	Kind      string // KindClient by default
	UserID    string // set by in-process callers screening a known user
}

// Match is one listed entity (or sanctioned address) the query resembles.
type Match struct {
	EntityID    string                 `json:"entityId,omitempty"`
	Source      string                 `json:"source"`
	Kind        string                 `json:"kind"` // the kind of list: sanctions or pep
	EntityType  string                 `json:"entityType,omitempty"`
	PrimaryName string                 `json:"primaryName,omitempty"`
	Programs    []string               `json:"programs,omitempty"`
	Positions   []string               `json:"positions,omitempty"` // a PEP's public functions
	Score       float64                `json:"score"`
	Outcome     string                 `json:"outcome"`
	Explanation *screening.Explanation `json:"explanation,omitempty"`
	Address     *AddressExplanation    `json:"address,omitempty"`
}

// AddressExplanation says which listed address matched and how it was normalised.
type AddressExplanation struct {
	Asset      string `json:"asset"`
	Listed     string `json:"listed"`
	Normalized string `json:"normalized"`
	Chain      string `json:"chain"`
	// ListedOn is the list of the entity the address belongs to, when it is not the list
	// that published the address (an OFAC address file entry of an SDN entity).
	ListedOn string `json:"listedOn,omitempty"`
}

// SourceAge is how old one source's data is in the version that answered.
type SourceAge struct {
	Source      string  `json:"source"`
	Kind        string  `json:"kind"`
	RefreshedAt string  `json:"refreshedAt,omitempty"` // last fetched and parsed well (absent: never)
	AgeHours    float64 `json:"ageHours"`
	Stale       bool    `json:"stale"`
}

// Screening is one recorded screening as the API shows it.
type Screening struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Reference string `json:"reference,omitempty"`
	// Outcome grades the sanctions matches (not_screened when only PEP lists were asked
	// for); PEP says a PEP match reached review, PEPOutcome grades the best one.
	Outcome     string `json:"outcome"`
	PEP         bool   `json:"pep"`
	PEPOutcome  string `json:"pepOutcome,omitempty"`
	ListVersion string `json:"listVersion"`
	// ListsStale names the sources whose data is older than the configured age: the
	// answer may miss their latest designations.
	ListsStale  []string    `json:"listsStale"`
	ListSources []SourceAge `json:"listSources,omitempty"`
	ScreenedAt  string      `json:"screenedAt"`
	Query       Query       `json:"query"`
	Matches     []Match     `json:"matches"`
	Notes       []string    `json:"notes,omitempty"`
}

// record is the stored screening. Plaintext holds only references, codes and scores;
// the query and the explanations (which quote the query's words) are encrypted.
type record struct {
	store.Meta
	Tenant      string         `dynamodbav:"tenantId"`
	ID          string         `dynamodbav:"id"`
	Kind        string         `dynamodbav:"kind"`
	Type        string         `dynamodbav:"queryType"`
	Reference   string         `dynamodbav:"reference,omitempty"`
	UserID      string         `dynamodbav:"userId,omitempty"`
	Outcome     string         `dynamodbav:"outcome"`
	PEP         bool           `dynamodbav:"pep,omitempty"`
	PEPOutcome  string         `dynamodbav:"pepOutcome,omitempty"`
	ListVersion string         `dynamodbav:"listVersion"`
	ListsStale  []string       `dynamodbav:"listsStale,omitempty"`
	ListSources []SourceAge    `dynamodbav:"listSources,omitempty"`
	ScreenedAt  string         `dynamodbav:"screenedAt"`
	Actor       string         `dynamodbav:"actor"`
	Matches     []matchSummary `dynamodbav:"matches"`
	QueryEnc    string         `dynamodbav:"queryEnc"`
	DetailEnc   string         `dynamodbav:"detailEnc"`
}

type matchSummary struct {
	EntityID string   `dynamodbav:"entityId,omitempty"`
	Source   string   `dynamodbav:"source"`
	Kind     string   `dynamodbav:"kind,omitempty"`
	Score    float64  `dynamodbav:"score"`
	Outcome  string   `dynamodbav:"outcome"`
	Reasons  []string `dynamodbav:"reasons,omitempty"`
}

type detail struct {
	Matches []Match  `json:"matches"`
	Notes   []string `json:"notes,omitempty"`
}

func (record) EntityType() string { return EntityScreening }

func (r record) Indexes() store.Indexes {
	at, _ := store.ParseTime(r.ScreenedAt)
	t := store.TenantID(r.Tenant)
	ix := store.Indexes{GSI2: store.Key{PK: store.TenantScreeningsPK(t, r.Kind), SK: store.TimeSK(at, r.ID)}}
	if r.UserID != "" {
		ix.GSI1 = store.Key{PK: store.UserScreeningsPK(t, r.UserID), SK: store.TimeSK(at, r.ID)}
	}
	return ix
}

// Screener screens queries against the current list version and records each screening.
// It is the in-process API other functions call; POST /v1/screenings is a thin layer on it.
type Screener struct {
	store  *store.Store
	audit  *audit.Log
	enc    envelope.Encrypter
	lists  IndexSource
	opts   screening.Options
	maxAge time.Duration
	now    func() time.Time
}

// EnvMaxListAgeHours configures the age past which a source is stale.
const EnvMaxListAgeHours = "LIST_MAX_AGE_HOURS"

// DefaultMaxListAge is how old a source's data may be before answers call it stale: a
// day's refresh that failed once is not stale; one that failed for a day and a half is.
const DefaultMaxListAge = 36 * time.Hour

// WithMaxListAge sets the age past which a source is stale (default DefaultMaxListAge).
func WithMaxListAge(d time.Duration) ScreenerOption {
	return func(s *Screener) {
		if d > 0 {
			s.maxAge = d
		}
	}
}

// ScreenerOption configures a Screener.
type ScreenerOption func(*Screener)

// WithOptions sets the screening thresholds (default screening.DefaultOptions).
func WithOptions(o screening.Options) ScreenerOption { return func(s *Screener) { s.opts = o } }

// WithScreenerClock sets the time source (tests).
func WithScreenerClock(now func() time.Time) ScreenerOption {
	return func(s *Screener) { s.now = now }
}

// NewScreener returns a screener.
func NewScreener(st *store.Store, log *audit.Log, enc envelope.Encrypter, src IndexSource, opts ...ScreenerOption) *Screener {
	s := &Screener{store: st, audit: log, enc: enc, lists: src, opts: screening.DefaultOptions(), maxAge: DefaultMaxListAge, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// ErrListsNotReady is the failure when no list version exists yet.
var ErrListsNotReady = &failure.Error{Kind: failure.Unavailable, Code: "lists_not_ready",
	Message: "no sanctions list version has been published yet; retry later"}

// TxItems adds a caller's items to the transaction that records a screening, given the
// screening's id. It may be called more than once (the transaction is rebuilt when
// retried) and must only add items.
type TxItems func(tx *store.Tx, screeningID string)

// Screen validates the request, screens it and records the screening with its audit entry
// in one transaction. also adds the caller's items to that transaction (an idempotency
// key's completion): they commit with the screening or not at all, and a failed condition
// on one of them cancels the screening (the store's *TxError).
func (s *Screener) Screen(ctx context.Context, by audit.Actor, tenant store.TenantID, req Request, also ...TxItems) (Screening, error) {
	return s.ScreenThen(ctx, by, tenant, req, func(tx *store.Tx, sc Screening) {
		for _, add := range also {
			add(tx, sc.ID)
		}
	})
}

// ScreenThen is Screen for a caller whose writes depend on the result (the onboarding
// decision): then sees the screening and adds its items to the transaction that records
// it. It must only add items (tx.Fail to refuse).
func (s *Screener) ScreenThen(ctx context.Context, by audit.Actor, tenant store.TenantID, req Request, then func(tx *store.Tx, sc Screening)) (Screening, error) {
	now := s.now().UTC()
	q, err := req.Query.Normalize(now)
	if err != nil {
		return Screening{}, err
	}
	if err := checkRequest(req); err != nil {
		return Screening{}, err
	}
	kind := req.Kind
	if kind == "" {
		kind = KindClient
	}
	loaded, err := s.lists.Current(ctx)
	if errors.Is(err, ErrNotReady) {
		return Screening{}, ErrListsNotReady
	}
	if err != nil {
		return Screening{}, ErrListsNotReady.Wrap(err)
	}

	out := Screening{ID: store.NewID(), Kind: kind, Reference: req.Reference, ListVersion: loaded.Version,
		ScreenedAt: store.FormatTime(now), Query: q}
	out.ListSources, out.ListsStale = ages(loaded.Sources, now, s.maxAge)
	var summaries []matchSummary
	if q.Type == TypeAddress {
		if out.Outcome, out.Matches, summaries, err = screenAddress(loaded.Index, q); err != nil {
			return Screening{}, err
		}
	} else {
		var r screening.Result
		r, out.Matches, summaries = screenName(loaded.Index, q, s.opts)
		out.Outcome, out.PEP, out.PEPOutcome, out.Notes = string(r.Outcome), r.PEP, string(r.PEPOutcome), r.Notes
	}

	rec := record{Tenant: string(tenant), ID: out.ID, Kind: kind, Type: q.Type, Reference: req.Reference,
		UserID: req.UserID, Outcome: out.Outcome, PEP: out.PEP, PEPOutcome: out.PEPOutcome, ListVersion: out.ListVersion,
		ListsStale: out.ListsStale, ListSources: out.ListSources, ScreenedAt: out.ScreenedAt,
		Actor: by.Type + ":" + by.ID, Matches: summaries}
	if rec.QueryEnc, err = s.seal(ctx, tenant, out.ID, PurposeQuery, q); err != nil {
		return Screening{}, err
	}
	if rec.DetailEnc, err = s.seal(ctx, tenant, out.ID, PurposeExplanation, detail{out.Matches, out.Notes}); err != nil {
		return Screening{}, err
	}
	_, err = s.audit.Commit(ctx, tenant, audit.Record{
		Action: ActionPerformed, Actor: by, Subject: audit.Subject{Type: "screening", ID: out.ID},
		Reason: out.Outcome,
		Details: map[string]string{"outcome": out.Outcome, "listVersion": out.ListVersion, "type": q.Type,
			"kind": kind, "matches": strconv.Itoa(len(out.Matches)), "pep": strconv.FormatBool(out.PEP),
			"listsStale": strings.Join(out.ListsStale, ",")},
	}, func(tx *store.Tx) {
		tx.Create(store.ScreeningKey(tenant, out.ID), rec)
		if then != nil {
			then(tx, out)
		}
	})
	if err != nil {
		return Screening{}, fmt.Errorf("lists: record screening: %w", err)
	}
	if out.Matches == nil {
		out.Matches = []Match{}
	}
	return out, nil
}

// ages says how old each source's data is at now, and which are stale. A version
// published before statuses were kept has none: nothing can be said, so nothing is.
func ages(statuses []SourceStatus, now time.Time, maxAge time.Duration) ([]SourceAge, []string) {
	out := make([]SourceAge, 0, len(statuses))
	stale := []string{}
	for _, st := range statuses {
		if st.LastGoodAt == "" {
			// Configured but never fetched and parsed well: not in the version at all.
			out = append(out, SourceAge{Source: st.Source, Kind: st.Kind, Stale: true})
			stale = append(stale, st.Source)
			continue
		}
		at, err := store.ParseTime(st.LastGoodAt)
		if err != nil {
			continue
		}
		age := now.Sub(at)
		a := SourceAge{Source: st.Source, Kind: st.Kind, RefreshedAt: st.LastGoodAt,
			AgeHours: math.Round(age.Hours()*10) / 10, Stale: age > maxAge}
		if a.Stale {
			stale = append(stale, st.Source)
		}
		out = append(out, a)
	}
	return out, stale
}

// Get reads a screening of the tenant, decrypting the query and explanations, and audits
// the read (reason says why: "api", "idempotent_replay"...). Another tenant's id is
// not found.
func (s *Screener) Get(ctx context.Context, by audit.Actor, tenant store.TenantID, id, reason string) (Screening, error) {
	notFound := failure.Missing("screening_not_found", "no such screening")
	if !store.ValidID(id) {
		return Screening{}, notFound
	}
	var rec record
	if err := s.store.Get(ctx, store.ScreeningKey(tenant, id), &rec); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Screening{}, notFound
		}
		return Screening{}, fmt.Errorf("lists: read screening: %w", err)
	}
	if rec.Tenant != string(tenant) {
		return Screening{}, notFound
	}
	out := Screening{ID: rec.ID, Kind: rec.Kind, Reference: rec.Reference, Outcome: rec.Outcome, PEP: rec.PEP,
		PEPOutcome: rec.PEPOutcome, ListVersion: rec.ListVersion, ListsStale: rec.ListsStale, ListSources: rec.ListSources,
		ScreenedAt: rec.ScreenedAt}
	if out.ListsStale == nil {
		out.ListsStale = []string{}
	}
	if err := s.open(ctx, tenant, rec.ID, PurposeQuery, rec.QueryEnc, &out.Query); err != nil {
		return Screening{}, err
	}
	var d detail
	if err := s.open(ctx, tenant, rec.ID, PurposeExplanation, rec.DetailEnc, &d); err != nil {
		return Screening{}, err
	}
	out.Matches, out.Notes = d.Matches, d.Notes
	if out.Matches == nil {
		out.Matches = []Match{}
	}
	// The read is audited before the data leaves: no audit entry, no data.
	if _, err := s.audit.Append(ctx, tenant, audit.Record{
		Action: ActionRead, Actor: by, Subject: audit.Subject{Type: "screening", ID: rec.ID}, Reason: reason,
	}); err != nil {
		return Screening{}, fmt.Errorf("lists: audit screening read: %w", err)
	}
	return out, nil
}

func (s *Screener) seal(ctx context.Context, t store.TenantID, id, purpose string, v any) (string, error) {
	return envelope.EncryptJSON(ctx, s.enc, envelope.Context{Tenant: string(t), Record: id, Purpose: purpose}, v)
}

func (s *Screener) open(ctx context.Context, t store.TenantID, id, purpose, enc string, v any) error {
	return envelope.DecryptJSON(ctx, s.enc, envelope.Context{Tenant: string(t), Record: id, Purpose: purpose}, enc, v)
}

func checkRequest(req Request) error {
	if len(req.Reference) > MaxReferenceLen {
		return failure.InvalidInput("invalid_reference", "reference must be at most %d characters", MaxReferenceLen)
	}
	for _, r := range req.Reference {
		if unicode.IsControl(r) {
			return failure.InvalidInput("invalid_reference", "reference must not contain control characters")
		}
	}
	switch req.Kind {
	case "", KindClient, KindOnboarding, KindRescreen:
	default:
		return fmt.Errorf("lists: unknown screening kind %q", req.Kind) // a caller's bug, not the client's
	}
	if req.UserID != "" && !store.ValidID(req.UserID) {
		return store.ErrInvalidKey
	}
	return nil
}

func screenName(ix *screening.Index, q Query, opts screening.Options) (screening.Result, []Match, []matchSummary) {
	r := ix.Screen(screening.Query{Name: q.Name, Type: q.entityType(), DOB: q.DateOfBirth,
		Nationality: q.Nationality, Country: q.Country, Kinds: q.kinds()}, opts)
	matches := make([]Match, 0, len(r.Matches))
	sums := make([]matchSummary, 0, len(r.Matches))
	for _, m := range r.Matches {
		ex := m.Explanation
		matches = append(matches, Match{EntityID: m.EntityID, Source: string(m.Source), Kind: string(m.Kind), EntityType: string(m.EntityType),
			PrimaryName: m.PrimaryName, Programs: m.Programs, Positions: m.Positions, Score: m.Score, Outcome: string(m.Outcome), Explanation: &ex})
		sums = append(sums, matchSummary{EntityID: m.EntityID, Source: string(m.Source), Kind: string(m.Kind), Score: m.Score,
			Outcome: string(m.Outcome), Reasons: []string{
				"name:" + ex.MatchedNameKind + ":" + strconv.FormatFloat(ex.Name.Score, 'f', 3, 64),
				"dob:" + ex.DOB.Agreement, "country:" + ex.Country.Agreement, "type:" + ex.Type.Agreement,
			}})
	}
	return r, matches, sums
}

// screenAddress looks the address up; an address that is not valid for its asset and
// matches nothing is refused rather than answered clear (screening.ScreenQueryAddress).
func screenAddress(ix *screening.Index, q Query) (string, []Match, []matchSummary, error) {
	r, err := ix.ScreenQueryAddress(q.Asset, q.Address)
	if errors.Is(err, screening.ErrUnsupportedAsset) {
		supported := screening.SupportedAssets()
		slices.Sort(supported)
		return "", nil, nil, failure.InvalidInput("unsupported_asset", "%s addresses cannot be screened; supported assets: %s",
			q.Asset, strings.Join(supported, ", "))
	}
	if err != nil {
		return "", nil, nil, failure.InvalidInput("invalid_address", "%s", err.Error())
	}
	matches := make([]Match, 0, len(r.Matches))
	sums := make([]matchSummary, 0, len(r.Matches))
	for _, m := range r.Matches {
		ex := &AddressExplanation{Asset: m.Asset, Listed: m.Address, Normalized: m.Normalized, Chain: r.Chain}
		if m.EntitySource != "" && m.EntitySource != m.Source {
			ex.ListedOn = string(m.EntitySource)
		}
		matches = append(matches, Match{EntityID: m.EntityID, Source: string(m.Source), Kind: ListSanctions, PrimaryName: m.EntityName,
			Programs: m.Programs, Score: 1, Outcome: string(screening.OutcomeMatch), Address: ex})
		sums = append(sums, matchSummary{EntityID: m.EntityID, Source: string(m.Source), Kind: ListSanctions, Score: 1,
			Outcome: string(screening.OutcomeMatch), Reasons: []string{"address:exact", "asset:" + m.Asset, "chain:" + r.Chain}})
	}
	return string(r.Outcome), matches, sums, nil
}
