package tradechat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// ObjectKey is where an attachment's bytes are: trades/<tenant>/<trade>/<attachment id>.
func ObjectKey(t store.TenantID, tradeID, attachmentID string) string {
	return "trades/" + string(t) + "/" + tradeID + "/" + attachmentID
}

// RequestUpload declares a receipt a party is about to upload and answers where to PUT
// it: a URL valid UploadURLValid, signed together with the content type, the exact size,
// SSE-KMS under the service's key and "If-None-Match: *" (the object can be written once:
// bytes checked by CompleteUpload cannot be replaced afterwards with the same URL). Only
// the trade's parties upload, and only while the trade is open.
func (s *Service) RequestUpload(ctx context.Context, t store.TenantID, tradeID string, from Reader, in UploadInput) (UploadTicket, error) {
	if _, err := checkUpload(in); err != nil {
		return UploadTicket{}, err
	}
	a, err := s.writeAccess(ctx, t, tradeID, from)
	if err != nil {
		return UploadTicket{}, err
	}
	if a.staff {
		return UploadTicket{}, failure.Denied("parties_only", "only the trade's parties upload receipts")
	}
	id := store.NewID()
	now := s.Now().UTC()
	nameEnc, err := s.seal(ctx, t, attachmentRecord(tradeID, id), PurposeFileName, in.FileName)
	if err != nil {
		return UploadTicket{}, err
	}
	okey := ObjectKey(t, tradeID, id)
	req, err := s.Presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(s.Bucket), Key: aws.String(okey),
		ContentType: aws.String(in.ContentType), ContentLength: aws.Int64(in.Size),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(s.KMSKeyID),
		IfNoneMatch: aws.String("*"),
	}, func(o *s3.PresignOptions) { o.Expires = UploadURLValid })
	if err != nil {
		return UploadTicket{}, fmt.Errorf("tradechat: presign upload: %w", err)
	}
	expires := now.Add(UploadURLValid)
	item := attachmentItem{TenantID: string(t), TradeID: tradeID, ID: id, UploadedBy: a.author, Status: StatusPending,
		ContentType: in.ContentType, Size: in.Size, NameEnc: nameEnc, ObjectKey: okey,
		CreatedAt: store.FormatTime(now), UploadExpiresAt: store.FormatTime(expires),
		ExpiresAt: now.Add(PendingUploadTTL).Unix()}
	if err := s.Store.Create(ctx, store.TradeAttachmentKey(t, tradeID, id), item); err != nil {
		return UploadTicket{}, fmt.Errorf("tradechat: record upload: %w", err)
	}
	headers := req.SignedHeader.Clone()
	headers.Del("Host")
	return UploadTicket{AttachmentID: id, Method: req.Method, URL: req.URL, Headers: headers, ExpiresAt: expires}, nil
}

// CompleteUpload checks what the party uploaded for a declared attachment: the object's
// size and content type equal the declared ones, it is encrypted with SSE-KMS, and its
// first bytes are those of its type (PNG, JPEG, PDF). A file that passes is verified and
// can be posted; one that fails is deleted and rejected (422 invalid_file, for good: ask
// for a new upload). Nothing uploaded yet is 422 upload_not_found (the attachment stays
// pending). Completing again answers the recorded outcome.
func (s *Service) CompleteUpload(ctx context.Context, t store.TenantID, tradeID string, from Reader, attachmentID string) (Attachment, error) {
	a, err := s.readAccess(ctx, t, tradeID, from)
	if err != nil {
		return Attachment{}, err
	}
	it, err := s.attachment(ctx, t, tradeID, attachmentID)
	if err != nil {
		return Attachment{}, err
	}
	if a.staff || it.UploadedBy != a.author {
		return Attachment{}, attachmentNotFound()
	}
	for attempt := 0; ; attempt++ {
		switch it.Status {
		case StatusVerified:
			return s.attachmentView(ctx, t, it)
		case StatusRejected:
			return Attachment{}, invalidFile(it.Reason)
		}
		done, err := s.check(ctx, t, it)
		if err == nil || !errors.Is(err, store.ErrConflict) || attempt > 0 {
			return done, err
		}
		// Completed concurrently: answer what the other call recorded.
		if it, err = s.attachment(ctx, t, tradeID, attachmentID); err != nil {
			return Attachment{}, err
		}
	}
}

// Reasons a file is rejected.
const (
	ReasonSize      = "size_mismatch"
	ReasonType      = "type_mismatch"
	ReasonNotKMS    = "not_encrypted"
	ReasonSignature = "content_mismatch" // the first bytes are not those of the declared type
)

func invalidFile(reason string) error {
	msg := map[string]string{
		ReasonSize:      "the uploaded file's size is not the declared size",
		ReasonType:      "the uploaded file's content type is not the declared one",
		ReasonNotKMS:    "the uploaded file is not encrypted as required",
		ReasonSignature: "the uploaded file's content is not of its declared type",
	}[reason]
	if msg == "" {
		msg = "the uploaded file was refused"
	}
	return failure.Refused("invalid_file", "%s", msg)
}

func (s *Service) check(ctx context.Context, t store.TenantID, it attachmentItem) (Attachment, error) {
	key := store.TradeAttachmentKey(t, it.TradeID, it.ID)
	etag, reason, err := s.inspect(ctx, it)
	if err != nil {
		return Attachment{}, err
	}
	now := store.FormatTime(s.Now())
	if reason != "" {
		if _, err := s.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(it.ObjectKey)}); err != nil {
			return Attachment{}, fmt.Errorf("tradechat: delete refused upload %s: %w", it.ID, err)
		}
		if _, err := s.Store.Patch(ctx, key, it.Version, store.Changes{
			Set:    map[string]any{"status": StatusRejected, "reason": reason, "checkedAt": now, "etag": etag},
			Remove: []string{store.AttrExpiresAt},
		}); err != nil {
			return Attachment{}, err
		}
		return Attachment{}, invalidFile(reason)
	}
	v, err := s.Store.Patch(ctx, key, it.Version, store.Changes{
		Set:    map[string]any{"status": StatusVerified, "checkedAt": now, "etag": etag},
		Remove: []string{store.AttrExpiresAt},
	})
	if err != nil {
		return Attachment{}, err
	}
	it.Version, it.Status, it.CheckedAt, it.ETag = v, StatusVerified, now, etag
	return s.attachmentView(ctx, t, it)
}

// inspect HEADs the uploaded object and reads its first bytes (of the very object the
// HEAD described: If-Match its ETag). It answers the reason to refuse it, "" if it passes.
func (s *Service) inspect(ctx context.Context, it attachmentItem) (etag, reason string, err error) {
	head, err := s.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(it.ObjectKey)})
	if err != nil {
		if isS3NotFound(err) {
			return "", "", failure.Refused("upload_not_found", "nothing was uploaded for this attachment yet")
		}
		return "", "", fmt.Errorf("tradechat: head %s: %w", it.ID, err)
	}
	etag = aws.ToString(head.ETag)
	switch {
	case aws.ToInt64(head.ContentLength) != it.Size:
		return etag, ReasonSize, nil
	case aws.ToString(head.ContentType) != it.ContentType:
		return etag, ReasonType, nil
	case head.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms:
		return etag, ReasonNotKMS, nil
	}
	kind, _ := kindOf(it.ContentType)
	obj, err := s.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(it.ObjectKey),
		Range: aws.String(fmt.Sprintf("bytes=0-%d", magicBytesToRead-1)), IfMatch: head.ETag})
	if err != nil {
		return "", "", fmt.Errorf("tradechat: read %s: %w", it.ID, err)
	}
	defer obj.Body.Close()
	first, err := io.ReadAll(io.LimitReader(obj.Body, magicBytesToRead))
	if err != nil {
		return "", "", fmt.Errorf("tradechat: read %s: %w", it.ID, err)
	}
	if !bytes.HasPrefix(first, kind.magic) {
		return etag, ReasonSignature, nil
	}
	return etag, "", nil
}

func isS3NotFound(err error) bool {
	var nf *s3types.NotFound
	var nsk *s3types.NoSuchKey
	if errors.As(err, &nf) || errors.As(err, &nsk) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey")
}

// AttachmentURL answers a download URL, valid DownloadURLValid, of a verified attachment:
// to its uploader at once, to the other party once it was posted in the chat, and to
// staff under the dispute rule once posted (audited, trade.attachment_read). The download
// is served as an attachment named after its id, so the file name (personal data) never
// appears in a URL or in S3's logs.
func (s *Service) AttachmentURL(ctx context.Context, t store.TenantID, tradeID string, r Reader, attachmentID string) (AttachmentLink, error) {
	a, err := s.readAccess(ctx, t, tradeID, r)
	if err != nil {
		return AttachmentLink{}, err
	}
	it, err := s.attachment(ctx, t, tradeID, attachmentID)
	if err != nil {
		return AttachmentLink{}, err
	}
	mine := !a.staff && it.UploadedBy == a.author
	if it.Status != StatusVerified || !(mine || it.MessageID != "") {
		return AttachmentLink{}, attachmentNotFound()
	}
	kind, _ := kindOf(it.ContentType)
	req, err := s.Presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(it.ObjectKey),
		ResponseContentType:        aws.String(it.ContentType),
		ResponseContentDisposition: aws.String(fmt.Sprintf("attachment; filename=%q", it.ID+"."+kind.ext)),
	}, func(o *s3.PresignOptions) { o.Expires = DownloadURLValid })
	if err != nil {
		return AttachmentLink{}, fmt.Errorf("tradechat: presign download: %w", err)
	}
	if req.Method != http.MethodGet {
		return AttachmentLink{}, fmt.Errorf("tradechat: presigned %s, want GET", req.Method)
	}
	view, err := s.attachmentView(ctx, t, it)
	if err != nil {
		return AttachmentLink{}, err
	}
	if a.staff {
		if err := s.auditStaffRead(ctx, t, a, AuditAttachmentURL, map[string]string{"attachment": it.ID, "message": it.MessageID}); err != nil {
			return AttachmentLink{}, err
		}
	}
	return AttachmentLink{Attachment: view, URL: req.URL, ExpiresAt: s.Now().UTC().Add(DownloadURLValid)}, nil
}
