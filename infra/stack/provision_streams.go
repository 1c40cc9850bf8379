package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// StreamSource is a function's DynamoDB event source: the runner reads the table's stream
// and invokes the function, as Lambda's event source mapping does, since the emulator
// keeps the stream but never invokes anything.
type StreamSource struct {
	FunctionID string // logical id of the consumer
	Source     string // "<FunctionID>.<EventName>"
	StreamARN  string
	// StartingPosition is TRIM_HORIZON (every record the stream holds) or LATEST (only
	// what is written once the runner reads).
	StartingPosition string
	BatchSize        int           // default 100, as Lambda's
	BatchingWindow   time.Duration // MaximumBatchingWindowInSeconds, default 0
	// Filters are FilterCriteria.Filters[].Pattern, each a JSON event pattern on the
	// record; a record is processed when any matches, and dropped otherwise.
	Filters                    []string
	ReportBatchItemFailures    bool
	MaximumRetryAttempts       int // -1 means until the record expires (see the runner)
	BisectBatchOnFunctionError bool
	OnFailureARN               string // DestinationConfig.OnFailure.Destination (an SQS queue)
	OnFailureURL               string
	Enabled                    bool
}

// Lambda's defaults for DynamoDB event sources.
const (
	defaultStreamBatchSize = 100
	maxStreamBatchSize     = 10000
)

func (p *provisioner) streamSource(ctx context.Context, fn Function, source string, props map[string]any, enabled bool) error {
	var sp struct {
		Stream                         string
		StartingPosition               string
		BatchSize                      *float64
		MaximumBatchingWindowInSeconds float64
		FilterCriteria                 struct{ Filters []struct{ Pattern any } }
		FunctionResponseTypes          []string
		MaximumRetryAttempts           *float64
		BisectBatchOnFunctionError     bool
		DestinationConfig              struct{ OnFailure struct{ Destination string } }
	}
	if err := remarshal(props, &sp); err != nil {
		return err
	}
	if sp.Stream == "" {
		return fmt.Errorf("no Stream: enable the table's StreamSpecification and use !GetAtt <Table>.StreamArn")
	}
	ss := StreamSource{
		FunctionID: fn.LogicalID, Source: source, StreamARN: sp.Stream, StartingPosition: strings.ToUpper(sp.StartingPosition),
		BatchSize: defaultStreamBatchSize, BatchingWindow: time.Duration(sp.MaximumBatchingWindowInSeconds * float64(time.Second)),
		MaximumRetryAttempts: -1, BisectBatchOnFunctionError: sp.BisectBatchOnFunctionError, Enabled: enabled,
	}
	switch ss.StartingPosition {
	case "TRIM_HORIZON", "LATEST":
	default:
		return fmt.Errorf("StartingPosition %q: want TRIM_HORIZON or LATEST", sp.StartingPosition)
	}
	if sp.BatchSize != nil {
		ss.BatchSize = int(*sp.BatchSize)
	}
	if ss.BatchSize < 1 || ss.BatchSize > maxStreamBatchSize {
		return fmt.Errorf("BatchSize %d: want 1-%d", ss.BatchSize, maxStreamBatchSize)
	}
	if sp.MaximumRetryAttempts != nil {
		ss.MaximumRetryAttempts = int(*sp.MaximumRetryAttempts)
	}
	for _, t := range sp.FunctionResponseTypes {
		if t == "ReportBatchItemFailures" {
			ss.ReportBatchItemFailures = true
		}
	}
	for i, f := range sp.FilterCriteria.Filters {
		pattern, err := filterPattern(f.Pattern)
		if err != nil {
			return fmt.Errorf("FilterCriteria.Filters[%d]: %w", i, err)
		}
		ss.Filters = append(ss.Filters, pattern)
	}
	if dest := sp.DestinationConfig.OnFailure.Destination; dest != "" {
		if !strings.HasPrefix(dest, "arn:aws:sqs:") {
			return fmt.Errorf("OnFailure destination %s: only SQS queues are emulated", dest)
		}
		url, err := p.queueByARN(ctx, dest)
		if err != nil {
			return fmt.Errorf("OnFailure destination: %w", err)
		}
		ss.OnFailureARN, ss.OnFailureURL = dest, url
	}
	p.update(func(d *Deployment) { d.Streams = append(d.Streams, ss) })
	return nil
}

// filterPattern accepts a pattern as CloudFormation does, a JSON string, and also as a
// YAML mapping, and returns it as JSON text.
func filterPattern(v any) (string, error) {
	var raw []byte
	if s, ok := v.(string); ok {
		raw = []byte(s)
	} else {
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		raw = b
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("the Pattern is not a JSON object: %w", err)
	}
	return string(raw), nil
}
