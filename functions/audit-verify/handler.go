package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/events"
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
}

// Handle verifies every chain. A broken chain does not fail the invocation (a retry
// would not mend it): it is reported by event, log and metric, and the alarm on the
// metric pages someone.
func (v *verifier) Handle(ctx context.Context, _ json.RawMessage) (Summary, error) {
	tenants, err := v.audit.Chains(ctx)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Chains: len(tenants), Broken: []string{}}
	var evs []events.Envelope
	for _, t := range tenants {
		rep, err := v.audit.Verify(ctx, t)
		if err != nil {
			return sum, fmt.Errorf("verify %s: %w", t, err)
		}
		typ := "audit.chain.verified"
		if !rep.Intact {
			typ = "audit.chain.broken"
			sum.Broken = append(sum.Broken, string(t))
			v.log.Error("audit chain broken", "tenantId", string(t), "problems", len(rep.Problems), "first", rep.Problems[0].Kind)
		}
		ev, err := events.New(typ, string(t), rep, time.Now())
		if err != nil {
			return sum, err
		}
		evs = append(evs, ev)
	}
	if v.events != nil && len(evs) > 0 {
		if err := v.events.Publish(ctx, evs...); err != nil {
			return sum, err
		}
	}
	v.metric(len(tenants), len(sum.Broken))
	v.log.Info("audit chains verified", "chains", sum.Chains, "broken", len(sum.Broken))
	return sum, nil
}

// metric writes a CloudWatch embedded-metric-format line: Lambda ships it as a metric,
// on which template.yaml sets an alarm.
func (v *verifier) metric(chains, broken int) {
	line := map[string]any{
		"_aws": map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []map[string]any{{
				"Namespace":  "ChainGuard/Audit",
				"Dimensions": [][]string{{}},
				"Metrics":    []map[string]string{{"Name": "ChainsVerified", "Unit": "Count"}, {"Name": "ChainsBroken", "Unit": "Count"}},
			}},
		},
		"ChainsVerified": chains,
		"ChainsBroken":   broken,
	}
	b, _ := json.Marshal(line)
	fmt.Fprintln(v.out, string(b))
}
