// Command movements-process consumes movement.logged events (an EventBridge rule fills
// its queue): it runs the tenant's rules on the movement (hits become the client's
// alerts and a movement.flagged event) and the platform's risk detectors (signals open
// platform reviews; nothing is restricted automatically).
package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	ev "github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/movements"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/store"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, _, err := movements.FromPlatform(ctx, d, movements.NeedLists)
		if err != nil {
			return nil, err
		}
		return (&processor{svc: svc, log: d.Log}).Handle, nil
	})
}

type processor struct {
	svc *movements.Service
	log *slog.Logger
}

// Handle processes each movement of the batch; one that fails comes back alone.
func (h *processor) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	return ev.Consume(ctx, h.log, batch, func(ctx context.Context, m events.SQSMessage) error {
		env, err := ev.FromEventBridge([]byte(m.Body))
		if err != nil || env.Type != movements.EventLogged || !store.ValidID(env.TenantID) {
			h.log.Error("not a movement.logged event; dropped", "messageId", m.MessageId)
			return nil
		}
		var data struct {
			MovementID string `json:"movementId"`
		}
		if err := json.Unmarshal(env.Data, &data); err != nil || data.MovementID == "" {
			h.log.Error("movement.logged without a movement id; dropped", "eventId", env.ID)
			return nil
		}
		res, err := h.svc.Process(ctx, store.TenantID(env.TenantID), data.MovementID)
		if err != nil {
			return err
		}
		h.log.Info("movement processed", "tenantId", env.TenantID, "movementId", data.MovementID, "outcome", res.Outcome,
			"hits", len(res.Hits), "alerts", len(res.AlertIDs), "reviews", len(res.ReviewIDs))
		return nil
	}), nil
}
