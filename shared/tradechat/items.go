package tradechat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// Entity types.
const (
	EntityMessage    = "trade_message"
	EntityAttachment = "trade_attachment"
)

// messageItem is one message: T#t#TR#x / MSG#<ulid>. Written once, never changed.
type messageItem struct {
	store.Meta
	TenantID    string          `dynamodbav:"tenantId"`
	TradeID     string          `dynamodbav:"tradeId"`
	ID          string          `dynamodbav:"id"`
	From        Author          `dynamodbav:"from"`
	TextEnc     string          `dynamodbav:"textEnc"` // envelope, purpose trade.message
	Attachments []attachmentRef `dynamodbav:"attachments,omitempty"`
	CreatedAt   string          `dynamodbav:"createdAt"`
}

func (messageItem) EntityType() string { return EntityMessage }

// attachmentRef is a copy, in the message, of what a reader of the chat sees of an
// attachment, so that a page of the chat is one Query. The file name's ciphertext is the
// attachment's own (bound to the attachment's record), copied as is.
type attachmentRef struct {
	ID          string `dynamodbav:"id"`
	ContentType string `dynamodbav:"contentType"`
	Size        int64  `dynamodbav:"size"`
	NameEnc     string `dynamodbav:"nameEnc"`
}

// attachmentItem is one upload: T#t#TR#x / ATT#<ulid>, versioned. pending -> verified |
// rejected; a verified one gets the id of the message it is posted with, once.
type attachmentItem struct {
	store.Meta
	TenantID        string `dynamodbav:"tenantId"`
	TradeID         string `dynamodbav:"tradeId"`
	ID              string `dynamodbav:"id"`
	UploadedBy      Author `dynamodbav:"uploadedBy"`
	Status          string `dynamodbav:"status"`
	Reason          string `dynamodbav:"reason,omitempty"`
	ContentType     string `dynamodbav:"contentType"`
	Size            int64  `dynamodbav:"size"`
	NameEnc         string `dynamodbav:"nameEnc"` // envelope, purpose trade.attachment_name
	ObjectKey       string `dynamodbav:"objectKey"`
	ETag            string `dynamodbav:"etag,omitempty"` // of the object that was checked
	MessageID       string `dynamodbav:"messageId,omitempty"`
	CreatedAt       string `dynamodbav:"createdAt"`
	UploadExpiresAt string `dynamodbav:"uploadExpiresAt"`
	CheckedAt       string `dynamodbav:"checkedAt,omitempty"`
	ExpiresAt       int64  `dynamodbav:"expiresAt,omitempty"` // TTL while pending
}

func (attachmentItem) EntityType() string { return EntityAttachment }

// Envelope records: the field's item, named so that a ciphertext moved to another
// message, attachment or trade does not decrypt.
func messageRecord(tradeID, id string) string    { return "trade/" + tradeID + "/message/" + id }
func attachmentRecord(tradeID, id string) string { return "trade/" + tradeID + "/attachment/" + id }

func (s *Service) seal(ctx context.Context, t store.TenantID, record, purpose, plain string) (string, error) {
	out, err := envelope.EncryptString(ctx, s.Enc, envelope.Context{Tenant: string(t), Record: record, Purpose: purpose}, plain)
	if err != nil {
		return "", fmt.Errorf("tradechat: encrypt %s: %w", purpose, err)
	}
	return out, nil
}

func (s *Service) open(ctx context.Context, t store.TenantID, record, purpose, enc string) (string, error) {
	out, err := envelope.DecryptString(ctx, s.Enc, envelope.Context{Tenant: string(t), Record: record, Purpose: purpose}, enc)
	if err != nil {
		return "", fmt.Errorf("tradechat: decrypt %s of %s: %w", purpose, record, err)
	}
	return out, nil
}

func parseTime(s string) time.Time {
	at, _ := store.ParseTime(s)
	return at
}

func (s *Service) message(ctx context.Context, t store.TenantID, it messageItem) (Message, error) {
	text, err := s.open(ctx, t, messageRecord(it.TradeID, it.ID), PurposeMessage, it.TextEnc)
	if err != nil {
		return Message{}, err
	}
	m := Message{ID: it.ID, TradeID: it.TradeID, From: it.From, Text: text, CreatedAt: parseTime(it.CreatedAt)}
	for _, ref := range it.Attachments {
		name, err := s.open(ctx, t, attachmentRecord(it.TradeID, ref.ID), PurposeFileName, ref.NameEnc)
		if err != nil {
			return Message{}, err
		}
		m.Attachments = append(m.Attachments, Attachment{ID: ref.ID, FileName: name, ContentType: ref.ContentType,
			Size: ref.Size, Status: StatusVerified, MessageID: it.ID})
	}
	return m, nil
}

func attachmentNotFound() error { return failure.Missing("attachment_not_found", "no such attachment") }

// attachment reads one attachment of the trade; absent (or an id that cannot exist) is
// attachment_not_found.
func (s *Service) attachment(ctx context.Context, t store.TenantID, tradeID, id string) (attachmentItem, error) {
	var it attachmentItem
	if !store.ValidID(id) {
		return it, attachmentNotFound()
	}
	if err := s.Store.Get(ctx, store.TradeAttachmentKey(t, tradeID, id), &it); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return it, attachmentNotFound()
		}
		return it, err
	}
	return it, nil
}

func (s *Service) attachmentView(ctx context.Context, t store.TenantID, it attachmentItem) (Attachment, error) {
	name, err := s.open(ctx, t, attachmentRecord(it.TradeID, it.ID), PurposeFileName, it.NameEnc)
	if err != nil {
		return Attachment{}, err
	}
	a := Attachment{ID: it.ID, FileName: name, ContentType: it.ContentType, Size: it.Size, Status: it.Status,
		Reason: it.Reason, UploadedBy: it.UploadedBy.Role, MessageID: it.MessageID, CreatedAt: parseTime(it.CreatedAt)}
	if it.Status == StatusVerified && it.CheckedAt != "" {
		at := parseTime(it.CheckedAt)
		a.VerifiedAt = &at
	}
	return a, nil
}
