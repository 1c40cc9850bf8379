package tradechat

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestAPNGReceiptIsUploadedVerifiedPostedAndDownloaded(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	tk, err := f.svc.RequestUpload(ctx, f.tenant, f.trade, buyer, UploadInput{FileName: "Überweisung Müller.png", ContentType: "image/png", Size: int64(len(pngBytes))})
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(tk.URL)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(u.Path, "/trades/"+string(f.tenant)+"/"+f.trade+"/"+tk.AttachmentID) {
		t.Fatalf("object path %s", u.Path)
	}
	signed := strings.Split(u.Query().Get("X-Amz-SignedHeaders"), ";")
	for _, h := range []string{"content-length", "content-type", "if-none-match", "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id"} {
		if !contains(signed, h) {
			t.Fatalf("%s is not signed: %v", h, signed)
		}
	}
	if u.Query().Get("X-Amz-Expires") != "600" || tk.Method != http.MethodPut {
		t.Fatalf("%s valid %s s", tk.Method, u.Query().Get("X-Amz-Expires"))
	}
	if tk.Headers.Get("X-Amz-Server-Side-Encryption") != "aws:kms" || tk.Headers.Get("Content-Type") != "image/png" {
		t.Fatalf("headers %v", tk.Headers)
	}

	_, err = f.svc.CompleteUpload(ctx, f.tenant, f.trade, buyer, tk.AttachmentID)
	wantCode(t, "completed before the upload", err, "upload_not_found")
	if status := put(t, tk, pngBytes); status != http.StatusOK {
		t.Fatalf("PUT %d", status)
	}
	head, err := f.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(ObjectKey(f.tenant, f.trade, tk.AttachmentID))})
	if err != nil || head.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms {
		t.Fatalf("stored object: %+v %v", head, err)
	}
	_, err = f.svc.CompleteUpload(ctx, f.tenant, f.trade, seller, tk.AttachmentID)
	wantCode(t, "the other party completes", err, "attachment_not_found")
	a, err := f.svc.CompleteUpload(ctx, f.tenant, f.trade, buyer, tk.AttachmentID)
	if err != nil || a.Status != StatusVerified || a.FileName != "Überweisung Müller.png" || a.Size != int64(len(pngBytes)) {
		t.Fatalf("complete: %+v %v", a, err)
	}
	if again, err := f.svc.CompleteUpload(ctx, f.tenant, f.trade, buyer, tk.AttachmentID); err != nil || again.Status != StatusVerified {
		t.Fatalf("completing twice: %+v %v", again, err)
	}
	// Write once: the URL, still valid, cannot replace the checked bytes.
	if status := put(t, tk, pdfBytes[:len(pngBytes)]); status != http.StatusPreconditionFailed {
		t.Fatalf("a second PUT answered %d", status)
	}

	// Not posted yet: the uploader sees it, the other party does not.
	if _, err := f.svc.AttachmentURL(ctx, f.tenant, f.trade, buyer, tk.AttachmentID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AttachmentURL(ctx, f.tenant, f.trade, seller, tk.AttachmentID)
	wantCode(t, "the seller, before it is posted", err, "attachment_not_found")

	m := f.post(t, f.trade, buyer, "Receipt attached", tk.AttachmentID)
	if len(m.Attachments) != 1 || m.Attachments[0].FileName != "Überweisung Müller.png" {
		t.Fatalf("message: %+v", m)
	}
	page, err := f.svc.ListMessages(ctx, f.tenant, f.trade, seller, "", 0)
	if err != nil || len(page.Messages) != 1 || len(page.Messages[0].Attachments) != 1 || page.Messages[0].Attachments[0].ID != tk.AttachmentID {
		t.Fatalf("the seller reads %+v %v", page, err)
	}
	link, err := f.svc.AttachmentURL(ctx, f.tenant, f.trade, seller, tk.AttachmentID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(link.URL, "ller") || !strings.Contains(link.URL, "X-Amz-Expires=300") {
		t.Fatalf("download URL %s", link.URL)
	}
	status, body, hdr := get(t, link.URL)
	if status != http.StatusOK || !bytes.Equal(body, pngBytes) || hdr.Get("Content-Type") != "image/png" {
		t.Fatalf("GET %d %q %v", status, body[:8], hdr)
	}

	// Staff: only during the dispute, audited.
	_, err = f.svc.AttachmentURL(ctx, f.tenant, f.trade, analyst, tk.AttachmentID)
	wantCode(t, "staff before the dispute", err, "trade_not_found")
	f.dispute(f.trade, staffID)
	if _, err := f.svc.AttachmentURL(ctx, f.tenant, f.trade, analyst, tk.AttachmentID); err != nil {
		t.Fatal(err)
	}
	recs := f.auditRecords(t, f.trade)
	if len(recs) != 1 || recs[0].Action != AuditAttachmentURL || recs[0].Actor.ID != staffID || recs[0].Details["attachment"] != tk.AttachmentID {
		t.Fatalf("audit: %+v", recs)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestAFileDeclaredPNGWithPDFBytesIsRejectedAndDeleted(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	tk, status := f.upload(t, f.trade, buyer, "receipt.png", "image/png", pdfBytes)
	if status != http.StatusOK {
		t.Fatalf("PUT %d", status)
	}
	_, err := f.svc.CompleteUpload(ctx, f.tenant, f.trade, buyer, tk.AttachmentID)
	wantCode(t, "complete", err, "invalid_file")
	_, err = f.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(ObjectKey(f.tenant, f.trade, tk.AttachmentID))})
	if !isS3NotFound(err) {
		t.Fatalf("the refused object is still there: %v", err)
	}
	_, err = f.svc.CompleteUpload(ctx, f.tenant, f.trade, buyer, tk.AttachmentID)
	wantCode(t, "completing again", err, "invalid_file")
	_, err = f.svc.PostMessage(ctx, f.tenant, f.trade, buyer, MessageInput{Text: "receipt", AttachmentIDs: []string{tk.AttachmentID}})
	wantCode(t, "posting it", err, "attachment_not_usable")
	_, err = f.svc.AttachmentURL(ctx, f.tenant, f.trade, buyer, tk.AttachmentID)
	wantCode(t, "downloading it", err, "attachment_not_found")
}

func TestAnUploadThatIsNotWhatWasDeclaredIsRejected(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	// A client that ignores the signed headers against an emulator that does not check
	// signatures: the HEAD still catches what S3 itself would have refused.
	tk, err := f.svc.RequestUpload(ctx, f.tenant, f.trade, seller, UploadInput{FileName: "r.pdf", ContentType: "application/pdf", Size: int64(len(pdfBytes))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(f.bucket), Key: aws.String(ObjectKey(f.tenant, f.trade, tk.AttachmentID)),
		Body: bytes.NewReader(pdfBytes[:20]), ContentType: aws.String("application/pdf"), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.CompleteUpload(ctx, f.tenant, f.trade, seller, tk.AttachmentID)
	wantCode(t, "a shorter file", err, "invalid_file")
}

func TestOversizeAndUnsupportedFilesAreRefusedBeforeAnyUpload(t *testing.T) {
	f := setup(t)
	cases := []struct {
		name string
		in   UploadInput
		code string
	}{
		{"over 10 MiB", UploadInput{FileName: "big.pdf", ContentType: "application/pdf", Size: MaxFileSize + 1}, "file_too_large"},
		{"empty", UploadInput{FileName: "none.pdf", ContentType: "application/pdf", Size: 0}, "invalid_size"},
		{"a GIF", UploadInput{FileName: "a.gif", ContentType: "image/gif", Size: 100}, "unsupported_media_type"},
		{"HTML", UploadInput{FileName: "a.html", ContentType: "text/html", Size: 100}, "unsupported_media_type"},
		{"a name with a direction override", UploadInput{FileName: "receipt\u202Efdp.exe", ContentType: "application/pdf", Size: 100}, "invalid_file_name"},
		{"a name with a path", UploadInput{FileName: "../x.pdf", ContentType: "application/pdf", Size: 100}, "invalid_file_name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.RequestUpload(context.Background(), f.tenant, f.trade, buyer, c.in)
			wantCode(t, c.name, err, c.code)
		})
	}
	_, err := f.svc.RequestUpload(context.Background(), f.tenant, f.trade, buyer, UploadInput{FileName: "max.pdf", ContentType: "application/pdf", Size: MaxFileSize})
	if err != nil {
		t.Fatalf("exactly 10 MiB: %v", err)
	}
}

func TestAMessageOnlyCarriesTheSendersVerifiedUnpostedUploadsOfThisTrade(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	otherTrade := f.newTrade("paid")
	ofOtherTrade := f.verified(t, otherTrade, buyer)
	ofSeller := f.verified(t, f.trade, seller)
	pending, err := f.svc.RequestUpload(ctx, f.tenant, f.trade, buyer, UploadInput{FileName: "p.png", ContentType: "image/png", Size: 20})
	if err != nil {
		t.Fatal(err)
	}
	mine := f.verified(t, f.trade, buyer)
	for name, id := range map[string]string{
		"an attachment of another trade":    ofOtherTrade,
		"the other party's attachment":      ofSeller,
		"an attachment not yet verified":    pending.AttachmentID,
		"an attachment that does not exist": "01JAAAAAAAAAAAAAAAAAAAAAAA",
		"an id that cannot be a key":        "a#b",
	} {
		_, err := f.svc.PostMessage(ctx, f.tenant, f.trade, buyer, MessageInput{Text: "receipt", AttachmentIDs: []string{mine, id}})
		wantCode(t, name, err, "attachment_not_usable")
	}
	f.post(t, f.trade, buyer, "receipt", mine)
	_, err = f.svc.PostMessage(ctx, f.tenant, f.trade, buyer, MessageInput{Text: "again", AttachmentIDs: []string{mine}})
	wantCode(t, "an attachment already posted", err, "attachment_not_usable")
	page, err := f.svc.ListMessages(ctx, f.tenant, f.trade, buyer, "", 0)
	if err != nil || len(page.Messages) != 1 {
		t.Fatalf("refused messages were stored: %+v %v", page, err)
	}
}

func TestTwoMessagesRacingForOneAttachmentPostItOnce(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.verified(t, f.trade, buyer)
	const n = 6
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := f.svc.PostMessage(ctx, f.tenant, f.trade, buyer, MessageInput{Text: "receipt", AttachmentIDs: []string{id}})
			errs <- err
		}()
	}
	posted := 0
	for range n {
		switch err := <-errs; code(err) {
		case "":
			posted++
		case "attachment_not_usable":
		default:
			t.Fatalf("unexpected: %v", err)
		}
	}
	page, err := f.svc.ListMessages(ctx, f.tenant, f.trade, buyer, "", 0)
	if err != nil || posted != 1 || len(page.Messages) != 1 {
		t.Fatalf("posted %d, chat %d messages, %v", posted, len(page.Messages), err)
	}
}
