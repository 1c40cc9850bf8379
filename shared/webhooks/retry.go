package webhooks

import (
	"math/rand/v2"
	"time"
)

// schedule is Svix's: the delay before each attempt, the first one immediate. Eight
// attempts span about 27.5 hours. It is an array so that MaxAttempts is a constant and
// no caller can change it.
var schedule = [...]time.Duration{
	0,
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	10 * time.Hour,
}

// MaxAttempts is how many attempts a delivery gets.
const MaxAttempts = len(schedule)

// Jitter is the relative spread applied to every non-zero delay.
const Jitter = 0.10

// Schedule returns the delay before each attempt, without jitter (a copy).
func Schedule() []time.Duration {
	s := schedule
	return s[:]
}

// NextDelay returns the delay before the next attempt, given how many attempts were made
// (and failed) so far: 0 before the first, 5 s after the first failure, and so on, spread
// by ±10% (never for the immediate first). ok is false when no attempt is left.
//
// rnd returns a number in [0, 1) and decides the jitter; math/rand/v2's Float64 when nil.
// Tests pass a fixed one.
func NextDelay(attempt int, rnd func() float64) (delay time.Duration, ok bool) {
	if attempt < 0 || attempt >= MaxAttempts {
		return 0, false
	}
	d := schedule[attempt]
	if d == 0 {
		return 0, true
	}
	if rnd == nil {
		rnd = rand.Float64
	}
	r := min(max(rnd(), 0), 1) // a stray value must not break the ±10% bound
	factor := 1 + Jitter*(2*r-1)
	return time.Duration(float64(d) * factor), true
}
