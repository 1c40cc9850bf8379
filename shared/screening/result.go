package screening

import "github.com/chainfi/chainguard/shared/sanctions"

// Outcome is the decision a screening result carries.
type Outcome string

// Outcomes, from most to least severe.
const (
	OutcomeMatch          Outcome = "match"
	OutcomePotentialMatch Outcome = "potential_match" // send to review
	OutcomeClear          Outcome = "clear"
	// OutcomeNotScreened is the sanctions outcome of a query that asked for PEP lists
	// only: nothing was said about sanctions.
	OutcomeNotScreened Outcome = "not_screened"
)

// ListKind is the kind of list an entry comes from. A PEP match is never a sanctions hit.
type ListKind string

// List kinds.
const (
	KindSanctions ListKind = "sanctions"
	KindPEP       ListKind = "pep"
)

// Query is a name to screen with optional qualifiers. DOB accepts
// YYYY-MM-DD, YYYY-MM, YYYY, DD/MM/YYYY; Nationality and Country accept
// ISO codes or English names. Kinds selects the kinds of list to screen
// against (empty: sanctions and PEP).
type Query struct {
	Name        string               `json:"name"`
	Type        sanctions.EntityType `json:"type,omitempty"`
	DOB         string               `json:"dob,omitempty"`
	Nationality string               `json:"nationality,omitempty"`
	Country     string               `json:"country,omitempty"`
	Kinds       []ListKind           `json:"kinds,omitempty"`
}

// wants reports whether the query screens against lists of kind k.
func (q Query) wants(k ListKind) bool {
	if len(q.Kinds) == 0 {
		return true
	}
	for _, w := range q.Kinds {
		if w == k {
			return true
		}
	}
	return false
}

// Result is the answer to one query. Outcome is the sanctions outcome (PEP matches never
// change it); PEP says whether a PEP match reached the review threshold, and PEPOutcome
// grades the best PEP match as Outcome grades the best sanctions one.
type Result struct {
	Outcome     Outcome `json:"outcome"`
	PEP         bool    `json:"pep"`
	PEPOutcome  Outcome `json:"pepOutcome"`
	Matches     []Match `json:"matches"`
	ListVersion string  `json:"listVersion"`
	// Notes explain conditions that limit the result, such as a name in a
	// script that cannot be transliterated.
	Notes []string `json:"notes,omitempty"`
}

// Match is one listed entity that resembles the query, with its
// explanation.
type Match struct {
	EntityID    string               `json:"entityId"`
	Source      sanctions.Source     `json:"source"`
	Kind        ListKind             `json:"kind"`
	EntityType  sanctions.EntityType `json:"entityType"`
	PrimaryName string               `json:"primaryName"`
	Programs    []string             `json:"programs,omitempty"`
	// Positions are a PEP's public functions as the source lists them.
	Positions   []string    `json:"positions,omitempty"`
	Score       float64     `json:"score"`
	Outcome     Outcome     `json:"outcome"`
	Explanation Explanation `json:"explanation"`
}

// Explanation says why an entity matched: which of its names, each
// component's score, and what agreed or disagreed.
type Explanation struct {
	MatchedName     string          `json:"matchedName"`
	MatchedNameKind string          `json:"matchedNameKind"` // primary, aka, fka, nka, original_script
	WeakAlias       bool            `json:"weakAlias"`
	Name            NameScore       `json:"name"`
	NameQuality     float64         `json:"nameQuality"` // factor applied for weak aliases
	DOB             ComponentResult `json:"dob"`
	Country         ComponentResult `json:"country"`
	Type            ComponentResult `json:"type"`
	Agreed          []string        `json:"agreed,omitempty"`
	Disagreed       []string        `json:"disagreed,omitempty"`
	Final           float64         `json:"final"`
	// Formula shows the arithmetic of Final, for auditors.
	Formula string `json:"formula"`
}

// ComponentResult is the outcome of one qualifier comparison: its grade,
// the adjustment it made to the score, and both values compared (what the
// query said, what the list says), so that a disagreement shows both.
type ComponentResult struct {
	Agreement  string  `json:"agreement"`
	Adjustment float64 `json:"adjustment"`
	Queried    string  `json:"queried,omitempty"`
	Listed     string  `json:"listed,omitempty"`
	// Note says where a queried value the query did not give came from
	// (a type read from a company's legal form in the name).
	Note string `json:"note,omitempty"`
}

// AddressMatch is a sanctioned crypto address hit: the address as listed,
// and the listed entity it belongs to, with its programmes and list.
type AddressMatch struct {
	Asset      string           `json:"asset"`
	Address    string           `json:"address"` // as published
	Normalized string           `json:"normalized"`
	Source     sanctions.Source `json:"source"`
	EntityID   string           `json:"entityId,omitempty"` // empty for address-file entries not tied to an entity
	EntityName string           `json:"entityName,omitempty"`
	Programs   []string         `json:"programs,omitempty"`
	// EntitySource is the list of the entity, when an address file's entry
	// is also published on an entity of another list.
	EntitySource sanctions.Source `json:"entitySource,omitempty"`
}

// AddressResult is the answer to an address lookup.
type AddressResult struct {
	Outcome     Outcome        `json:"outcome"` // match or clear: addresses match exactly or not at all
	Chain       string         `json:"chain"`   // normalisation family used: evm, bech32, base58, other
	Normalized  string         `json:"normalized"`
	Matches     []AddressMatch `json:"matches"`
	ListVersion string         `json:"listVersion"`
}
