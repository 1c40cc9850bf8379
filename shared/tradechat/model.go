package tradechat

import (
	"context"
	"net/http"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/store"
)

// TradeView is what the chat needs to know of a trade. The trade itself belongs to the
// escrow service; the chat only reads it through Trades.
type TradeView struct {
	ID       string
	Seller   string // user id
	Buyer    string // user id
	State    string // escrow state (escrow_locked, paid, disputed, resolved_release...)
	Disputed bool   // a dispute is open now
	Mediator string // staff id of the dispute's mediator, "" until one takes it
	Final    bool   // the trade is over (released, cancelled, resolved_*)
}

// Trades reads trades. View answers a failure of kind NotFound (code trade_not_found)
// when the tenant has no such trade.
type Trades interface {
	View(ctx context.Context, t store.TenantID, tradeID string) (TradeView, error)
}

// Reader kinds.
const (
	ReaderParty = "party"
	ReaderStaff = "staff"
)

// Staff roles that may read a disputed trade's chat.
const (
	RoleAnalyst  = "analyst"
	RoleApprover = "approver"
)

// Reader is who asks: a party of the trade (Kind "party", UserID) or a platform staff
// member (Kind "staff", StaffID and Roles, authenticated by the caller).
type Reader struct {
	Kind    string
	UserID  string
	StaffID string
	Roles   []string
}

// Author roles of a message.
const (
	AuthorBuyer    = "buyer"
	AuthorSeller   = "seller"
	AuthorMediator = "mediator"
)

// Author is who wrote a message: a party by user id, or the dispute's mediator by staff id.
type Author struct {
	Role string `json:"role" dynamodbav:"role"`
	ID   string `json:"id" dynamodbav:"id"`
}

// MessageInput is a message to post.
type MessageInput struct {
	Text          string
	AttachmentIDs []string
}

// Message is one chat message, decrypted for its reader.
type Message struct {
	ID          string       `json:"id"`
	TradeID     string       `json:"tradeId"`
	From        Author       `json:"from"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments,omitempty"`
	CreatedAt   time.Time    `json:"createdAt"`
}

// MessagePage is one page of a trade's chat, oldest first.
type MessagePage struct {
	Messages   []Message `json:"messages"`
	NextCursor string    `json:"nextCursor,omitempty"`
}

// Attachment statuses: pending until CompleteUpload checks the object, then verified or
// rejected (the object deleted). Neither verified nor rejected ever changes again.
const (
	StatusPending  = "pending"
	StatusVerified = "verified"
	StatusRejected = "rejected"
)

// Attachment is an uploaded file as its reader sees it.
type Attachment struct {
	ID          string     `json:"id"`
	FileName    string     `json:"fileName"`
	ContentType string     `json:"contentType"`
	Size        int64      `json:"size"`
	Status      string     `json:"status,omitempty"`
	Reason      string     `json:"reason,omitempty"` // why it was rejected
	UploadedBy  string     `json:"uploadedBy,omitempty"`
	MessageID   string     `json:"messageId,omitempty"` // the message it was posted with
	CreatedAt   time.Time  `json:"createdAt"`
	VerifiedAt  *time.Time `json:"verifiedAt,omitempty"`
}

// UploadInput declares a file before it is uploaded.
type UploadInput struct {
	FileName    string
	ContentType string
	Size        int64
}

// UploadTicket is where and how to upload a declared file: an HTTP PUT of exactly the
// declared bytes to URL with every header of Headers (they are signed: a request without
// them, or with other values, is refused by S3), before ExpiresAt.
type UploadTicket struct {
	AttachmentID string      `json:"attachmentId"`
	Method       string      `json:"method"`
	URL          string      `json:"url"`
	Headers      http.Header `json:"headers"`
	ExpiresAt    time.Time   `json:"expiresAt"`
}

// AttachmentLink is a short-lived download URL of a verified attachment.
type AttachmentLink struct {
	Attachment
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Limits and validity.
const (
	MaxTextRunes       = 4000
	MaxAttachments     = 5                // per message
	MaxFileSize        = 10 << 20         // 10 MiB
	MaxFileNameRunes   = 255              // of the declared file name
	UploadURLValid     = 10 * time.Minute // the presigned PUT
	DownloadURLValid   = 5 * time.Minute  // the presigned GET
	PendingUploadTTL   = 24 * time.Hour   // an upload never completed is forgotten after this
	magicBytesToRead   = 8
	PurposeMessage     = "trade.message"         // envelope purpose of a message's text
	PurposeFileName    = "trade.attachment_name" // envelope purpose of a file name
	AuditChatRead      = "trade.chat_read"
	AuditAttachmentURL = "trade.attachment_read"
	AuditStaffMessage  = "trade.chat_message_posted"
)

// ObjectStore is the part of the S3 client the chat uses (*s3.Client satisfies it).
type ObjectStore interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// Presigner signs upload and download URLs (*s3.PresignClient satisfies it). Presigning
// is local: it makes no AWS call.
type Presigner interface {
	PresignPutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.PresignOptions)) (*PresignedHTTPRequest, error)
	PresignGetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.PresignOptions)) (*PresignedHTTPRequest, error)
}

// PresignedHTTPRequest is the SDK's presigned request: URL, method and signed headers.
type PresignedHTTPRequest = v4.PresignedHTTPRequest

// Service is the chat of P2P trades. Build it with New.
type Service struct {
	Store    *store.Store
	Audit    *audit.Log
	Enc      envelope.Encrypter
	Trades   Trades
	S3       ObjectStore
	Presign  Presigner
	Bucket   string // the attachments bucket
	KMSKeyID string // the key uploads are encrypted under (SSE-KMS), an ARN or key id
	Now      func() time.Time
}

// New returns the service.
func New(s Service) *Service {
	if s.Now == nil {
		s.Now = time.Now
	}
	return &s
}
