package movements

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/store"
)

// Velocity aggregates are tallied at ingestion, in the movement's own transaction, into
// time buckets per party: minute buckets ("M#yyyymmddhhmm", kept 3 hours) and hour
// buckets ("H#yyyymmddhh", kept 8 days). A window of up to 2 hours is answered from
// minute buckets, up to 7 days from hour buckets: one Query of at most 120 or 169 items,
// never a scan of the movements.
//
// Exactness: counts and sums are exact per bucket (ADD in the same transaction as the
// record, so a replayed movement is never counted twice and a failed one never counted).
// A window is aligned to its buckets: it covers [start of the bucket holding now-w, now],
// so it may include up to one bucket (a minute, or an hour) more at its old edge, never
// less. USD sums are in whole cents, rounded down per movement; movements without
// valueUsd count but add nothing to the sums. Distinct destinations are exact within a
// bucket (a string set of destination hashes) and unioned across buckets.
const (
	MaxWindow       = 7 * 24 * time.Hour
	MinWindow       = time.Minute
	minuteBucketMax = 2 * time.Hour
	minuteKeep      = 3 * time.Hour
	hourKeep        = 8 * 24 * time.Hour
)

// Sides of a party's tallies.
const (
	attrOutCount = "outCount"
	attrOutCents = "outCents"
	attrInCount  = "inCount"
	attrInCents  = "inCents"
	attrDests    = "dests"
)

// partyIDs are the identities a side's tallies go to: its user, and its vault; an
// address nobody is mapped to is tallied on the address.
func partyIDs(p Party) [][]string {
	var out [][]string
	if p.UserID != "" {
		out = append(out, []string{"U", p.UserID})
	}
	if p.Type == "vault" {
		out = append(out, []string{"V", p.VaultID})
	} else if p.UserID == "" {
		out = append(out, []string{"A", p.Chain, p.AddressKey})
	}
	return out
}

// initiator is the party whose velocity rules see: the source user, else the source
// vault or address.
func initiator(m Movement) []string { return partyIDs(m.Source)[0] }

func destHash(p Party) string {
	sum := sha256.Sum256([]byte(p.key()))
	return hex.EncodeToString(sum[:8])
}

func minuteSK(t time.Time) string { return "M#" + t.UTC().Format("200601021504") }
func hourSK(t time.Time) string   { return "H#" + t.UTC().Format("2006010215") }

// stageTallies adds the movement's velocity tallies and its destination's first-seen
// item to tx. Buckets already past their keep time are not written (a backfilled old
// movement is logged, not tallied).
func stageTallies(tx *store.Tx, t store.TenantID, m Movement, usdCents int64, now time.Time, reverse *Movement) {
	// One write per bucket item: a user moving between two of their own vaults is both
	// the source and the destination, a correction may fall in the bucket of the record it
	// corrects, and a transaction may touch an item only once.
	var keys []store.Key
	tallies := map[store.Key]*store.Tally{}
	add := func(mv Movement, cents int64, sign int64, dests bool) {
		at := timeOf(mv.OccurredAt)
		dh := destHash(mv.Destination)
		tally := func(ids []string, count, sum string, withDests bool) {
			pk := store.VelocityPK(t, ids...)
			for _, b := range []struct {
				sk   string
				keep time.Duration
				end  time.Time
			}{{minuteSK(at), minuteKeep, at.Truncate(time.Minute).Add(time.Minute)}, {hourSK(at), hourKeep, at.Truncate(time.Hour).Add(time.Hour)}} {
				exp := b.end.Add(b.keep)
				if !exp.After(now) {
					continue
				}
				k := store.Key{PK: pk, SK: b.sk}
				tl, ok := tallies[k]
				if !ok {
					tl = &store.Tally{Entity: "velocity", Add: map[string]int64{}, ExpiresAt: exp}
					tallies[k] = tl
					keys = append(keys, k)
				}
				tl.Add[count] += sign
				tl.Add[sum] += sign * cents
				if withDests {
					tl.AddToSet = map[string][]string{attrDests: {dh}}
				}
			}
		}
		for _, ids := range partyIDs(mv.Source) {
			tally(ids, attrOutCount, attrOutCents, dests)
		}
		for _, ids := range partyIDs(mv.Destination) {
			tally(ids, attrInCount, attrInCents, false)
		}
	}
	add(m, max(usdCents, 0), 1, true)
	if reverse != nil {
		// A correction replaces the record it corrects in the aggregates: its counts and
		// sums come out (distinct destinations keep it: a set member cannot be counted
		// out safely).
		add(*reverse, max(reverse.usdCents(), 0), -1, false)
	}
	for _, k := range keys {
		tl := *tallies[k]
		for name, v := range tl.Add {
			if v == 0 {
				delete(tl.Add, name)
			}
		}
		if len(tl.Add) == 0 && len(tl.AddToSet) == 0 {
			continue
		}
		tx.Tally(k, tl)
	}
	// The initiator's destinations, by first-seen time (fan-out to new addresses).
	at := timeOf(m.OccurredAt)
	dh := destHash(m.Destination)
	ini := initiator(m)
	ts := store.TimeSK(at, dh)
	tx.Tally(store.Key{PK: store.DestinationPK(t, ini...), SK: dh}, store.Tally{Entity: "velocity_destination",
		Add: map[string]int64{"count": 1}, SetAbsent: map[string]string{"firstSeenAt": m.OccurredAt, store.AttrGSI1PK: store.NewDestinationsPK(t, ini...), store.AttrGSI1SK: ts},
		Set: map[string]string{"lastSeenAt": m.OccurredAt}})
}

// Window is a party's aggregates over one window ending at a time.
type Window struct {
	OutCount     int64
	OutCents     int64
	InCount      int64
	InCents      int64
	Destinations int
}

// Velocity reads a party's aggregates over [at-w, at] from its buckets (one Query).
func (s *Service) Velocity(ctx context.Context, t store.TenantID, party []string, w time.Duration, at time.Time) (Window, error) {
	if w < MinWindow || w > MaxWindow {
		return Window{}, fmt.Errorf("movements: window %s outside %s..%s", w, MinWindow, MaxWindow)
	}
	from, to := hourSK(at.Add(-w)), hourSK(at)
	if w <= minuteBucketMax {
		from, to = minuteSK(at.Add(-w)), minuteSK(at)
	}
	var out Window
	dests := map[string]bool{}
	err := s.Store.QueryAll(ctx, store.QueryInput{PK: store.VelocityPK(t, party...), SKFrom: from, SKTo: to, Tenant: t, Limit: store.MaxLimit},
		func(items []map[string]types.AttributeValue) (bool, error) {
			for _, it := range items {
				out.OutCount = addSat(out.OutCount, num(it[attrOutCount]))
				out.OutCents = addSat(out.OutCents, num(it[attrOutCents]))
				out.InCount = addSat(out.InCount, num(it[attrInCount]))
				out.InCents = addSat(out.InCents, num(it[attrInCents]))
				if ss, ok := it[attrDests].(*types.AttributeValueMemberSS); ok {
					for _, d := range ss.Value {
						dests[d] = true
					}
				}
			}
			return true, nil
		})
	out.Destinations = len(dests)
	return out, err
}

// NewDestinations counts the destinations the party first sent to in [at-w, at], up to
// limit (GSI1, read until limit: the processing function signs no cursors).
func (s *Service) NewDestinations(ctx context.Context, t store.TenantID, party []string, w time.Duration, at time.Time, limit int) (int, error) {
	n := 0
	err := s.Store.QueryAll(ctx, store.QueryInput{Index: store.IndexGSI1, PK: store.NewDestinationsPK(t, party...),
		SKFrom: store.FormatTime(at.Add(-w)), SKTo: store.FormatTime(at) + "#~", Tenant: t, Limit: min(max(limit, 1), store.MaxLimit)},
		func(items []map[string]types.AttributeValue) (bool, error) {
			n += len(items)
			return n < limit, nil
		})
	return min(n, limit), err
}

// num reads a tally, clamped to the int64 range (DynamoDB numbers have 38 digits).
func num(v types.AttributeValue) int64 {
	n, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	i, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		if strings.HasPrefix(n.Value, "-") {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return i
}

// addSat adds without wrapping: sums saturate at the int64 bounds.
func addSat(a, b int64) int64 {
	c := a + b
	if (c > a) != (b > 0) {
		if b > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return c
}
