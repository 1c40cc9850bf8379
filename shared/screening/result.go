package screening

import "github.com/chainfi/chainguard/shared/sanctions"

// Outcome is the decision a screening result carries.
type Outcome string

// Outcomes, from most to least severe.
const (
	OutcomeMatch          Outcome = "match"
	OutcomePotentialMatch Outcome = "potential_match" // send to review
	OutcomeClear          Outcome = "clear"
)

// Query is a name to screen with optional qualifiers. DOB accepts
// YYYY-MM-DD, YYYY-MM, YYYY, DD/MM/YYYY; Nationality and Country accept
// ISO codes or English names.
type Query struct {
	Name        string               `json:"name"`
	Type        sanctions.EntityType `json:"type,omitempty"`
	DOB         string               `json:"dob,omitempty"`
	Nationality string               `json:"nationality,omitempty"`
	Country     string               `json:"country,omitempty"`
}

// Result is the answer to one query.
type Result struct {
	Outcome     Outcome `json:"outcome"`
	Matches     []Match `json:"matches"`
	ListVersion string  `json:"list_version"`
	// Notes explain conditions that limit the result, such as a name in a
	// script that cannot be transliterated.
	Notes []string `json:"notes,omitempty"`
}

// Match is one listed entity that resembles the query, with its
// explanation.
type Match struct {
	EntityID    string               `json:"entity_id"`
	Source      sanctions.Source     `json:"source"`
	EntityType  sanctions.EntityType `json:"entity_type"`
	PrimaryName string               `json:"primary_name"`
	Programs    []string             `json:"programs,omitempty"`
	Score       float64              `json:"score"`
	Outcome     Outcome              `json:"outcome"`
	Explanation Explanation          `json:"explanation"`
}

// Explanation says why an entity matched: which of its names, each
// component's score, and what agreed or disagreed.
type Explanation struct {
	MatchedName     string          `json:"matched_name"`
	MatchedNameKind string          `json:"matched_name_kind"` // primary, aka, fka, nka, original_script
	WeakAlias       bool            `json:"weak_alias"`
	Name            NameScore       `json:"name"`
	NameQuality     float64         `json:"name_quality"` // factor applied for weak aliases
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
// the adjustment it made to the score, and the listed value involved.
type ComponentResult struct {
	Agreement  string  `json:"agreement"`
	Adjustment float64 `json:"adjustment"`
	Listed     string  `json:"listed,omitempty"`
}

// AddressMatch is a sanctioned crypto address hit.
type AddressMatch struct {
	Asset      string           `json:"asset"`
	Address    string           `json:"address"` // as published
	Normalized string           `json:"normalized"`
	Source     sanctions.Source `json:"source"`
	EntityID   string           `json:"entity_id,omitempty"` // empty for address-file entries not tied to an entity
	EntityName string           `json:"entity_name,omitempty"`
}

// AddressResult is the answer to an address lookup.
type AddressResult struct {
	Outcome     Outcome        `json:"outcome"` // match or clear: addresses match exactly or not at all
	Chain       string         `json:"chain"`   // normalisation family used: evm, bech32, base58, other
	Normalized  string         `json:"normalized"`
	Matches     []AddressMatch `json:"matches"`
	ListVersion string         `json:"list_version"`
}
