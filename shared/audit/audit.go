// Package audit is the platform's tamper-evident audit trail: append-only, one hash chain
// per tenant, kept five years or more. Every decision and every read of personal data
// appends an entry.
//
// Each entry holds the hash of the entry before it, and its own hash covers its content,
// its sequence number and that link. An append is one DynamoDB transaction: the chain head
// moves from sequence n to n+1 on the condition that it is still at n, and entry n+1 is
// created on the condition that it does not exist. Two concurrent writers therefore cannot
// fork the chain: one wins, the other re-reads the head and retries.
//
// Verify walks a chain and reports every entry that was edited (hash mismatch), deleted
// (a gap in the sequence, or a head ahead of the last entry), or reordered (an entry under
// another entry's sort key, or a broken link). The head hash it reports can be anchored
// outside the table (the audit-verify function publishes it) so that rewriting the whole
// chain is detectable too.
//
// Entries hold references only (ids, codes, reasons), never personal data: the data they
// refer to is encrypted elsewhere and may have to be erased while the trail must stay.
package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
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

// Record is what a caller asks to append.
type Record struct {
	Action  string            // dotted verb: apikey.created, user.activated, pii.read ...
	Actor   Actor             // who
	Subject Subject           // what
	Reason  string            // why, in words or a reason code
	Details map[string]string // references and codes only: never personal data
}

// Entry is one link of a tenant's chain.
type Entry struct {
	Tenant   string            `json:"tenantId"`
	Seq      uint64            `json:"seq"`
	Time     time.Time         `json:"time"`
	Action   string            `json:"action"`
	Actor    Actor             `json:"actor"`
	Subject  Subject           `json:"subject"`
	Reason   string            `json:"reason,omitempty"`
	Details  map[string]string `json:"details,omitempty"`
	PrevHash string            `json:"prevHash"`
	Hash     string            `json:"hash"`
}

// hashInput is the canonical content an entry's hash covers. Field order is fixed by the
// struct and map keys are sorted by encoding/json, so the encoding is deterministic.
type hashInput struct {
	V        int               `json:"v"`
	Tenant   string            `json:"tenant"`
	Seq      uint64            `json:"seq"`
	Time     string            `json:"time"`
	Action   string            `json:"action"`
	Actor    Actor             `json:"actor"`
	Subject  Subject           `json:"subject"`
	Reason   string            `json:"reason"`
	Details  map[string]string `json:"details"`
	PrevHash string            `json:"prev"`
}

// hashVersion is bumped if the canonical form ever changes; old entries keep verifying
// under the version they were written with.
const hashVersion = 1

// ComputeHash is the hash an entry must carry.
func ComputeHash(e Entry) string {
	b, _ := json.Marshal(hashInput{
		V: hashVersion, Tenant: e.Tenant, Seq: e.Seq, Time: e.Time.UTC().Format(time.RFC3339Nano),
		Action: e.Action, Actor: e.Actor, Subject: e.Subject, Reason: e.Reason, Details: e.Details,
		PrevHash: e.PrevHash,
	})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// GenesisHash is the "previous hash" of a chain's first entry: bound to the tenant so
// that a chain cannot be moved to another tenant.
func GenesisHash(tenant string) string {
	sum := sha256.Sum256([]byte("chainguard/audit/v1/genesis/" + tenant))
	return hex.EncodeToString(sum[:])
}

func (r Record) validate() error {
	if r.Action == "" || r.Actor.Type == "" || r.Actor.ID == "" || r.Subject.Type == "" || r.Subject.ID == "" {
		return fmt.Errorf("audit: a record needs an action, an actor and a subject (got %q by %s/%s on %s/%s)",
			r.Action, r.Actor.Type, r.Actor.ID, r.Subject.Type, r.Subject.ID)
	}
	return nil
}
