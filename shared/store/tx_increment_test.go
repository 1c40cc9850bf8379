package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

type tally struct {
	store.Meta
	Done int64 `dynamodbav:"done"`
	Sent int64 `dynamodbav:"sent"`
}

func (tally) EntityType() string { return "tally" }

func TestConcurrentIncrementsAllCountAndLeaveTheVersion(t *testing.T) {
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	st := store.New(dynamodb.NewFromConfig(cfg), table)
	ctx := context.Background()
	k := store.Key{PK: "T#t#TALLY", SK: "T"}
	if err := st.Create(ctx, k, tally{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				err := st.Tx().Increment(k, map[string]int64{"done": 2, "sent": 1}).Exec(ctx)
				if !errors.Is(err, store.ErrConflict) { // a transaction conflict is retried by callers
					if err != nil {
						t.Error(err)
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	var got tally
	if err := st.Get(ctx, k, &got); err != nil || got.Done != 24 || got.Sent != 12 || got.Version != 1 {
		t.Fatalf("tally = %+v, %v", got, err)
	}
	err := st.Tx().Increment(store.Key{PK: "T#t#NONE", SK: "T"}, map[string]int64{"done": 1}).Exec(ctx)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an absent item: %v", err)
	}
}
