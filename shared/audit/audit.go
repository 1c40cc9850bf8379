// Package audit is the platform's tamper-evident audit trail: append-only, one hash chain
// per tenant, kept five years or more. Every decision and every read of personal data
// leaves a record.
//
// # Writing without a hot spot
//
// An audited write stores its record in the same DynamoDB transaction as the change it
// records (Commit), under a key of its own: T#<tenant>#AUDIT#<record id> / REC. No item is
// shared between writers, so the audited writes of one tenant never contend, however many
// run at once. The record carries the SHA-256 of its canonical content.
//
// The sealer (Sealer, run by the audit-sealer function on the table's stream and by a
// periodic sweep) is the only writer of chain items. It takes records not yet sealed,
// gives them the next sequence numbers of their tenant's chain, and writes one block per
// batch: the records' ids and hashes in sequence order and the hash of the previous block.
// Block, head move (on a version condition) and the records' seal marks go in one
// transaction, so two sealers cannot fork a chain and a record is sealed at most once. A
// sealer reading the stream seals the record as it was committed (the stream's image),
// so changing or deleting a record before it is sealed does not change what is sealed.
//
// # Verifying
//
// Verify walks a chain block by block and reports every record that was edited (content
// no longer matches the sealed hash), deleted (a sealed record or a block is missing),
// reordered (a record carries another position, a block breaks the sequence or the link
// to its predecessor) and records left unsealed longer than the grace period. The head
// hash can be anchored outside the table (the audit-verify function publishes it), so
// rewriting a whole chain is detectable too.
//
// Records hold references only (ids, codes, reasons), never personal data: the data they
// refer to is encrypted elsewhere and may have to be erased while the trail must stay.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/chainfi/chainguard/shared/store"
)

// Actor is who did something.
type Actor struct {
	Type string `json:"type" dynamodbav:"type"` // staff, client, system, vendor, user
	ID   string `json:"id" dynamodbav:"id"`
}

// Subject is what it was done to.
type Subject struct {
	Type string `json:"type" dynamodbav:"type"` // tenant, apikey, user, screening, case, ...
	ID   string `json:"id" dynamodbav:"id"`
}

// Common actors.
var (
	System = Actor{Type: "system", ID: "chainguard"}
)

// Record is what a caller asks to record.
type Record struct {
	Action  string            // dotted verb: apikey.created, user.activated, pii.read ...
	Actor   Actor             // who
	Subject Subject           // what
	Reason  string            // why, in words or a reason code
	Details map[string]string // references and codes only: never personal data
}

// Entry is one record of a tenant's trail. Seq, Block, BlockHash and SealedAt are set once
// the sealer has chained it; a record just written has Seq 0.
type Entry struct {
	Tenant    string            `json:"tenantId"`
	Seq       uint64            `json:"seq"`
	ID        string            `json:"id"`
	Time      time.Time         `json:"time"`
	Action    string            `json:"action"`
	Actor     Actor             `json:"actor"`
	Subject   Subject           `json:"subject"`
	Reason    string            `json:"reason,omitempty"`
	Details   map[string]string `json:"details,omitempty"`
	Hash      string            `json:"hash"`
	Block     uint64            `json:"block,omitempty"` // first sequence number of its block
	BlockHash string            `json:"blockHash,omitempty"`
	SealedAt  *time.Time        `json:"sealedAt,omitempty"`
}

// hashVersion is part of every hashed form, so a form that changes gets a new version and
// can never verify as the old one. Version 1 was the single-head chain this design
// replaced before any deployment; its items are not read.
const hashVersion = 2

// recordHashInput is the canonical content a record's hash covers. Field order is fixed
// by the struct and map keys are sorted by encoding/json, so the encoding is
// deterministic.
type recordHashInput struct {
	V       int               `json:"v"`
	Tenant  string            `json:"tenant"`
	ID      string            `json:"id"`
	Time    string            `json:"time"`
	Action  string            `json:"action"`
	Actor   Actor             `json:"actor"`
	Subject Subject           `json:"subject"`
	Reason  string            `json:"reason"`
	Details map[string]string `json:"details"`
}

// RecordHash is the hash a record must carry: it binds the tenant and the record id, so a
// record copied to another tenant or under another id does not verify.
func RecordHash(e Entry) string {
	return sum(recordHashInput{
		V: hashVersion, Tenant: e.Tenant, ID: e.ID, Time: e.Time.UTC().Format(time.RFC3339Nano),
		Action: e.Action, Actor: e.Actor, Subject: e.Subject, Reason: e.Reason, Details: e.Details,
	})
}

// Sealed is one record's place in a block.
type Sealed struct {
	ID   string `json:"id" dynamodbav:"id"`
	Hash string `json:"hash" dynamodbav:"hash"`
}

// Block is a run of consecutive records of one chain, sealed together.
type Block struct {
	Tenant   string    `json:"tenantId"`
	FirstSeq uint64    `json:"firstSeq"`
	SealedAt time.Time `json:"sealedAt"`
	Records  []Sealed  `json:"records"` // in sequence order: Records[i] has FirstSeq+i
	PrevHash string    `json:"prevHash"`
	Hash     string    `json:"hash"`
}

// LastSeq is the sequence number of the block's last record.
func (b Block) LastSeq() uint64 { return b.FirstSeq + uint64(len(b.Records)) - 1 }

type blockHashInput struct {
	V        int      `json:"v"`
	Tenant   string   `json:"tenant"`
	FirstSeq uint64   `json:"firstSeq"`
	SealedAt string   `json:"sealedAt"`
	Records  []Sealed `json:"records"`
	PrevHash string   `json:"prev"`
}

// BlockHash is the hash a block must carry: it covers the records' ids and hashes in
// order, their sequence numbers (through FirstSeq) and the previous block's hash.
func BlockHash(b Block) string {
	return sum(blockHashInput{
		V: hashVersion, Tenant: b.Tenant, FirstSeq: b.FirstSeq, SealedAt: b.SealedAt.UTC().Format(time.RFC3339Nano),
		Records: b.Records, PrevHash: b.PrevHash,
	})
}

// GenesisHash is the "previous hash" of a chain's first block: bound to the tenant so
// that a chain cannot be moved to another tenant.
func GenesisHash(tenant string) string {
	s := sha256.Sum256([]byte("chainguard/audit/v2/genesis/" + tenant))
	return hex.EncodeToString(s[:])
}

func sum(v any) string {
	b, _ := json.Marshal(v)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func (r Record) validate() error {
	if r.Action == "" || r.Actor.Type == "" || r.Actor.ID == "" || r.Subject.Type == "" || r.Subject.ID == "" {
		return fmt.Errorf("audit: a record needs an action, an actor and a subject (got %q by %s/%s on %s/%s)",
			r.Action, r.Actor.Type, r.Actor.ID, r.Subject.Type, r.Subject.ID)
	}
	// The subject keys the subject's history (GSI2): it must be a valid key segment.
	if !store.ValidID(r.Subject.Type) || !store.ValidID(r.Subject.ID) {
		return fmt.Errorf("audit: subject %q/%q cannot be a key segment", r.Subject.Type, r.Subject.ID)
	}
	return nil
}
