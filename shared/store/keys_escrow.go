package store

import (
	"fmt"
	"hash/fnv"
	"time"
)

// ---- P2P ledger (double entry) -----------------------------------------------------------
//
// The ledger keeps its items in base-table partitions, never on an index, so that the
// verifier and the balance reads are strongly consistent:
//
//	transaction   T#t#LTX#nn / TX#<tx id>          nn = LedgerBucket(tx id): the key follows
//	                                               from the id, so creating it is the
//	                                               idempotency check
//	user balance  T#t#LBAL#nn / U#<user>#<asset>#<account>   nn = LedgerBucket(user)
//	external      T#t#LBAL#nn / X#<asset>#<shard>            nn = shard (0..LedgerExternalShards-1)
//	entry         T#t#U#u#LEDGER / E#<time>#<tx id>#<n>      a user's statement, newest first
//
// Buckets spread a tenant's ledger writes over LedgerBuckets partitions each for
// transactions and balances, and let the verifier read a tenant with 2*LedgerBuckets
// queries instead of a table scan.

// LedgerBuckets is the number of partitions a tenant's ledger transactions, and its
// balances, are spread over.
const LedgerBuckets = 16

// LedgerExternalShards is the number of items the external (custody) account of one
// asset is split into, so that deposits and withdrawals do not all contend for one item.
// Shards live in the balance buckets of the same number (shard s in bucket s).
const LedgerExternalShards = 8

// LedgerBucket is the bucket of an id (a transaction id or a user id).
func LedgerBucket(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % LedgerBuckets)
}

// LedgerTxPK is one bucket of a tenant's ledger transactions.
func LedgerTxPK(t TenantID, bucket int) string {
	return tenantPK(t, "LTX", fmt.Sprintf("%02d", bucket%LedgerBuckets))
}

// LedgerTxKey is one ledger transaction (its entries, kind, reference and content hash).
func LedgerTxKey(t TenantID, txID string) Key {
	return Key{PK: LedgerTxPK(t, LedgerBucket(seg(txID))), SK: LedgerTxSKPrefix + txID}
}

// LedgerTxSKPrefix selects the transactions of a bucket.
const LedgerTxSKPrefix = "TX#"

// LedgerBalancePK is one bucket of a tenant's balances (users' and external shards).
func LedgerBalancePK(t TenantID, bucket int) string {
	return tenantPK(t, "LBAL", fmt.Sprintf("%02d", bucket%LedgerBuckets))
}

// LedgerBalanceKey is the balance of one user's account ("available", "escrow") in one
// asset.
func LedgerBalanceKey(t TenantID, userID, asset, account string) Key {
	return Key{
		PK: LedgerBalancePK(t, LedgerBucket(seg(userID))),
		SK: LedgerUserBalanceSKPrefix(userID) + seg(asset) + "#" + seg(account),
	}
}

// LedgerUserBalanceSKPrefix selects one user's balances in their bucket.
func LedgerUserBalanceSKPrefix(userID string) string { return "U#" + seg(userID) + "#" }

// LedgerExternalKey is one shard of the external (custody) account of an asset.
func LedgerExternalKey(t TenantID, asset string, shard int) Key {
	s := shard % LedgerExternalShards
	return Key{PK: LedgerBalancePK(t, s), SK: fmt.Sprintf("X#%s#%02d", seg(asset), s)}
}

// LedgerEntriesPK is the partition of one user's ledger entries (the statement).
func LedgerEntriesPK(t TenantID, userID string) string {
	return tenantPK(t, "U", seg(userID), "LEDGER")
}

// LedgerEntryKey is the n-th entry of a transaction on a user's statement; the sort key
// orders the statement by time, then transaction.
func LedgerEntryKey(t TenantID, userID string, at time.Time, txID string, n int) Key {
	return Key{PK: LedgerEntriesPK(t, userID), SK: LedgerEntrySKPrefix + TimeSK(at, txID) + fmt.Sprintf("#%02d", n)}
}

// LedgerEntrySKPrefix selects a user's entries.
const LedgerEntrySKPrefix = "E#"
