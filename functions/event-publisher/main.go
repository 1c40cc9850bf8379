// Command event-publisher publishes the domain events that changes stage in the outbox
// (shared/events): it reads new outbox items from the table's stream and puts them on the
// bus, and a scheduled sweep publishes whatever the stream path missed. It writes nothing
// but the mark that an event was published.
package main

import (
	"context"
	"fmt"

	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(_ context.Context, d *platform.Deps) (any, error) {
		if d.Events == nil {
			return nil, fmt.Errorf("EVENT_BUS_NAME is required: this function publishes to it")
		}
		p := &publisher{outbox: events.NewOutbox(d.DB, d.Config.TableName, d.Events), log: d.Log}
		return p.Handle, nil
	})
}
