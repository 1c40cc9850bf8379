package sanctions

import (
	"strconv"
	"strings"
	"time"
)

// EntryKind says what a list entry is for. Sanctions entries are the zero
// value, so that every entry parsed before PEPs existed keeps its meaning and
// its JSON.
type EntryKind string

// Entry kinds.
const (
	KindSanctions EntryKind = ""
	// KindPEP is a politically exposed person: a hit calls for enhanced due
	// diligence and a reviewer's decision, not a refusal.
	KindPEP EntryKind = "pep"
)

func (k EntryKind) String() string {
	if k == KindSanctions {
		return "sanctions"
	}
	return string(k)
}

// PEP sources.
const (
	SourcePEPUS Source = "PEP-US" // US Congress (current members) and the executive
	SourcePEPAU Source = "PEP-AU" // Australian federal politicians, ministries, cabinets
)

// DefaultPEPWindow is how long a person remains a PEP after leaving office.
// The EU directive (Directive (EU) 2015/849, Art. 22) asks for at least 12
// months; FATF's guidance on Recommendation 12 (2013) asks for a risk-based
// decision rather than a fixed limit, so callers with a longer policy pass
// their own window.
const DefaultPEPWindow = 365 * 24 * time.Hour

// Position is a prominent public function a person holds or held. Country is
// the ISO 3166-1 alpha-2 code of the jurisdiction. Start and End are as
// published; a zero End means the source gives no end (in office).
type Position struct {
	Title   string `json:"title"`
	Body    string `json:"body,omitempty"`
	Country string `json:"country,omitempty"`
	Start   Date   `json:"start,omitzero"`
	End     Date   `json:"end,omitzero"`
}

// PEPStatus is where a PEP entry stands at a given time, with the reason.
type PEPStatus uint8

// PEP statuses, from strongest to weakest. An entry takes the first that
// applies.
const (
	PEPNotApplicable PEPStatus = iota // not a PEP entry
	PEPDeceased                       // reported dead: never a current PEP
	PEPInOffice                       // a position has started and not ended
	PEPLeftWithin                     // the last position ended within the window
	PEPUndated                        // a position has no dates: cannot tell when it was held
	PEPFormer                         // every position ended before the window, or starts later
)

func (s PEPStatus) String() string {
	switch s {
	case PEPNotApplicable:
		return "not_pep"
	case PEPDeceased:
		return "deceased"
	case PEPInOffice:
		return "in_office"
	case PEPLeftWithin:
		return "left_within_window"
	case PEPUndated:
		return "undated"
	case PEPFormer:
		return "former"
	}
	return "unknown"
}

// Current reports whether the status makes the person a PEP to screen
// against: in office, left within the window, or undated.
func (s PEPStatus) Current() bool {
	return s == PEPInOffice || s == PEPLeftWithin || s == PEPUndated
}

// PEPStatusAt says where the entry stands at now, with a person remaining a
// PEP for leftWithin after leaving office (zero or less: DefaultPEPWindow).
//
// Missing information never removes a person; only evidence does (a death,
// or an end date older than the window):
//   - a position with a start and no end is held (in office);
//   - a position with an end and no start counts by its end;
//   - a position with neither is undated, and an undated position keeps the
//     person (PEPUndated) unless another position is current. Sources that
//     list every member ever without terms (AU all.csv) are the case: a
//     sitting member must not be dropped for want of dates;
//   - a PEP entry without positions is undated too;
//   - partial dates are read at their widest: a start at the first day of
//     its year or month, an end at the last day (or of ToYear for a range);
//   - a position starting after now is not held yet and keeps no one.
//
// Deceased people are never current, whatever now is: the list describes
// the world as of its publication, and screening happens after it.
func (e *Entity) PEPStatusAt(now time.Time, leftWithin time.Duration) PEPStatus {
	if e.Kind != KindPEP {
		return PEPNotApplicable
	}
	if e.Deceased {
		return PEPDeceased
	}
	if leftWithin <= 0 {
		leftWithin = DefaultPEPWindow
	}
	now = now.UTC()
	status := PEPFormer
	if len(e.Positions) == 0 {
		status = PEPUndated
	}
	for _, p := range e.Positions {
		if s := positionStatus(p, now, leftWithin); s < status {
			status = s
		}
	}
	return status
}

func positionStatus(p Position, now time.Time, window time.Duration) PEPStatus {
	start, hasStart := dateFloor(p.Start)
	end, hasEnd := dateCeil(p.End)
	switch {
	case !hasStart && !hasEnd:
		return PEPUndated
	case hasStart && now.Before(start):
		return PEPFormer
	case !hasEnd || now.Before(end):
		return PEPInOffice
	case now.Sub(end) <= window:
		return PEPLeftWithin
	}
	return PEPFormer
}

// dateFloor is the first instant a partial date can mean.
func dateFloor(d Date) (time.Time, bool) {
	switch d.Precision {
	case PrecisionYear:
		return time.Date(d.Year, 1, 1, 0, 0, 0, 0, time.UTC), true
	case PrecisionMonth:
		return time.Date(d.Year, time.Month(d.Month), 1, 0, 0, 0, 0, time.UTC), true
	case PrecisionDay:
		return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC), true
	}
	return time.Time{}, false
}

// dateCeil is the instant just after the last one a partial date can mean
// (the next day, month or year).
func dateCeil(d Date) (time.Time, bool) {
	y := d.Year
	if d.ToYear > y {
		y = d.ToYear
	}
	switch d.Precision {
	case PrecisionYear:
		return time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC), true
	case PrecisionMonth:
		return time.Date(d.Year, time.Month(d.Month)+1, 1, 0, 0, 0, 0, time.UTC), true
	case PrecisionDay:
		return time.Date(d.Year, time.Month(d.Month), d.Day+1, 0, 0, 0, 0, time.UTC), true
	}
	return time.Time{}, false
}

// CurrentPEPs returns a list holding only the PEP entries of l that are
// current at now (PEPStatus.Current: in office, left within leftWithin, or
// undated) and not deceased; sanctions entries are left out too.
// leftWithin zero or less means DefaultPEPWindow. The result has l's
// source, checksums (so l's Version) and Skipped count of malformed input;
// its entities are shallow copies whose slices are shared with l.
func CurrentPEPs(l *List, now time.Time, leftWithin time.Duration) *List {
	if l == nil {
		return nil
	}
	out := newList(l.Source)
	out.Skipped = l.Skipped
	for name, sum := range l.Checksums {
		out.Checksums[name] = sum
	}
	for i := range l.Entities {
		if l.Entities[i].PEPStatusAt(now, leftWithin).Current() {
			out.Entities = append(out.Entities, l.Entities[i])
		}
	}
	return out
}

// pepHashParts are the PEP fields for Entity.ContentHash, nil for a
// sanctions entry so that the hashes already stored do not change.
func pepHashParts(e *Entity) []string {
	if e.Kind == KindSanctions && len(e.Positions) == 0 && !e.Deceased && e.DeathDate.IsZero() {
		return nil
	}
	parts := []string{string(e.Kind), strconv.FormatBool(e.Deceased), e.DeathDate.String()}
	for _, p := range e.Positions {
		parts = append(parts, p.Title, p.Body, p.Country, p.Start.String(), p.End.String())
	}
	return parts
}

// parsePEPDate parses YYYY, YYYY-MM or YYYY-MM-DD strictly. PEP data goes
// back to 1732 (George Washington's birth), before the 1800 floor that
// ParseISODate applies to sanctions dates of birth.
func parsePEPDate(s string) (Date, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, false
	}
	parts := strings.Split(s, "-")
	if len(parts) > 3 || len(parts[0]) != 4 {
		return Date{}, false
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		if i > 0 && len(p) != 2 {
			return Date{}, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return Date{}, false
		}
		nums[i] = n
	}
	d := Date{Year: nums[0], Precision: PrecisionYear}
	if d.Year < 1600 || d.Year > 2200 {
		return Date{}, false
	}
	if len(nums) >= 2 {
		if nums[1] < 1 || nums[1] > 12 {
			return Date{}, false
		}
		d.Month, d.Precision = nums[1], PrecisionMonth
	}
	if len(nums) == 3 {
		t := time.Date(d.Year, time.Month(d.Month), nums[2], 0, 0, 0, 0, time.UTC)
		if nums[2] < 1 || t.Day() != nums[2] {
			return Date{}, false
		}
		d.Day, d.Precision = nums[2], PrecisionDay
	}
	return d, true
}

// pepGender capitalises a published gender ("M", "male") the way the
// sanctions parsers store it ("Male", "Female").
func pepGender(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "m", "male":
		return "Male"
	case "f", "female":
		return "Female"
	}
	return cleanSpace(s)
}
