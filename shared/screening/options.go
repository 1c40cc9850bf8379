package screening

import "fmt"

// Thresholds turn a final score into an outcome: at or above Match is a
// match, at or above Review a potential match, below it clear.
type Thresholds struct {
	Match  float64 `json:"match"`
	Review float64 `json:"review"`
}

// Options configure one screening call.
type Options struct {
	Thresholds Thresholds `json:"thresholds"`
	// MaxResults caps the matches returned (default 10).
	MaxResults int `json:"maxResults"`
	// MinScore is the lowest score returned as a match candidate; by
	// default the review threshold, so clear results carry no matches.
	MinScore float64 `json:"minScore"`
}

// DefaultOptions are the thresholds set on the tuning half of the labelled
// sets of infra/screenbench: review is the lowest threshold that sends at
// most 0.5% of non-listed people to review on name only (one-typo recall
// 99.1% there); match sits above capNotAllWords (0.88), so that a name
// with a query word missing or loosely matched is a match only with an
// agreeing birth date or nationality.
func DefaultOptions() Options {
	return Options{Thresholds: Thresholds{Match: 0.92, Review: 0.82}, MaxResults: 10}
}

// Validate checks that thresholds are ordered and within [0, 1].
func (o Options) Validate() error {
	t := o.Thresholds
	if t.Review <= 0 || t.Match > 1 || t.Review > t.Match {
		return fmt.Errorf("screening thresholds review=%v match=%v: %w", t.Review, t.Match, ErrBadOptions)
	}
	return nil
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Thresholds.Match == 0 && o.Thresholds.Review == 0 {
		o.Thresholds = d.Thresholds
	}
	if o.MaxResults <= 0 {
		o.MaxResults = d.MaxResults
	}
	if o.MinScore <= 0 {
		o.MinScore = o.Thresholds.Review
	}
	return o
}

func (t Thresholds) outcome(score float64) Outcome {
	switch {
	case score >= t.Match:
		return OutcomeMatch
	case score >= t.Review:
		return OutcomePotentialMatch
	}
	return OutcomeClear
}
