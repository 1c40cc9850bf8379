// Command trades-holds consumes user.status_changed events (an EventBridge rule fills its
// queue with the changes to restricted, suspended, rejected or closed): the user's open
// trades go on hold for staff to decide.
package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	ev "github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/trades"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := trades.FromPlatformWithUsers(ctx, d, 0)
		if err != nil {
			return nil, err
		}
		return (&holder{svc: svc, log: d.Log}).Handle, nil
	})
}

type holder struct {
	svc *trades.Service
	log *slog.Logger
}

// holdOn are the statuses that stop a user trading.
var holdOn = map[string]bool{"restricted": true, "suspended": true, "rejected": true, "closed": true}

func (h *holder) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	return ev.Consume(ctx, h.log, batch, func(ctx context.Context, m events.SQSMessage) error {
		env, err := ev.FromEventBridge([]byte(m.Body))
		if err != nil || env.Type != "user.status_changed" || !store.ValidID(env.TenantID) {
			h.log.Error("not a user.status_changed event; dropped", "messageId", m.MessageId)
			return nil
		}
		var data struct {
			UserID string `json:"userId"`
			To     string `json:"to"`
		}
		if err := json.Unmarshal(env.Data, &data); err != nil || !store.ValidID(data.UserID) {
			h.log.Error("user.status_changed without a user; dropped", "eventId", env.ID)
			return nil
		}
		if !holdOn[data.To] {
			return nil
		}
		n, err := h.svc.HoldUser(ctx, store.TenantID(env.TenantID), data.UserID)
		if err != nil {
			return err
		}
		if n > 0 {
			h.log.Info("trades held", "tenantId", env.TenantID, "userId", data.UserID, "trades", n, "status", data.To)
		}
		return nil
	}), nil
}
