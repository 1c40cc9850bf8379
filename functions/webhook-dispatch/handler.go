package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/shared/delivery"
	ev "github.com/chainfi/chainguard/shared/events"
)

type dispatcher struct {
	svc *delivery.Service
	log *slog.Logger
}

// Handle dispatches each event of the batch; an event that fails is reported, so that
// only it comes back (dispatching again is harmless: delivery ids come from the event).
func (h *dispatcher) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	return ev.Consume(ctx, h.log, batch, func(ctx context.Context, m events.SQSMessage) error {
		env, err := ev.FromEventBridge([]byte(m.Body))
		if err != nil {
			// Not an event of ours: it would fail the same way every time. Logged, dropped.
			h.log.Error("fan-out message is not an EventBridge event", "messageId", m.MessageId, "error", err.Error())
			return nil
		}
		res, err := h.svc.Dispatch(ctx, env)
		if err != nil {
			return err
		}
		h.log.Info("event dispatched", "eventId", env.ID, "type", env.Type, "tenantId", env.TenantID, "deliveries", res.Deliveries, "existing", res.Existing)
		return nil
	}), nil
}
