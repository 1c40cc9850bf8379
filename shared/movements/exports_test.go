package movements

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/lists/liststest"
	"github.com/chainfi/chainguard/shared/store"
)

// exports is the export queue and bucket on the emulator, wired as the functions wire them.
type exports struct {
	x   *Exporter
	sqs *sqs.Client
}

func (f *fixture) exports(t *testing.T) *exports {
	t.Helper()
	cfg := emulator.TestConfig(t)
	q := sqs.NewFromConfig(cfg)
	out, err := q.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("exports-" + strings.ToLower(store.NewID()))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = q.DeleteQueue(context.Background(), &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl}) })
	s3c := lists.NewS3Client(cfg)
	return &exports{sqs: q, x: &Exporter{Queue: q, QueueURL: aws.ToString(out.QueueUrl), S3: s3c, Presign: presigner{s3.NewPresignClient(s3c)},
		Bucket: liststest.Bucket(t, cfg), KeyID: liststest.KMSKey(t, cfg)}}
}

// run requests an export, takes its message off the queue and runs the worker on it, as
// the movement-export function does; it answers the export as the client then reads it.
func (e *exports) run(t *testing.T, f *fixture, in ExportInput) (Export, string) {
	t.Helper()
	ctx := context.Background()
	req, err := f.svc.RequestExport(ctx, f.tenant, client, e.x, in)
	if err != nil {
		t.Fatalf("request %+v: %v", in, err)
	}
	if req.Status != ExportQueued {
		t.Fatalf("requested: %+v", req)
	}
	msg, err := e.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &e.x.QueueURL, MaxNumberOfMessages: 1, WaitTimeSeconds: 2})
	if err != nil || len(msg.Messages) != 1 {
		t.Fatalf("queued message: %+v %v", msg, err)
	}
	body := aws.ToString(msg.Messages[0].Body)
	if err := f.svc.RunExport(ctx, e.x, body); err != nil {
		t.Fatalf("run: %v", err)
	}
	got, err := f.svc.GetExport(ctx, f.tenant, client, e.x, req.ID)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	return got, body
}

// download fetches an export by its presigned URL, as the client does.
func download(t *testing.T, e Export) []byte {
	t.Helper()
	if e.URL == "" {
		t.Fatalf("no URL: %+v", e)
	}
	res, err := http.Get(e.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("download: %d %v %s", res.StatusCode, err, raw)
	}
	return raw
}

func (f *fixture) auditActions(t *testing.T, subjectType, id string) []string {
	t.Helper()
	var out []string
	err := f.st.QueryAll(context.Background(), store.QueryInput{Index: store.IndexGSI2, PK: store.AuditSubjectPK(f.tenant, subjectType, id)},
		func(items []map[string]types.AttributeValue) (bool, error) {
			for _, it := range items {
				if e, ok := audit.EntryFromItem(it); ok {
					out = append(out, e.Action)
				}
			}
			return true, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAnExportWritesTheSelectedMovementsOldestFirstAsCSVAndNDJSON(t *testing.T) {
	f := setup(t)
	e := f.exports(t)
	if _, _, err := f.svc.LinkVault(context.Background(), f.tenant, client, userID(1), VaultInput{VaultID: "vault-b"}); err != nil {
		t.Fatal(err)
	}
	start := f.now()
	f.mustLog(t, f.withdrawal("before", "vault-a", cleanETH, "1", "1")) // before the range
	f.advance(time.Minute)
	from := f.now()
	in := f.withdrawal("a-1", "vault-a", cleanETH, "10", "10")
	in.InitiatedBy = &Initiator{DeviceID: "dev-1", IP: "203.0.113.7"}
	in.ApprovalPath = []Approval{{Approver: "ops-17", Role: "treasury", At: "2026-12-02T09:13:40Z"}}
	f.mustLog(t, in)
	f.advance(time.Minute)
	usdc := f.withdrawal("a-2", "vault-a", cleanETH2, "20", "20")
	usdc.Asset = "USDC"
	f.mustLog(t, usdc)
	f.advance(time.Minute)
	f.mustLog(t, f.withdrawal("b-1", "vault-b", cleanETH, "30", "30"))
	f.advance(time.Minute)
	f.mustLog(t, f.withdrawal("a-3", "vault-a", cleanETH, "40", "40"))
	to := f.now()
	f.advance(time.Minute)
	f.mustLog(t, f.withdrawal("after", "vault-a", cleanETH, "1", "1")) // after the range

	// CSV of one vault's USDT movements in the range.
	got, _ := e.run(t, f, ExportInput{From: store.FormatTime(from), To: store.FormatTime(to), Vault: "vault-a", Asset: "USDT", Format: "csv"})
	if got.Status != ExportDone || got.Rows != 2 || got.Truncated || got.CompletedAt == "" {
		t.Fatalf("csv export: %+v", got)
	}
	raw := download(t, got)
	if sum := sha256.Sum256(raw); got.SHA256 != hex.EncodeToString(sum[:]) || got.Bytes != len(raw) {
		t.Fatalf("the object is not what the export describes: %d bytes, sha %s; export %+v", len(raw), hex.EncodeToString(sum[:]), got)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], exportHeader) {
		t.Fatalf("header: %v", rows[0])
	}
	col := func(row []string, name string) string { return row[slices.Index(exportHeader, name)] }
	var csvIDs []string
	for _, r := range rows[1:] {
		csvIDs = append(csvIDs, col(r, "id"))
	}
	if !slices.Equal(csvIDs, []string{"a-1", "a-3"}) {
		t.Fatalf("csv rows: %v", csvIDs)
	}
	if r := rows[1]; col(r, "deviceId") != "dev-1" || col(r, "ip") != "203.0.113.7" || col(r, "approvalPath") != "ops-17/treasury@2026-12-02T09:13:40Z" ||
		col(r, "amount") != "10" || col(r, "sourceVaultId") != "vault-a" || col(r, "destinationAddress") != cleanETH {
		t.Fatalf("a-1 without its decrypted context: %v", r)
	}

	// NDJSON of every movement in the range (no party filter: the by-day index).
	all, _ := e.run(t, f, ExportInput{From: store.FormatTime(from), To: store.FormatTime(to), Format: "ndjson"})
	if all.Status != ExportDone || all.Rows != 4 {
		t.Fatalf("ndjson export: %+v", all)
	}
	var ms []Movement
	sc := bufio.NewScanner(bytes.NewReader(download(t, all)))
	for sc.Scan() {
		var m Movement
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		ms = append(ms, m)
	}
	if !slices.Equal(ids(ms), []string{"a-1", "a-2", "b-1", "a-3"}) {
		t.Fatalf("ndjson rows: %v", ids(ms))
	}
	if ms[0].InitiatedBy == nil || ms[0].InitiatedBy.DeviceID != "dev-1" || len(ms[0].ApprovalPath) != 1 || ms[1].Asset != "USDC" {
		t.Fatalf("ndjson content: %+v", ms[:2])
	}

	// One user's movements (through the vault linked to them), and one address's.
	byUser, _ := e.run(t, f, ExportInput{From: store.FormatTime(from), To: store.FormatTime(to), User: userID(1), Format: "ndjson"})
	if byUser.Status != ExportDone || byUser.Rows != 1 || !strings.Contains(string(download(t, byUser)), `"id":"b-1"`) {
		t.Fatalf("by user: %+v", byUser)
	}
	byAddr, _ := e.run(t, f, ExportInput{From: store.FormatTime(from), To: store.FormatTime(to), Chain: "ETH", Address: cleanETH2, Format: "ndjson"})
	if byAddr.Status != ExportDone || byAddr.Rows != 1 || !strings.Contains(string(download(t, byAddr)), `"id":"a-2"`) {
		t.Fatalf("by address: %+v", byAddr)
	}

	// An empty selection is a done export with the header only.
	none, _ := e.run(t, f, ExportInput{From: store.FormatTime(start.Add(-time.Hour)), To: store.FormatTime(start.Add(-time.Minute)), Format: "csv"})
	if none.Status != ExportDone || none.Rows != 0 || strings.TrimSpace(string(download(t, none))) != strings.Join(exportHeader, ",") {
		t.Fatalf("empty export: %+v", none)
	}
}

func TestAnExportDefusesSpreadsheetFormulasInEveryCell(t *testing.T) {
	f := setup(t)
	e := f.exports(t)
	from := f.now()
	in := f.withdrawal("-2.3", "vault-a", cleanETH, "5", "5")
	in.InitiatedBy = &Initiator{DeviceID: `=HYPERLINK("http://evil.example","x")`, SessionID: "+SUM(A1)", UserAgent: "@cmd"}
	in.ApprovalPath = []Approval{{Approver: "@ops", Role: "treasury", At: "2026-12-02T09:13:40Z"}}
	f.mustLog(t, in)
	got, _ := e.run(t, f, ExportInput{From: store.FormatTime(from), To: store.FormatTime(f.now()), Vault: "vault-a", Format: "csv"})
	rows, err := csv.NewReader(bytes.NewReader(download(t, got))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("rows: %v %v", rows, err)
	}
	col := func(name string) string { return rows[1][slices.Index(exportHeader, name)] }
	for name, want := range map[string]string{
		"id":           "'-2.3",
		"deviceId":     `'=HYPERLINK("http://evil.example","x")`,
		"sessionId":    "'+SUM(A1)",
		"userAgent":    "'@cmd",
		"approvalPath": "'@ops/treasury@2026-12-02T09:13:40Z",
		"amount":       "5", // a cell that starts otherwise is left as it is
	} {
		if got := col(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	// NDJSON is data, not a spreadsheet: the values stay as they were logged.
	nd, _ := e.run(t, f, ExportInput{From: store.FormatTime(from), To: store.FormatTime(f.now()), Vault: "vault-a", Format: "ndjson"})
	var m Movement
	if err := json.Unmarshal(bytes.TrimSpace(download(t, nd)), &m); err != nil || m.ID != "-2.3" || m.InitiatedBy == nil || m.InitiatedBy.SessionID != "+SUM(A1)" {
		t.Fatalf("ndjson: %+v %v", m, err)
	}
}

func TestAnExportIsAuditedRunsOnceAndRefusesBadRequests(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	e := f.exports(t)
	from := f.now()
	f.mustLog(t, f.withdrawal("x-1", "vault-a", cleanETH, "5", "5"))
	got, body := e.run(t, f, ExportInput{From: store.FormatTime(from), To: store.FormatTime(f.now()), Format: "csv"})
	if got.Status != ExportDone || got.Rows != 1 {
		t.Fatalf("export: %+v", got)
	}
	// A redelivered message changes nothing.
	f.advance(time.Minute)
	if err := f.svc.RunExport(ctx, e.x, body); err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.GetExport(ctx, f.tenant, client, e.x, got.ID)
	if err != nil || again.CompletedAt != got.CompletedAt || again.SHA256 != got.SHA256 {
		t.Fatalf("after redelivery: %+v %v", again, err)
	}
	acts := f.auditActions(t, "export", got.ID)
	slices.Sort(acts)
	if want := []string{"movement_export.completed", "movement_export.requested", "movement_export.url_issued", "movement_export.url_issued"}; !slices.Equal(acts, want) {
		t.Fatalf("audit: %v, want %v", acts, want)
	}
	// Another tenant does not see it.
	if _, err := f.svc.GetExport(ctx, store.TenantID("tnt_other"), client, e.x, got.ID); code(err) != "export_not_found" {
		t.Fatalf("other tenant: %v", err)
	}
	now := f.now()
	day := func(d int) string { return store.FormatTime(now.Add(time.Duration(d) * 24 * time.Hour)) }
	for want, in := range map[string]ExportInput{
		"invalid_range":  {From: day(-400), To: day(0), Format: "csv"},
		"invalid_format": {From: day(-1), To: day(0), Format: "xlsx"},
		"invalid_filter": {From: day(-1), To: day(0), Format: "csv", User: userID(1), Vault: "vault-a"},
		"invalid_asset":  {From: day(-1), To: day(0), Format: "csv", Asset: "usdt"},
	} {
		if _, err := f.svc.RequestExport(ctx, f.tenant, client, e.x, in); code(err) != want {
			t.Errorf("%s: %v", want, err)
		}
	}
	if _, err := f.svc.RequestExport(ctx, f.tenant, client, e.x, ExportInput{From: day(1), To: day(0), Format: "csv"}); code(err) != "invalid_range" {
		t.Errorf("to before from: %v", err)
	}
}
