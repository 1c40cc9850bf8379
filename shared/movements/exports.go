package movements

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// Export limits.
const (
	MaxExportSpan  = 366 * 24 * time.Hour
	MaxExportRows  = 200_000 // held in memory before the upload: about 100 MB at most
	ExportURLValid = 5 * time.Minute
	exportKeep     = 7 * 24 * time.Hour // the export item and its object (bucket lifecycle)
)

// Export statuses.
const (
	ExportQueued  = "queued"
	ExportRunning = "running"
	ExportDone    = "done"
	ExportFailed  = "failed"
)

// ExportInput is POST /v1/movement-exports.
type ExportInput struct {
	From    string `json:"from"`
	To      string `json:"to"`
	User    string `json:"user,omitempty"`
	Vault   string `json:"vault,omitempty"`
	Chain   string `json:"chain,omitempty"`
	Address string `json:"address,omitempty"`
	Asset   string `json:"asset,omitempty"`
	Format  string `json:"format"`
}

// Export is an export job as the client sees it.
type Export struct {
	ID          string      `json:"id" dynamodbav:"exportId"`
	Status      string      `json:"status" dynamodbav:"status"`
	Format      string      `json:"format" dynamodbav:"format"`
	Request     ExportInput `json:"request" dynamodbav:"request"`
	Rows        int         `json:"rows,omitempty" dynamodbav:"rows,omitempty"`
	Truncated   bool        `json:"truncated,omitempty" dynamodbav:"truncated,omitempty"` // MaxExportRows reached: narrow the range
	Bytes       int         `json:"bytes,omitempty" dynamodbav:"bytes,omitempty"`
	SHA256      string      `json:"sha256,omitempty" dynamodbav:"sha256,omitempty"`
	Error       string      `json:"error,omitempty" dynamodbav:"error,omitempty"`
	CreatedAt   string      `json:"createdAt" dynamodbav:"createdAt"`
	CompletedAt string      `json:"completedAt,omitempty" dynamodbav:"completedAt,omitempty"`
	URL         string      `json:"url,omitempty" dynamodbav:"-"`
	URLExpires  string      `json:"urlExpiresAt,omitempty" dynamodbav:"-"`
}

type exportItem struct {
	store.Meta
	TenantID  string `dynamodbav:"tenantId"`
	ObjectKey string `dynamodbav:"objectKey,omitempty"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
	Export
}

func (exportItem) EntityType() string { return "movement_export" }

// Exporter is what exports need of AWS: the queue the worker reads, the bucket, the key.
type Exporter struct {
	Queue interface {
		SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	}
	QueueURL string
	S3       interface {
		PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	}
	Presign interface {
		PresignGetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.PresignOptions)) (*PresignedRequest, error)
	}
	Bucket string
	KeyID  string // the KMS key of the objects (SSE-KMS)
}

// PresignedRequest is a presigned URL (the v4 presigner's answer, reduced).
type PresignedRequest struct{ URL string }

var errExportNotFound = failure.Missing("export_not_found", "no such export")

type exportMessage struct {
	Tenant   string `json:"tenant"`
	ExportID string `json:"exportId"`
}

func (in ExportInput) check() (time.Time, time.Time, error) {
	from, err1 := time.Parse(time.RFC3339Nano, in.From)
	to, err2 := time.Parse(time.RFC3339Nano, in.To)
	if err1 != nil || err2 != nil {
		return from, to, invalid("invalid_range", "from and to are RFC 3339 times")
	}
	if to.Before(from) || to.Sub(from) > MaxExportSpan {
		return from, to, invalid("invalid_range", "to is after from, at most 366 days later")
	}
	if from.Year() < 2009 || to.After(time.Now().Add(24*time.Hour)) {
		return from, to, invalid("invalid_range", "from is after 2009 and to not in the future")
	}
	if in.Chain != "" && in.Address == "" {
		return from, to, invalid("invalid_filter", "chain goes with address: it names the address's network")
	}
	if in.Format != "csv" && in.Format != "ndjson" {
		return from, to, invalid("invalid_format", "format is csv or ndjson")
	}
	if in.Asset != "" && !assetPattern.MatchString(in.Asset) {
		return from, to, invalid("invalid_asset", "asset is an upper-case ticker, like USDT")
	}
	n := 0
	for _, v := range []string{in.User, in.Vault, in.Address} {
		if v != "" {
			n++
		}
	}
	if n > 1 {
		return from, to, invalid("invalid_filter", "give at most one of user, vault or address")
	}
	if in.User != "" && !userIDPattern.MatchString(in.User) {
		return from, to, invalid("invalid_user", "user is a user id (usr_...)")
	}
	if in.Vault != "" && !vaultPattern.MatchString(in.Vault) {
		return from, to, invalid("invalid_vault", "vault is a vault id")
	}
	if in.Address != "" {
		if _, err := NormalizeAddress(in.Chain, in.Address); err != nil {
			return from, to, addressError("address", err)
		}
	}
	return from.UTC(), to.UTC(), nil
}

// RequestExport records an export and queues it. The request is audited: the export
// holds personal data (initiators and approvers).
func (s *Service) RequestExport(ctx context.Context, t store.TenantID, by audit.Actor, x *Exporter, in ExportInput) (Export, error) {
	if _, _, err := in.check(); err != nil {
		return Export{}, err
	}
	now := s.now()
	e := Export{ID: "mex_" + strings.ToLower(store.NewID()), Status: ExportQueued, Format: in.Format, Request: in, CreatedAt: store.FormatTime(now)}
	it := exportItem{TenantID: string(t), Export: e, ExpiresAt: now.Add(exportKeep).Unix()}
	_, err := s.Audit.Commit(ctx, t, audit.Record{Action: "movement_export.requested", Actor: by, Subject: audit.Subject{Type: "export", ID: e.ID},
		Details: map[string]string{"format": in.Format, "from": in.From, "to": in.To}}, func(tx *store.Tx) {
		tx.Create(store.MovementExportKey(t, e.ID), it)
	})
	if err != nil {
		return Export{}, err
	}
	body, _ := json.Marshal(exportMessage{Tenant: string(t), ExportID: e.ID})
	if _, err := x.Queue.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &x.QueueURL, MessageBody: aws.String(string(body))}); err != nil {
		s.finishExport(ctx, t, e.ID, func(e *Export) { e.Status, e.Error = ExportFailed, "not queued: request it again" })
		return Export{}, failure.New(failure.Unavailable, "export_not_queued", "the export could not be queued; request it again").Wrap(err)
	}
	return e, nil
}

// GetExport answers an export; a finished one carries a presigned URL valid for
// ExportURLValid (each URL handed out is audited).
func (s *Service) GetExport(ctx context.Context, t store.TenantID, by audit.Actor, x *Exporter, id string) (Export, error) {
	if !store.ValidID(id) || !strings.HasPrefix(id, "mex_") {
		return Export{}, errExportNotFound
	}
	var it exportItem
	if err := s.Store.Get(ctx, store.MovementExportKey(t, id), &it); err != nil || it.TenantID != string(t) {
		if err == nil || errors.Is(err, store.ErrNotFound) {
			return Export{}, errExportNotFound
		}
		return Export{}, err
	}
	e := it.Export
	if e.Status == ExportDone && it.ObjectKey != "" {
		req, err := x.Presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &x.Bucket, Key: aws.String(it.ObjectKey)},
			func(o *s3.PresignOptions) { o.Expires = ExportURLValid })
		if err != nil {
			return Export{}, err
		}
		if _, err := s.Audit.Append(ctx, t, audit.Record{Action: "movement_export.url_issued", Actor: by, Subject: audit.Subject{Type: "export", ID: e.ID}}); err != nil {
			return Export{}, err
		}
		e.URL, e.URLExpires = req.URL, store.FormatTime(s.now().Add(ExportURLValid))
	}
	return e, nil
}

func (s *Service) finishExport(ctx context.Context, t store.TenantID, id string, change func(*Export)) {
	_ = retry(ctx, func() error {
		var it exportItem
		if err := s.Store.Get(ctx, store.MovementExportKey(t, id), &it); err != nil {
			return err
		}
		change(&it.Export)
		_, err := s.Store.Update(ctx, store.MovementExportKey(t, id), it.Meta.Version, it)
		return err
	})
}

// RunExport is the export worker: it writes the movements selected, oldest first, with
// their decrypted initiators and approval paths, to the bucket (SSE-KMS), and marks the
// export done. A redelivered message for a finished export does nothing.
func (s *Service) RunExport(ctx context.Context, x *Exporter, raw string) error {
	var msg exportMessage
	if err := json.Unmarshal([]byte(raw), &msg); err != nil || !store.ValidID(msg.Tenant) || !store.ValidID(msg.ExportID) {
		return fmt.Errorf("movements: malformed export message")
	}
	t := store.TenantID(msg.Tenant)
	var it exportItem
	if err := s.Store.Get(ctx, store.MovementExportKey(t, msg.ExportID), &it); err != nil {
		return err
	}
	if it.Status == ExportDone || it.Status == ExportFailed {
		return nil
	}
	from, to, err := it.Request.check()
	if err != nil {
		s.finishExport(ctx, t, it.ID, func(e *Export) { e.Status, e.Error = ExportFailed, "invalid request" })
		return nil
	}
	var buf bytes.Buffer
	w := newExportWriter(&buf, it.Format)
	rows := 0
	write := func(items []movementItem) (bool, error) {
		for _, mi := range items {
			if it.Request.Asset != "" && mi.Asset != it.Request.Asset {
				continue
			}
			m := mi.Movement
			if mi.ContextEnc != "" {
				var mc movementContext
				if err := s.open(ctx, t, mi.ID, PurposeContext, mi.ContextEnc, &mc); err != nil {
					return false, err
				}
				m.InitiatedBy, m.ApprovalPath = mc.InitiatedBy, mc.ApprovalPath
			}
			if err := w.write(m); err != nil {
				return false, err
			}
			rows++
			if rows >= MaxExportRows {
				return false, nil
			}
		}
		return true, nil
	}
	if it.Request.User != "" || it.Request.Vault != "" || it.Request.Address != "" {
		err = s.byParty(ctx, t, it.Request, from, to, write)
	} else {
		err = s.byTime(ctx, t, from, to, write)
	}
	if err == nil {
		err = w.flush()
	}
	if err != nil {
		return err // the message comes back; the export stays queued
	}
	sum := sha256.Sum256(buf.Bytes())
	key := fmt.Sprintf("exports/%s/%s.%s", t, it.ID, it.Format)
	ct := "text/csv"
	if it.Format == "ndjson" {
		ct = "application/x-ndjson"
	}
	in := &s3.PutObjectInput{Bucket: &x.Bucket, Key: &key, Body: bytes.NewReader(buf.Bytes()), ContentType: &ct}
	if x.KeyID != "" {
		in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, &x.KeyID
	}
	if _, err := x.S3.PutObject(ctx, in); err != nil {
		return err
	}
	return retry(ctx, func() error {
		var cur exportItem
		if err := s.Store.Get(ctx, store.MovementExportKey(t, it.ID), &cur); err != nil {
			return err
		}
		cur.Status, cur.Rows, cur.Bytes, cur.SHA256 = ExportDone, rows, buf.Len(), hex.EncodeToString(sum[:])
		cur.Truncated = rows >= MaxExportRows
		cur.CompletedAt, cur.ObjectKey = store.FormatTime(s.now()), key
		_, err := s.Audit.Commit(ctx, t, audit.Record{Action: "movement_export.completed", Actor: audit.System, Subject: audit.Subject{Type: "export", ID: it.ID},
			Details: map[string]string{"rows": fmt.Sprint(rows), "sha256": cur.SHA256}}, func(tx *store.Tx) {
			tx.Update(store.MovementExportKey(t, it.ID), cur.Meta.Version, cur)
		})
		return err
	})
}

// byParty reads a party's movements in [from, to], oldest first, full records.
func (s *Service) byParty(ctx context.Context, t store.TenantID, in ExportInput, from, to time.Time, fn func([]movementItem) (bool, error)) error {
	var pk string
	switch {
	case in.User != "":
		pk = store.UserMovementsPK(t, in.User)
	case in.Vault != "":
		pk = store.VaultMovementsPK(t, in.Vault)
	default:
		a, _ := NormalizeAddress(in.Chain, in.Address)
		pk = store.AddressMovementsPK(t, a.Chain, a.Key)
	}
	return s.Store.QueryAll(ctx, store.QueryInput{PK: pk, SKFrom: store.FormatTime(from), SKTo: store.FormatTime(to) + "#~", Tenant: t, Limit: store.MaxLimit},
		func(raw []map[string]types.AttributeValue) (bool, error) {
			var items []movementItem
			for _, r := range raw {
				var ref refItem
				if err := store.Unmarshal(r, &ref); err != nil {
					return false, err
				}
				// The copy has no encrypted context: read the record for it.
				var mi movementItem
				if err := s.Store.Get(ctx, store.MovementKey(t, ref.ID), &mi); err != nil {
					return false, err
				}
				items = append(items, mi)
			}
			return fn(items)
		})
}

// exportWriter writes movements as CSV (one row each, a fixed header) or NDJSON.
type exportWriter struct {
	format string
	buf    *bytes.Buffer
	csv    *csv.Writer
	header bool
}

func newExportWriter(buf *bytes.Buffer, format string) *exportWriter {
	w := &exportWriter{format: format, buf: buf}
	if format == "csv" {
		w.csv = csv.NewWriter(buf)
	}
	return w
}

var exportHeader = []string{"id", "kind", "occurredAt", "loggedAt", "asset", "chain", "amount", "valueUsd", "txHash",
	"sourceType", "sourceVaultId", "sourceChain", "sourceAddress", "sourceUserId", "sourceJurisdictions",
	"destinationType", "destinationVaultId", "destinationChain", "destinationAddress", "destinationUserId", "destinationJurisdictions",
	"corrects", "decisionId", "deviceId", "sessionId", "ip", "userAgent", "approvalPath"}

func (w *exportWriter) write(m Movement) error {
	if w.format == "ndjson" {
		raw, err := json.Marshal(m)
		if err != nil {
			return err
		}
		w.buf.Write(raw)
		w.buf.WriteByte('\n')
		return nil
	}
	if !w.header {
		w.header = true
		if err := w.csv.Write(exportHeader); err != nil {
			return err
		}
	}
	ib := Initiator{}
	if m.InitiatedBy != nil {
		ib = *m.InitiatedBy
	}
	var path []string
	for _, a := range m.ApprovalPath {
		path = append(path, a.Approver+"/"+a.Role+"@"+a.At)
	}
	row := []string{m.ID, m.Kind, m.OccurredAt, m.LoggedAt, m.Asset, m.Chain, m.Amount, m.ValueUSD, m.TxHash,
		m.Source.Type, m.Source.VaultID, m.Source.Chain, m.Source.Address, m.Source.UserID, strings.Join(m.Source.Jurisdictions, " "),
		m.Destination.Type, m.Destination.VaultID, m.Destination.Chain, m.Destination.Address, m.Destination.UserID, strings.Join(m.Destination.Jurisdictions, " "),
		m.Corrects, m.DecisionID, ib.DeviceID, ib.SessionID, ib.IP, ib.UserAgent, strings.Join(path, "; ")}
	for i := range row {
		row[i] = csvSafe(row[i]) // every cell: ids and vault ids are the client's too
	}
	return w.csv.Write(row)
}

// csvSafe defuses spreadsheet formulas in client-supplied text (CSV injection).
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (w *exportWriter) flush() error {
	if w.csv != nil {
		if !w.header {
			if err := w.csv.Write(exportHeader); err != nil {
				return err
			}
		}
		w.csv.Flush()
		return w.csv.Error()
	}
	return nil
}
