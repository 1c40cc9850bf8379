package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/metrics"
)

type verifier struct {
	audit  *audit.Log
	events *events.Publisher
	log    *slog.Logger
	out    io.Writer // where the CloudWatch embedded metric line goes
}

// Summary is the function's result (visible in the scheduler's and runner's logs).
type Summary struct {
	Chains int      `json:"chains"`
	Broken []string `json:"broken"`
	Anchor string   `json:"anchor,omitempty"` // the digest an anchor run published
}

// input selects the run: the full verification (the nightly default) or an anchor, which
// only reads the chain heads and publishes their digest (cheap enough to run often).
type input struct {
	Mode string `json:"mode"` // "" or "verify", "anchor"
}

// Anchor is the payload of audit.anchor: the digest of every chain's head at one moment,
// and the heads themselves while they fit in one event. Kept outside the table (the bus
// delivers it to whoever archives it; the log lines carry every head to CloudWatch Logs),
// it fixes the chains' ends, so a chain rewritten afterwards no longer reproduces it.
type Anchor struct {
	Digest string            `json:"digest"`
	Chains int               `json:"chains"`
	Heads  []audit.ChainHead `json:"heads,omitempty"`
	At     time.Time         `json:"at"`
}

// maxAnchorHeads keeps an anchor event well under EventBridge's 256 KB per entry (a head is
// about 170 bytes); beyond it the event carries the digest and the log carries the heads.
const maxAnchorHeads = 1000

// Handle verifies every chain, or anchors their heads. A broken chain does not fail the
// invocation (a retry would not mend it): it is reported by event, log and metric, and
// the alarm on the metric pages someone. A chain that could not be read is retried: the
// run goes on with the others and fails at the end.
func (v *verifier) Handle(ctx context.Context, raw json.RawMessage) (Summary, error) {
	var in input
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &in) // a scheduler event without our fields means verify
	}
	if in.Mode == "anchor" {
		return v.anchor(ctx)
	}
	tenants, err := v.audit.Chains(ctx)
	if err != nil {
		return Summary{}, err
	}
	// A tenant whose records were never sealed has no head: the backlog finds it, so a
	// sealer that never runs breaks the run instead of leaving it green.
	backlog, err := v.audit.Backlog(ctx, audit.DefaultSealGrace)
	if err != nil {
		return Summary{}, err
	}
	for t := range backlog {
		if !slices.Contains(tenants, t) {
			tenants = append(tenants, t)
		}
	}
	sum := Summary{Chains: len(tenants), Broken: []string{}}
	var evs []events.Envelope
	var errs []error
	for _, t := range tenants {
		rep, err := v.audit.Verify(ctx, t)
		if err != nil {
			errs = append(errs, fmt.Errorf("verify %s: %w", t, err))
			continue
		}
		typ := "audit.chain.verified"
		if !rep.Intact {
			typ = "audit.chain.broken"
			sum.Broken = append(sum.Broken, string(t))
			v.log.Error("audit chain broken", "tenantId", string(t), "problems", len(rep.Problems), "first", rep.Problems[0].Kind)
		}
		ev, err := events.New(typ, string(t), rep, time.Now())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		evs = append(evs, ev)
	}
	if err := v.publish(ctx, evs); err != nil {
		errs = append(errs, err)
	}
	v.metric(len(tenants), len(sum.Broken))
	v.log.Info("audit chains verified", "chains", sum.Chains, "broken", len(sum.Broken), "unreadable", len(errs))
	return sum, errors.Join(errs...)
}

func (v *verifier) anchor(ctx context.Context) (Summary, error) {
	heads, err := v.audit.Heads(ctx)
	if err != nil {
		return Summary{}, err
	}
	a := Anchor{Digest: audit.AnchorDigest(heads), Chains: len(heads), At: time.Now().UTC()}
	if len(heads) <= maxAnchorHeads {
		a.Heads = heads
	}
	for chunk := range slices.Chunk(heads, 200) {
		v.log.Info("audit anchor heads", "digest", a.Digest, "heads", chunk)
	}
	ev, err := events.New("audit.anchor", "platform", a, a.At)
	if err != nil {
		return Summary{}, err
	}
	if err := v.publish(ctx, []events.Envelope{ev}); err != nil {
		return Summary{}, err
	}
	v.log.Info("audit chains anchored", "chains", len(heads), "digest", a.Digest)
	return Summary{Chains: len(heads), Broken: []string{}, Anchor: a.Digest}, nil
}

func (v *verifier) publish(ctx context.Context, evs []events.Envelope) error {
	if v.events == nil || len(evs) == 0 {
		return nil
	}
	return v.events.Publish(ctx, evs...)
}

// metric writes a CloudWatch embedded-metric-format line: Lambda ships it as a metric,
// on which template.yaml sets an alarm.
func (v *verifier) metric(chains, broken int) {
	metrics.EMF(v.out, "ChainGuard/Audit", map[string]float64{"ChainsVerified": float64(chains), "ChainsBroken": float64(broken)}, time.Now())
}
