package store

import "fmt"

// TradeDueBuckets spreads the timers of open trades over this many platform partitions.
const TradeDueBuckets = 4

// TradeDuePK is one partition of the open trades' next duties (sort key TradeDueSK): the
// timer sweep reads each with SK <= now, the stuck-trade check with SK <= now - grace.
func TradeDuePK(bucket int) string { return fmt.Sprintf("TRADEDUE#%d", bucket) }

// TradeDueSK orders a trade's next duty by time.
func TradeDueSK(due string, t TenantID, tradeID string) string {
	return due + "#" + seg(string(t)) + "#" + seg(tradeID)
}

// TradeRefKey finds a trade's tenant from its id (staff routes carry only the id).
func TradeRefKey(tradeID string) Key { return Key{PK: "TRADEREF#" + seg(tradeID), SK: "TRADEREF"} }

// DisputeQueuePK is the platform's dispute queue of one status (new, taken, escalated),
// across tenants (staff only); sort key: opened time, tenant, trade.
func DisputeQueuePK(status string) string { return "DISPUTEQ#" + seg(status) }

// P2PRecordKey is a user's P2P record (trades completed, disputes opened, won, lost).
func P2PRecordKey(t TenantID, userID string) Key { return Key{PK: UserPK(t, userID), SK: "P2PRECORD"} }

// ProofRefKey finds the trade of a proof-of-life verification from the vendor's id.
func ProofRefKey(vendor, verificationID string) Key {
	return Key{PK: "POLREF#" + seg(vendor) + "#" + seg(verificationID), SK: "POLREF"}
}

// TenantTradesPK lists a tenant's trades on GSI1, oldest first (sort: TimeSK of
// creation): the verifier's and the client's listing.
func TenantTradesPK(t TenantID) string { return tenantPK(t, "TRADES") }
