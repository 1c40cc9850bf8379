package tradechat

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/lists/liststest"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// fakeTrades stands in for the escrow service: trades by tenant and id.
type fakeTrades struct {
	mu     sync.Mutex
	trades map[string]TradeView
}

func (f *fakeTrades) View(_ context.Context, t store.TenantID, id string) (TradeView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.trades[string(t)+"/"+id]
	if !ok {
		return TradeView{}, failure.Missing("trade_not_found", "no such trade")
	}
	return v, nil
}

func (f *fakeTrades) put(t store.TenantID, v TradeView) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trades[string(t)+"/"+v.ID] = v
}

// update changes a trade as the escrow service would (a dispute opened, a verdict).
func (f *fakeTrades) update(t store.TenantID, id string, fn func(*TradeView)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.trades[string(t)+"/"+id]
	fn(&v)
	f.trades[string(t)+"/"+id] = v
}

type fixture struct {
	svc    *Service
	trades *fakeTrades
	st     *store.Store
	db     *dynamodb.Client
	s3     *s3.Client
	bucket string
	tenant store.TenantID
	trade  string // a paid trade between buyer and seller
}

var seq atomic.Int64

const (
	buyerID  = "usr_buyer01"
	sellerID = "usr_seller01"
	staffID  = "stf_analyst01"
)

var (
	buyer    = Reader{Kind: ReaderParty, UserID: buyerID}
	seller   = Reader{Kind: ReaderParty, UserID: sellerID}
	stranger = Reader{Kind: ReaderParty, UserID: "usr_stranger"}
	analyst  = Reader{Kind: ReaderStaff, StaffID: staffID, Roles: []string{RoleAnalyst}}
)

func setup(t *testing.T) *fixture {
	t.Helper()
	cfg := emulator.TestConfig(t)
	f := &fixture{trades: &fakeTrades{trades: map[string]TradeView{}}}
	f.db = dynamodb.NewFromConfig(cfg)
	table := stack.TestTable(t, cfg)
	keyARN := liststest.KMSKey(t, cfg)
	enc, err := envelope.New(kms.NewFromConfig(cfg), keyARN)
	if err != nil {
		t.Fatal(err)
	}
	f.bucket = liststest.Bucket(t, cfg)
	f.s3 = lists.NewS3Client(cfg)
	f.st = store.New(f.db, table, store.WithCursorSecret([]byte(strings.Repeat("k", 32))))
	f.svc = New(Service{Store: f.st, Audit: audit.New(f.db, table), Enc: enc, Trades: f.trades,
		S3: f.s3, Presign: s3.NewPresignClient(f.s3), Bucket: f.bucket, KMSKeyID: keyARN})
	n := seq.Add(1)
	f.tenant = store.TenantID(fmt.Sprintf("tnt_tc%d_%d", time.Now().UnixNano()%1e9, n))
	f.trade = f.newTrade("paid")
	return f
}

func (f *fixture) newTrade(state string) string {
	id := "tr_" + strings.ToLower(store.NewID())
	f.trades.put(f.tenant, TradeView{ID: id, Seller: sellerID, Buyer: buyerID, State: state})
	return id
}

func (f *fixture) dispute(tradeID, mediator string) {
	f.trades.update(f.tenant, tradeID, func(v *TradeView) { v.State, v.Disputed, v.Mediator = "disputed", true, mediator })
}

func (f *fixture) post(t *testing.T, tradeID string, from Reader, text string, atts ...string) Message {
	t.Helper()
	m, err := f.svc.PostMessage(context.Background(), f.tenant, tradeID, from, MessageInput{Text: text, AttachmentIDs: atts})
	if err != nil {
		t.Fatalf("post %q: %v", text, err)
	}
	return m
}

func code(err error) string {
	if f, ok := failure.As(err); ok {
		return f.Code
	}
	if err == nil {
		return ""
	}
	return "internal: " + err.Error()
}

func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := code(err); got != want {
		t.Fatalf("%s: got %q, want %q", what, got, want)
	}
}

// Files of each type (their first bytes are what counts).
var (
	pngBytes = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{7}, 200)...)
	pdfBytes = append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), bytes.Repeat([]byte("0 obj\n"), 40)...)
)

// upload declares a file, PUTs body to the presigned URL with the signed headers, as a
// client would, and answers the ticket and the HTTP status of the PUT.
func (f *fixture) upload(t *testing.T, tradeID string, from Reader, name, contentType string, body []byte) (UploadTicket, int) {
	t.Helper()
	tk, err := f.svc.RequestUpload(context.Background(), f.tenant, tradeID, from, UploadInput{FileName: name, ContentType: contentType, Size: int64(len(body))})
	if err != nil {
		t.Fatalf("request upload: %v", err)
	}
	return tk, put(t, tk, body)
}

func put(t *testing.T, tk UploadTicket, body []byte) int {
	t.Helper()
	req, err := http.NewRequest(tk.Method, tk.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range tk.Headers {
		if strings.EqualFold(k, "Content-Length") {
			continue // net/http sets it from the body
		}
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.ContentLength = int64(len(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(res.Body)
		t.Logf("PUT answered %d: %s", res.StatusCode, msg)
	}
	return res.StatusCode
}

// verified uploads and completes a PNG receipt of from on the trade.
func (f *fixture) verified(t *testing.T, tradeID string, from Reader) string {
	t.Helper()
	tk, status := f.upload(t, tradeID, from, "receipt.png", "image/png", pngBytes)
	if status != http.StatusOK {
		t.Fatalf("PUT: %d", status)
	}
	a, err := f.svc.CompleteUpload(context.Background(), f.tenant, tradeID, from, tk.AttachmentID)
	if err != nil || a.Status != StatusVerified {
		t.Fatalf("complete: %+v %v", a, err)
	}
	return tk.AttachmentID
}

func get(t *testing.T, url string) (int, []byte, http.Header) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b, res.Header
}

// auditRecords reads the audit records about a trade (its subject partition on GSI2).
func (f *fixture) auditRecords(t *testing.T, tradeID string) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	err := f.st.QueryAll(context.Background(), store.QueryInput{Index: store.IndexGSI2, PK: store.AuditSubjectPK(f.tenant, "trade", tradeID)},
		func(items []map[string]types.AttributeValue) (bool, error) {
			for _, it := range items {
				if e, ok := audit.EntryFromItem(it); ok {
					out = append(out, e)
				}
			}
			return true, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
