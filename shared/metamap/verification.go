package metamap

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Normalised verification statuses.
const (
	StatusVerified     = "verified"
	StatusReviewNeeded = "reviewNeeded"
	StatusRejected     = "rejected"
	StatusPostponed    = "postponed"
	StatusPending      = "pending"
)

// Document types.
const (
	DocNationalID       = "national-id"
	DocPassport         = "passport"
	DocDrivingLicense   = "driving-license"
	DocProofOfResidency = "proof-of-residency"
)

// Verification is what we keep of a MetaMap verification.
type Verification struct {
	ID         string
	FlowID     string
	IdentityID string // MetaMap's identity id, which the front end's SDK may take
	// Status is verified, reviewNeeded, rejected, postponed or pending (anything MetaMap
	// calls otherwise, "running" for one, is pending).
	Status   string
	Expired  bool
	Metadata map[string]string
	Identity Identity
	// WatchlistHit is set when a watchlists step reports an error or a match;
	// WatchlistLabels then says what matched (the error code, the lists' names).
	WatchlistHit    bool
	WatchlistLabels []string
}

// Identity is the person as read from the documents: government documents first, proof
// of residency for the address.
type Identity struct {
	FullName    string // the name as read, or first and last names joined
	FirstName   string // only when a document gives it apart: a full name is not split
	LastName    string // surname and second surname, when a document gives them apart
	DOB         string // YYYY-MM-DD; empty when absent or in another form
	Country     string // the document's emission country, as given (alpha-2 in practice)
	Nationality string // as given
	Address     string
}

type wireVerification struct {
	ID             string          `json:"id"`
	Expired        bool            `json:"expired"`
	Identity       json.RawMessage `json:"identity"`
	Status         string          `json:"status"`
	IdentityStatus string          `json:"identityStatus"`
	Flow           *wireFlow       `json:"flow"`
	FlowID         string          `json:"flowId"`
	Metadata       json.RawMessage `json:"metadata"`
	Steps          []wireStep      `json:"steps"`
	Documents      []wireDocument  `json:"documents"`
}

// wireDocument leaves out photos. Fields is decoded whole but only the names below are
// read from it: documentNumber, personalNumber, curp and the like stay behind.
type wireDocument struct {
	Type    string                     `json:"type"`
	Country string                     `json:"country"`
	Steps   []wireStep                 `json:"steps"`
	Fields  map[string]json.RawMessage `json:"fields"`
}

// ParseVerification reads the body of GET /v2/verifications/{id} or of
// POST /v2/verifications.
func ParseVerification(body []byte) (Verification, error) {
	var w wireVerification
	if err := json.Unmarshal(body, &w); err != nil {
		return Verification{}, fmt.Errorf("metamap: decode verification: %w", err)
	}
	if w.ID == "" {
		return Verification{}, fmt.Errorf("metamap: decode verification: no id")
	}
	v := Verification{ID: w.ID, FlowID: w.FlowID, Expired: w.Expired, Metadata: parseMetadata(w.Metadata)}
	if v.FlowID == "" && w.Flow != nil {
		v.FlowID = w.Flow.ID
	}
	identityStatus := ""
	if !isNull(w.Identity) {
		var obj struct {
			Status string `json:"status"`
			ID     string `json:"id"`
			OID    string `json:"_id"`
		}
		var id string
		switch {
		case json.Unmarshal(w.Identity, &id) == nil:
			v.IdentityID = id // POST /v2/verifications answers with the identity's id
		case json.Unmarshal(w.Identity, &obj) == nil:
			identityStatus, v.IdentityID = obj.Status, first(obj.ID, obj.OID)
		}
	}
	v.Status = NormaliseStatus(first(identityStatus, w.IdentityStatus, w.Status))
	v.Identity = extractIdentity(w.Documents)
	v.WatchlistHit, v.WatchlistLabels = watchlists(w)
	return v, nil
}

// NormaliseStatus maps MetaMap's status names to the five of this package, ignoring case
// and separators; anything unknown is pending, never a decision.
func NormaliseStatus(s string) string {
	key := strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(s))
	switch key {
	case "verified":
		return StatusVerified
	case "reviewneeded":
		return StatusReviewNeeded
	case "rejected":
		return StatusRejected
	case "postponed":
		return StatusPostponed
	}
	return StatusPending
}

func first(values ...string) string {
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// docFields is one document's readable fields: fields, then the document-reading step's
// data for names fields lacks.
type docFields struct {
	typ, country string
	fields       []map[string]json.RawMessage
}

// get returns the first string value of the first name found, trying each name in the
// fields and then in the step data. Both camelCase (the API) and snake_case (older
// payloads) names are tried.
func (d docFields) get(names ...string) string {
	for _, m := range d.fields {
		for _, n := range names {
			for _, key := range []string{n, snake(n)} {
				if v := fieldValue(m[key]); v != "" {
					return v
				}
			}
		}
	}
	return ""
}

// fieldValue reads {"value": "..."}, or a bare string.
func fieldValue(raw json.RawMessage) string {
	if isNull(raw) {
		return ""
	}
	var f struct {
		Value json.RawMessage `json:"value"`
	}
	if json.Unmarshal(raw, &f) == nil && !isNull(f.Value) {
		raw = f.Value
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

func snake(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func readDocuments(docs []wireDocument) []docFields {
	out := make([]docFields, 0, len(docs))
	for _, d := range docs {
		df := docFields{typ: d.Type, country: d.Country}
		if d.Fields != nil {
			df.fields = append(df.fields, d.Fields)
		}
		for _, s := range d.Steps {
			if s.ID != StepDocumentReading || isNull(s.Data) {
				continue
			}
			var data map[string]json.RawMessage
			if json.Unmarshal(s.Data, &data) == nil {
				df.fields = append(df.fields, data)
			}
		}
		out = append(out, df)
	}
	return out
}

// extractIdentity takes each field from the first document that has it: identity fields
// from government documents before proofs of residency, the address the other way round.
func extractIdentity(docs []wireDocument) Identity {
	all := readDocuments(docs)
	isPOA := func(d docFields) bool { return d.typ == DocProofOfResidency }
	govFirst := slices.Concat(filter(all, func(d docFields) bool { return !isPOA(d) }), filter(all, isPOA))
	poaFirst := slices.Concat(filter(all, isPOA), filter(all, func(d docFields) bool { return !isPOA(d) }))

	pick := func(order []docFields, get func(docFields) string) string {
		for _, d := range order {
			if v := get(d); v != "" {
				return v
			}
		}
		return ""
	}
	id := Identity{
		FullName:  pick(govFirst, func(d docFields) string { return d.get("fullName") }),
		FirstName: pick(govFirst, func(d docFields) string { return d.get("firstName", "givenNames", "givenName") }),
		LastName: pick(govFirst, func(d docFields) string {
			return strings.TrimSpace(d.get("surname", "lastName") + " " + d.get("secondSurname"))
		}),
		DOB:         pick(govFirst, func(d docFields) string { return validDate(d.get("dateOfBirth")) }),
		Country:     pick(govFirst, func(d docFields) string { return first(d.get("emissionCountry"), d.country) }),
		Nationality: pick(govFirst, func(d docFields) string { return d.get("nationality") }),
		Address:     pick(poaFirst, func(d docFields) string { return d.get("address") }),
	}
	if id.FullName == "" {
		id.FullName = strings.TrimSpace(id.FirstName + " " + id.LastName)
	}
	return id
}

func filter(docs []docFields, keep func(docFields) bool) []docFields {
	var out []docFields
	for _, d := range docs {
		if keep(d) {
			out = append(out, d)
		}
	}
	return out
}

// validDate keeps a YYYY-MM-DD date and drops anything else (01/02/1980, say) rather than
// guess the order of day and month.
func validDate(s string) string {
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return ""
	}
	return s
}

// watchlists reads every watchlists step, of the verification and of its documents. An
// error is a hit, labelled with its code (or type). Data, when it is a list of
// {watchlist: {name}, searchResult}, gives a hit for each entry whose searchResult is not
// empty, labelled with the list's name.
func watchlists(w wireVerification) (bool, []string) {
	steps := slices.Clone(w.Steps)
	for _, d := range w.Documents {
		steps = append(steps, d.Steps...)
	}
	hit := false
	var labels []string
	add := func(l string) {
		if l != "" && !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	for _, s := range steps {
		if s.ID != StepWatchlists {
			continue
		}
		if e := parseStepError(s.Error); e != nil {
			hit = true
			add(first(e.Code, e.Type, StepWatchlists))
		}
		var entries []struct {
			Watchlist struct {
				Name string `json:"name"`
			} `json:"watchlist"`
			SearchResult json.RawMessage `json:"searchResult"`
		}
		if json.Unmarshal(s.Data, &entries) != nil {
			continue
		}
		for _, e := range entries {
			if !isEmptyResult(e.SearchResult) {
				hit = true
				add(first(e.Watchlist.Name, StepWatchlists))
			}
		}
	}
	return hit, labels
}

func isEmptyResult(raw json.RawMessage) bool {
	if isNoError(raw) {
		return true
	}
	switch strings.TrimSpace(string(raw)) {
	case "[]", "{}":
		return true
	}
	return false
}
