package store

// ---- P2P trade chat: attachments (payment receipts) ------------------------------------
//
// A trade's chat messages (TradeMessageKey, "MSG#<id>") and its attachments live in the
// trade's partition (TradePK), so every read and write of the chat is scoped by the
// tenant and the trade it was authorised for.

// TradeAttachmentKey is one uploaded file of a trade (a payment receipt): who uploaded it,
// its declared type and size, its encrypted file name, its verification status and the
// message it was posted with.
func TradeAttachmentKey(t TenantID, tradeID, attachmentID string) Key {
	return Key{PK: TradePK(t, tradeID), SK: TradeAttachmentSKPrefix + seg(attachmentID)}
}

// TradeAttachmentSKPrefix selects a trade's attachments.
const TradeAttachmentSKPrefix = "ATT#"
