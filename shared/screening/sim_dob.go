package screening

import (
	"fmt"
	"strings"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// DOBAgreement grades how a query date of birth compares with the listed
// ones.
type DOBAgreement string

// Date of birth agreement grades, best first.
const (
	DOBExact     DOBAgreement = "exact"      // same day, or same month/year when that is all the list knows
	DOBSameMonth DOBAgreement = "same_month" // same year and month, days differ or unknown
	DOBSameYear  DOBAgreement = "same_year"  // same year (or inside a listed year range)
	DOBNearYear  DOBAgreement = "near_year"  // one year apart
	DOBOneDigit  DOBAgreement = "one_digit"  // apart, but one digit off or two swapped: a typing slip as likely as another person
	DOBMismatch  DOBAgreement = "mismatch"
	DOBUnknown   DOBAgreement = "unknown" // query or list has no date
)

// ParseQueryDate accepts YYYY-MM-DD, YYYY-MM, YYYY, DD/MM/YYYY and OFAC
// style "25 Mar 1977".
func ParseQueryDate(s string) (sanctions.Date, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return sanctions.Date{}, false
	}
	if d, ok := sanctions.ParseISODate(s); ok {
		return d, true
	}
	if p := strings.Split(s, "/"); len(p) == 3 {
		return sanctions.ParseISODate(p[2] + "-" + p[1] + "-" + p[0])
	}
	return sanctions.ParseOFACDate(s)
}

// compareDOB returns the best agreement between the query date and any
// listed date, the score adjustment it carries, and the index of the listed
// date that gave it (-1 if none).
func compareDOB(q sanctions.Date, listed []sanctions.Date) (DOBAgreement, float64, int) {
	if q.IsZero() || len(listed) == 0 {
		return DOBUnknown, 0, -1
	}
	best, bestAdj, bestIdx := DOBMismatch, -1.0, -1
	for i, l := range listed {
		g := dobGrade(q, l)
		if g == DOBMismatch && oneDigitApart(q, l) {
			g = DOBOneDigit
		}
		adj := dobAdjustment(g, l.Circa)
		if adj > bestAdj {
			best, bestAdj, bestIdx = g, adj, i
		}
	}
	return best, bestAdj, bestIdx
}

func dobGrade(q, l sanctions.Date) DOBAgreement {
	if l.ToYear > l.Year { // a listed range of years
		switch {
		case q.Year >= l.Year && q.Year <= l.ToYear:
			return DOBSameYear
		case q.Year == l.Year-1 || q.Year == l.ToYear+1:
			return DOBNearYear
		}
		return DOBMismatch
	}
	diff := q.Year - l.Year
	if diff < 0 {
		diff = -diff
	}
	switch {
	case diff == 1:
		return DOBNearYear
	case diff > 1:
		if l.Circa && diff <= 3 {
			return DOBNearYear
		}
		return DOBMismatch
	}
	// Same year: grade by what both sides know.
	prec := min(q.Precision, l.Precision)
	switch {
	case prec == sanctions.PrecisionYear:
		if l.Precision == sanctions.PrecisionYear && q.Precision >= l.Precision {
			return DOBExact // the list knows only the year, and it agrees
		}
		return DOBSameYear
	case q.Month != l.Month:
		if q.Precision == sanctions.PrecisionDay && l.Precision == sanctions.PrecisionDay && q.Month == l.Day && q.Day == l.Month {
			return DOBSameMonth // day and month swapped
		}
		return DOBSameYear
	case prec == sanctions.PrecisionMonth:
		if l.Precision == sanctions.PrecisionMonth {
			return DOBExact
		}
		return DOBSameMonth
	case q.Day == l.Day:
		return DOBExact
	}
	return DOBSameMonth
}

// dobAdjustment is the score adjustment for each grade. A clear mismatch is
// strong evidence of a different person; agreement is weaker evidence of
// the same person (many people share a birth year).
func dobAdjustment(g DOBAgreement, circa bool) float64 {
	switch g {
	case DOBExact:
		return 0.06
	case DOBSameMonth:
		return 0.04
	case DOBSameYear:
		return 0.02
	case DOBNearYear:
		if circa {
			return 0
		}
		return -0.05
	case DOBOneDigit:
		return -0.20
	case DOBMismatch:
		// Years apart: another person. The quality report's namesakes
		// (a listed name, born seven years later) are never the listed
		// person, and land here below the band where a name alone is
		// right one time in ten.
		return -0.40
	}
	return 0
}

// oneDigitApart says whether two dates, written as digits to the precision
// both have (yyyy, yyyymm or yyyymmdd), differ by one digit or two adjacent
// digits swapped: 1976 typed 1967, 1968-01-02 typed 1966-01-02. Such a
// date is as likely the listed one mistyped as another person's, and
// weighs as a plain mismatch did before years apart weighed more.
func oneDigitApart(q, l sanctions.Date) bool {
	if l.Circa || l.ToYear > l.Year {
		return false
	}
	p := min(q.Precision, l.Precision)
	a, b := dateDigits(q, p), dateDigits(l, p)
	return a != "" && a != b && damerauDistance(a, b, 1) <= 1
}

func dateDigits(d sanctions.Date, p sanctions.DatePrecision) string {
	switch p {
	case sanctions.PrecisionYear:
		return fmt.Sprintf("%04d", d.Year)
	case sanctions.PrecisionMonth:
		return fmt.Sprintf("%04d%02d", d.Year, d.Month)
	case sanctions.PrecisionDay:
		return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day)
	}
	return ""
}
