package main

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/chainfi/chainguard/infra/stack"
)

func shard(id, parent string) streamtypes.Shard {
	sh := streamtypes.Shard{ShardId: aws.String(id)}
	if parent != "" {
		sh.ParentShardId = aws.String(parent)
	}
	return sh
}

// startedIDs returns the ids of starts as "id@position".
func startedIDs(starts []shardStart) []string {
	var ids []string
	for _, st := range starts {
		ids = append(ids, st.shard+"@"+st.position)
	}
	return ids
}

func TestAChildShardStartsOnlyOnceItsParentIsDone(t *testing.T) {
	t.Run("a child listed before its parent waits for the parent's reader to finish", func(t *testing.T) {
		s := newShardScheduler("LATEST")
		listing := []streamtypes.Shard{shard("child", "parent"), shard("parent", "")}
		first := s.next(listing)
		if got := startedIDs(first); !slices.Equal(got, []string{"parent@LATEST"}) {
			t.Fatalf("first scan started %v, want only the parent", got)
		}
		if got := s.next(listing); len(got) != 0 {
			t.Fatalf("while the parent is read, the scan started %v", startedIDs(got))
		}
		close(first[0].done)
		// The child was listed when the mapping started, so StartingPosition is its own.
		if got := startedIDs(s.next(listing)); !slices.Equal(got, []string{"child@LATEST"}) {
			t.Fatalf("after the parent finished, the scan started %v, want the child", got)
		}
		if got := s.next(listing); len(got) != 0 {
			t.Fatalf("a shard started twice: %v", startedIDs(got))
		}
	})
	t.Run("a child listed after its parent waits too", func(t *testing.T) {
		s := newShardScheduler("TRIM_HORIZON")
		listing := []streamtypes.Shard{shard("parent", ""), shard("child", "parent")}
		if got := startedIDs(s.next(listing)); !slices.Equal(got, []string{"parent@TRIM_HORIZON"}) {
			t.Fatalf("first scan started %v, want only the parent", got)
		}
	})
	t.Run("a shard that appears later is read from its beginning", func(t *testing.T) {
		s := newShardScheduler("LATEST")
		first := s.next([]streamtypes.Shard{shard("parent", "")})
		close(first[0].done)
		got := startedIDs(s.next([]streamtypes.Shard{shard("parent", ""), shard("child", "parent")}))
		if !slices.Equal(got, []string{"child@TRIM_HORIZON"}) {
			t.Fatalf("started %v, want the child from TRIM_HORIZON", got)
		}
	})
	t.Run("a child whose parent is unknown waits one scan, then starts", func(t *testing.T) {
		s := newShardScheduler("TRIM_HORIZON")
		listing := []streamtypes.Shard{shard("child", "trimmed")}
		if got := s.next(listing); len(got) != 0 {
			t.Fatalf("first scan started %v, want none", startedIDs(got))
		}
		if got := startedIDs(s.next(listing)); !slices.Equal(got, []string{"child@TRIM_HORIZON"}) {
			t.Fatalf("second scan started %v, want the child", got)
		}
	})
	t.Run("a grandchild waits for its parent, which waits for its own", func(t *testing.T) {
		s := newShardScheduler("TRIM_HORIZON")
		listing := []streamtypes.Shard{shard("c", "b"), shard("b", "a"), shard("a", "")}
		a := s.next(listing)
		if got := startedIDs(a); !slices.Equal(got, []string{"a@TRIM_HORIZON"}) {
			t.Fatalf("started %v, want a", got)
		}
		close(a[0].done)
		b := s.next(listing)
		if got := startedIDs(b); !slices.Equal(got, []string{"b@TRIM_HORIZON"}) {
			t.Fatalf("started %v, want b", got)
		}
		close(b[0].done)
		if got := startedIDs(s.next(listing)); !slices.Equal(got, []string{"c@TRIM_HORIZON"}) {
			t.Fatalf("started %v, want c", got)
		}
	})
}

// failingStreams refuses every iterator, and records when it was asked.
type failingStreams struct {
	mu    sync.Mutex
	calls []time.Time
}

func (f *failingStreams) DescribeStream(context.Context, *dynamodbstreams.DescribeStreamInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error) {
	return nil, errors.New("not scripted")
}

func (f *failingStreams) GetShardIterator(context.Context, *dynamodbstreams.GetShardIteratorInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, time.Now())
	return nil, errors.New("ResourceNotFoundException: stream gone")
}

func (f *failingStreams) GetRecords(context.Context, *dynamodbstreams.GetRecordsInput, ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error) {
	return nil, errors.New("not scripted")
}

func TestAnIteratorThatCannotBeHadIsReportedOnceAndBackedOff(t *testing.T) {
	var out bytes.Buffer
	fake := &failingStreams{}
	sp := &streamPoller{
		rn:      &Runner{con: newConsole(&out)},
		streams: fake,
		src:     stack.StreamSource{FunctionID: "Fn", StreamARN: "arn:stream", StartingPosition: "TRIM_HORIZON", BatchSize: 100},
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2500*time.Millisecond)
	defer cancel()
	sp.readShard(ctx, "shard-1", "TRIM_HORIZON")

	if n := strings.Count(out.String(), "stream gone"); n != 1 {
		t.Errorf("the failure was printed %d times, want once per run of failures:\n%s", n, out.String())
	}
	fake.mu.Lock()
	calls := fake.calls
	fake.mu.Unlock()
	// 200 ms, then 400, 600, 800...: at least 4 attempts in 2.5 s, each wait longer.
	if len(calls) < 4 {
		t.Fatalf("%d attempts in 2.5 s, want the first retries to come quickly", len(calls))
	}
	first, last := calls[1].Sub(calls[0]), calls[len(calls)-1].Sub(calls[len(calls)-2])
	if last <= first {
		t.Errorf("waits between attempts did not grow: first %v, last %v", first, last)
	}
}
