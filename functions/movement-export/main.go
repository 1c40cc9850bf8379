// Command movement-export runs the exports clients request: it writes the movements
// selected (with their decrypted initiators and approval paths) to the exports bucket
// under SSE-KMS and marks the export done; the client fetches it by a presigned URL.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	ev "github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/movements"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, x, err := movements.FromPlatform(ctx, d, movements.NeedExports)
		if err != nil {
			return nil, err
		}
		return (&exporter{svc: svc, x: x, log: d.Log}).Handle, nil
	})
}

type exporter struct {
	svc *movements.Service
	x   *movements.Exporter
	log *slog.Logger
}

func (h *exporter) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	return ev.Consume(ctx, h.log, batch, func(ctx context.Context, m events.SQSMessage) error {
		return h.svc.RunExport(ctx, h.x, m.Body)
	}), nil
}
