package tradechat

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// PostMessage adds a message to a trade's chat. The trade's two parties post while it is
// open; among staff, only the dispute's mediator, while the dispute is open (audited).
// Attachments must be verified uploads of the sender on this trade, not yet posted; each
// is posted with one message only. Messages are never edited or deleted.
func (s *Service) PostMessage(ctx context.Context, t store.TenantID, tradeID string, from Reader, in MessageInput) (Message, error) {
	if err := checkText(in.Text); err != nil {
		return Message{}, err
	}
	if len(in.AttachmentIDs) > MaxAttachments {
		return Message{}, failure.InvalidInput("too_many_attachments", "a message carries at most %d attachments", MaxAttachments)
	}
	seen := map[string]bool{}
	for _, id := range in.AttachmentIDs {
		if seen[id] {
			return Message{}, failure.InvalidInput("duplicate_attachment", "attachment %s is listed twice", id)
		}
		seen[id] = true
	}
	a, err := s.writeAccess(ctx, t, tradeID, from)
	if err != nil {
		return Message{}, err
	}
	atts := make([]attachmentItem, 0, len(in.AttachmentIDs))
	for _, id := range in.AttachmentIDs {
		it, err := s.attachment(ctx, t, tradeID, id)
		if f, ok := failure.As(err); err != nil && (!ok || f.Kind != failure.NotFound) {
			return Message{}, err
		}
		switch {
		case err != nil || it.UploadedBy != a.author:
			// Another trade's, another tenant's, the other party's or nobody's: all alike.
			return Message{}, failure.Refused("attachment_not_usable", "attachment %s is not an upload of yours on this trade", id)
		case it.Status != StatusVerified:
			return Message{}, failure.Refused("attachment_not_usable", "attachment %s is %s, not verified", id, it.Status)
		case it.MessageID != "":
			return Message{}, failure.Refused("attachment_not_usable", "attachment %s was already posted", id)
		}
		atts = append(atts, it)
	}

	id := store.NewID()
	now := s.Now().UTC()
	textEnc, err := s.seal(ctx, t, messageRecord(tradeID, id), PurposeMessage, in.Text)
	if err != nil {
		return Message{}, err
	}
	item := messageItem{TenantID: string(t), TradeID: tradeID, ID: id, From: a.author, TextEnc: textEnc, CreatedAt: store.FormatTime(now)}
	for _, at := range atts {
		item.Attachments = append(item.Attachments, attachmentRef{ID: at.ID, ContentType: at.ContentType, Size: at.Size, NameEnc: at.NameEnc})
	}
	key := store.TradeMessageKey(t, tradeID, id)
	stage := func(tx *store.Tx) {
		tx.Create(key, item)
		for _, at := range atts {
			// On the version read above: posted concurrently with another message, it fails.
			tx.Patch(store.TradeAttachmentKey(t, tradeID, at.ID), at.Version, store.Changes{Set: map[string]any{"messageId": id}})
		}
	}
	switch {
	case a.staff:
		_, err = s.Audit.Commit(ctx, t, audit.Record{Action: AuditStaffMessage, Actor: a.actor(),
			Subject: audit.Subject{Type: "trade", ID: tradeID}, Reason: "mediation",
			Details: map[string]string{"message": id}}, stage)
	case len(atts) == 0:
		err = s.Store.Create(ctx, key, item)
	default:
		tx := s.Store.Tx()
		stage(tx)
		err = tx.Exec(ctx)
	}
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return Message{}, failure.Conflicting("attachment_not_usable", "an attachment was posted with another message meanwhile")
		}
		return Message{}, fmt.Errorf("tradechat: post message on %s: %w", tradeID, err)
	}
	return s.message(ctx, t, item)
}

// ListMessages reads a trade's chat, oldest first, a page at a time (limit 1..200, 50 by
// default; cursor from the previous page). The parties read their trade's chat at any
// time, closed trades included; staff with the analyst or approver role under the dispute
// rule (StaffMayRead), and every page a staff member reads is recorded in the audit trail
// (trade.chat_read) before it is returned. Anybody else is told the trade does not exist.
func (s *Service) ListMessages(ctx context.Context, t store.TenantID, tradeID string, r Reader, cursor string, limit int) (MessagePage, error) {
	a, err := s.readAccess(ctx, t, tradeID, r)
	if err != nil {
		return MessagePage{}, err
	}
	page, err := s.Store.Query(ctx, store.QueryInput{PK: store.TradePK(t, tradeID), SKPrefix: store.TradeMessageSKPrefix,
		Tenant: t, Limit: limit, Cursor: cursor})
	if err != nil {
		if errors.Is(err, store.ErrBadCursor) {
			return MessagePage{}, failure.InvalidInput("invalid_cursor", "the cursor is not valid for this chat")
		}
		return MessagePage{}, err
	}
	items, err := store.Items[messageItem](page)
	if err != nil {
		return MessagePage{}, err
	}
	out := MessagePage{Messages: make([]Message, 0, len(items)), NextCursor: page.NextCursor}
	for _, it := range items {
		m, err := s.message(ctx, t, it)
		if err != nil {
			return MessagePage{}, err
		}
		out.Messages = append(out.Messages, m)
	}
	if a.staff {
		if err := s.auditStaffRead(ctx, t, a, AuditChatRead, chatReadDetails(out.Messages, cursor)); err != nil {
			return MessagePage{}, err
		}
	}
	return out, nil
}

func chatReadDetails(ms []Message, cursor string) map[string]string {
	d := map[string]string{"messages": strconv.Itoa(len(ms)), "page": "first"}
	if cursor != "" {
		d["page"] = "next"
	}
	if len(ms) > 0 {
		d["firstMessage"], d["lastMessage"] = ms[0].ID, ms[len(ms)-1].ID
	}
	return d
}

// auditStaffRead records a staff read of a trade's chat or evidence; the data is only
// handed out once the record is stored.
func (s *Service) auditStaffRead(ctx context.Context, t store.TenantID, a access, action string, details map[string]string) error {
	reason := "dispute_open"
	if !a.trade.Disputed {
		reason = "dispute_resolved"
	}
	details["tradeState"] = a.trade.State
	if _, err := s.Audit.Append(ctx, t, audit.Record{Action: action, Actor: a.actor(),
		Subject: audit.Subject{Type: "trade", ID: a.trade.ID}, Reason: reason, Details: details}); err != nil {
		return fmt.Errorf("tradechat: audit %s: %w", action, err)
	}
	return nil
}
