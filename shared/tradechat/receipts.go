package tradechat

import (
	"context"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// VerifiedReceipt checks that an attachment of the trade was uploaded by userID and
// verified: what a buyer may name as the receipt of a payment (422 receipt_not_usable
// otherwise; absent is attachment_not_found).
func (s *Service) VerifiedReceipt(ctx context.Context, t store.TenantID, tradeID, attachmentID, userID string) error {
	it, err := s.attachment(ctx, t, tradeID, attachmentID)
	if err != nil {
		return err
	}
	if it.TenantID != string(t) || it.TradeID != tradeID {
		return attachmentNotFound()
	}
	if it.UploadedBy.ID != userID || it.Status != StatusVerified {
		return failure.New(failure.Unprocessable, "receipt_not_usable", "a receipt is an attachment of this trade that the buyer uploaded and that was verified")
	}
	return nil
}
