package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Attribute names shared by every item.
const (
	AttrPK        = "PK"
	AttrSK        = "SK"
	AttrGSI1PK    = "GSI1PK"
	AttrGSI1SK    = "GSI1SK"
	AttrGSI2PK    = "GSI2PK"
	AttrGSI2SK    = "GSI2SK"
	AttrType      = "entity"    // entity type of every item
	AttrVersion   = "version"   // optimistic lock, incremented by every state change
	AttrExpiresAt = "expiresAt" // TTL (epoch seconds), the template's TimeToLiveSpecification
	AttrTenant    = "tenantId"  // owner of tenant-scoped items, checked on every read

	IndexGSI1 = "GSI1"
	IndexGSI2 = "GSI2"
)

// TenantID identifies an enterprise client. Every key of tenant data is built from one, so
// a query can only ever reach the caller's partition.
type TenantID string

// Key is the primary key of an item.
type Key struct {
	PK string
	SK string
}

// Segments must never carry the separator, or one id could forge another's key.
func seg(s string) string {
	if s == "" || strings.ContainsAny(s, "#\x00") {
		panic(fmt.Sprintf("store: invalid key segment %q", s))
	}
	return s
}

// ValidID reports whether s can be used as one segment of a key: non-empty, at most 128
// bytes, no separator. Handlers check ids from requests with it before building keys.
func ValidID(s string) bool {
	return s != "" && len(s) <= 128 && !strings.ContainsAny(s, "#\x00/")
}

func tenantPK(t TenantID, parts ...string) string {
	var b strings.Builder
	b.WriteString("T#")
	b.WriteString(seg(string(t)))
	for _, p := range parts {
		b.WriteByte('#')
		b.WriteString(p)
	}
	return b.String()
}

// ---- tenants and API keys (platform scope) --------------------------------------------

// TenantKey is the tenant's profile item.
func TenantKey(t TenantID) Key { return Key{PK: tenantPK(t), SK: "TENANT"} }

// TenantListPK lists tenants on GSI1 (sort key: created time and id).
const TenantListPK = "TENANTS"

// APIKeyKey is an API key, looked up by its public id on every authenticated request
// (a strongly consistent GetItem, so a revocation takes effect at once).
func APIKeyKey(keyID string) Key { return Key{PK: "APIKEY#" + seg(keyID), SK: "APIKEY"} }

// TenantAPIKeysPK lists one tenant's keys on GSI1 (sort key: created time and key id).
func TenantAPIKeysPK(t TenantID) string { return tenantPK(t, "APIKEYS") }

// AuthFailureKey counts failed authentications of one principal (a key id or a hashed
// source address) in one time window; the item expires with its window.
func AuthFailureKey(principal, window string) Key {
	return Key{PK: "AUTHFAIL#" + seg(principal), SK: "W#" + seg(window)}
}

// ---- audit trail: records written with the change, chained by the sealer --------------
//
// A domain write stores its audit record in its own transaction, under a key of its own
// (no item is shared between writers, so audited writes of one tenant never contend).
// The sealer, the only writer of chain items, later appends records to the tenant's hash
// chain in blocks. Chain partitions do not start with "T#": IAM conditions on
// dynamodb:LeadingKeys ("AUDITCHAIN#*") keep every other function from writing them.

// AuditRecordKey is one audit record of a tenant: one partition per record.
func AuditRecordKey(t TenantID, recordID string) Key {
	return Key{PK: tenantPK(t, "AUDIT", seg(recordID)), SK: "REC"}
}

// AuditPendingBuckets spreads the records waiting for the sealer over this many GSI1
// partitions (AuditPendingPK), so thousands of audited writes per second stay under the
// per-partition write limit of the index.
const AuditPendingBuckets = 64

// AuditPendingPK is one bucket of records not yet sealed, on GSI1 (a sparse index: the
// sealer removes the attributes). Platform scope, so one sweep finds every tenant's.
func AuditPendingPK(bucket int) string { return fmt.Sprintf("AUDITQ#%02d", bucket) }

// AuditPendingSK orders pending records by time: "<time>#<tenant>#<record id>".
func AuditPendingSK(at time.Time, t TenantID, recordID string) string {
	return FormatTime(at) + "#" + seg(string(t)) + "#" + seg(recordID)
}

// AuditChainPK is the partition of one tenant's chain: its head and its blocks.
func AuditChainPK(t TenantID) string { return "AUDITCHAIN#" + seg(string(t)) }

// AuditHeadKey is the chain head: last sequence number, last block and its hash, moved by
// the sealer with a version condition in the transaction that adds a block.
func AuditHeadKey(t TenantID) Key { return Key{PK: AuditChainPK(t), SK: "HEAD"} }

// AuditBlockKey is the block whose first record has sequence number firstSeq.
func AuditBlockKey(t TenantID, firstSeq uint64) Key {
	return Key{PK: AuditChainPK(t), SK: AuditBlockSK(firstSeq)}
}

// AuditBlockSK is the sort key of the block starting at firstSeq; zero-padded so that the
// sort key orders blocks, and the block holding sequence n is the last one <= B#n.
func AuditBlockSK(firstSeq uint64) string { return fmt.Sprintf("B#%020d", firstSeq) }

// AuditSubjectPK lists the audit records about one subject (user, key, case...) on GSI2.
func AuditSubjectPK(t TenantID, subjectType, subjectID string) string {
	return tenantPK(t, "SUBJ", seg(subjectType), seg(subjectID))
}

// AuditTenantsPK lists the tenants that have an audit chain on GSI1 (their heads), for the
// verifier and the anchor.
const AuditTenantsPK = "AUDITHEADS"

// ---- event outbox ------------------------------------------------------------------------

// OutboxKey is one domain event written in the transaction of the change it reports, and
// published to the bus from the table's stream (platform scope).
func OutboxKey(eventID string) Key { return Key{PK: "OUTBOX#" + seg(eventID), SK: "EVENT"} }

// OutboxBuckets spreads the events waiting to be published over this many GSI1
// partitions (OutboxPendingPK).
const OutboxBuckets = 16

// OutboxPendingPK is one bucket of events not yet published, on GSI1 (sparse: the
// publisher removes the attributes); sort key: time and event id.
func OutboxPendingPK(bucket int) string { return fmt.Sprintf("OUTBOXQ#%02d", bucket) }

// ---- idempotency ------------------------------------------------------------------------

// IdempotencyKey is the record of one idempotent operation of a tenant (or of the
// platform, with tenant "platform"), scoped by operation so keys cannot collide.
func IdempotencyKey(t TenantID, scope, key string) Key {
	return Key{PK: tenantPK(t, "IDEMP", seg(scope), seg(key)), SK: "IDEMP"}
}

// ---- users, identity and screening (planned; see the access-pattern table) -------------

// UserPK is the partition of one end user: profile, consents, KYC, screenings,
// restrictions, vault and wallet links.
func UserPK(t TenantID, userID string) string { return tenantPK(t, "U", seg(userID)) }

// UserKey is the user's profile and lifecycle state.
func UserKey(t TenantID, userID string) Key { return Key{PK: UserPK(t, userID), SK: "USER"} }

// UsersByStatusPK lists a tenant's users in one lifecycle status on GSI1.
func UsersByStatusPK(t TenantID, status string) string { return tenantPK(t, "USERS", seg(status)) }

// ApplicantKey maps a vendor applicant to its tenant and user (vendor webhooks carry only
// the applicant id).
func ApplicantKey(vendor, applicantID string) Key {
	return Key{PK: "APPLICANT#" + seg(vendor) + "#" + seg(applicantID), SK: "APPLICANT"}
}

// ScreeningKey is one screening of a tenant (client screening or onboarding check).
func ScreeningKey(t TenantID, screeningID string) Key {
	return Key{PK: tenantPK(t, "SCR", seg(screeningID)), SK: "SCREENING"}
}

// ListVersionPK holds the versions of one sanctions source (platform scope).
func ListVersionPK(source string) string { return "LIST#" + seg(source) }

// VendorEventKey deduplicates a vendor webhook delivery (digest of its body).
func VendorEventKey(vendor, digest string) Key {
	return Key{PK: "VEVENT#" + seg(vendor) + "#" + seg(digest), SK: "EVENT"}
}

// ---- added with the store layer: every entity of the domain ----------------------------
// Builders above this line are unchanged. Partitions of tenant data start with "T#<tenant>"
// (tenantPK); platform-scope partitions do not, and are only reachable by staff and jobs.

// PlatformTenant owns platform-scope records that need a tenant (idempotency of jobs).
const PlatformTenant TenantID = "platform"

// TimeSK is a sort key ordering items by time, the id breaking ties: "<time>#<id>".
func TimeSK(at time.Time, id string) string { return FormatTime(at) + "#" + seg(id) }

// TenantListSK is a tenant's sort key on GSI1 under TenantListPK.
func TenantListSK(createdAt time.Time, t TenantID) string { return TimeSK(createdAt, string(t)) }

// APIKeyListSK is a key's sort key on GSI1 under TenantAPIKeysPK.
func APIKeyListSK(createdAt time.Time, keyID string) string { return TimeSK(createdAt, keyID) }

// UserRefKey reserves a client's own reference for a user within the tenant, so creating
// a user twice with the same reference fails (written with the user in one transaction).
func UserRefKey(t TenantID, externalRef string) Key {
	return Key{PK: tenantPK(t, "UREF", seg(externalRef)), SK: "UREF"}
}

// UsersByJurisdictionPK lists a tenant's users of one jurisdiction on GSI2 (reporting).
func UsersByJurisdictionPK(t TenantID, jurisdiction string) string {
	return tenantPK(t, "JUR", seg(jurisdiction))
}

// ---- consent ---------------------------------------------------------------------------

// ConsentKey is one recorded consent (or withdrawal) of a user for a purpose; consent ids
// are ULIDs, so the latest record of a purpose is the last under ConsentSKPrefix(purpose).
func ConsentKey(t TenantID, userID, purpose, consentID string) Key {
	return Key{PK: UserPK(t, userID), SK: ConsentSKPrefix(purpose) + seg(consentID)}
}

// ConsentSKPrefix selects a user's consents for one purpose ("" for all purposes).
func ConsentSKPrefix(purpose string) string {
	if purpose == "" {
		return "CONSENT#"
	}
	return "CONSENT#" + seg(purpose) + "#"
}

// ---- vendor applicants and KYC -----------------------------------------------------------

// UserApplicantKey is the user-side half of the applicant mapping (ApplicantKey is the
// vendor-side half); both are written in one transaction.
func UserApplicantKey(t TenantID, userID, vendor string) Key {
	return Key{PK: UserPK(t, userID), SK: "APPLICANT#" + seg(vendor)}
}

// KYCKey is one KYC verification of a user (vendor, status, decision, normalised fields).
func KYCKey(t TenantID, userID, kycID string) Key {
	return Key{PK: UserPK(t, userID), SK: KYCSKPrefix + seg(kycID)}
}

// KYCSKPrefix selects a user's KYC records.
const KYCSKPrefix = "KYC#"

// KYCByStatusPK lists a tenant's KYC records in one status on GSI1 (sort: TimeSK).
func KYCByStatusPK(t TenantID, status string) string { return tenantPK(t, "KYC", seg(status)) }

// KYCDuePK lists pending KYC requests whose deadline falls on day (UTC) on GSI2, sort key
// KYCDueSK; the deadline job queries today's and yesterday's buckets with SK <= now.
// Platform scope: the job spans tenants. The attributes are removed once KYC completes.
func KYCDuePK(day time.Time) string { return "KYCDUE#" + day.UTC().Format("2006-01-02") }

// KYCDueSK orders due KYC requests by deadline.
func KYCDueSK(deadline time.Time, t TenantID, userID string) string {
	return FormatTime(deadline) + "#" + seg(string(t)) + "#" + seg(userID)
}

// ---- KYB: companies and UBOs -----------------------------------------------------------

// CompanyPK is the partition of one company: its profile and its UBO links.
func CompanyPK(t TenantID, companyID string) string { return tenantPK(t, "CO", seg(companyID)) }

// CompanyKey is the company's KYB profile (identifiers, status, risk class).
func CompanyKey(t TenantID, companyID string) Key {
	return Key{PK: CompanyPK(t, companyID), SK: "COMPANY"}
}

// CompaniesByStatusPK lists a tenant's companies in one KYB status on GSI1.
func CompaniesByStatusPK(t TenantID, status string) string {
	return tenantPK(t, "COS", seg(status))
}

// UBOKey links a company to a beneficial owner (an individual user/applicant).
func UBOKey(t TenantID, companyID, userID string) Key {
	return Key{PK: CompanyPK(t, companyID), SK: UBOSKPrefix + seg(userID)}
}

// UBOSKPrefix selects a company's UBO links.
const UBOSKPrefix = "UBO#"

// UserCompaniesPK lists the companies a user is a UBO of, on GSI1 of the UBO links
// (sort key: company id).
func UserCompaniesPK(t TenantID, userID string) string { return tenantPK(t, "U", seg(userID), "CO") }

// ---- screening ---------------------------------------------------------------------------

// UserScreeningsPK lists a user's screenings on GSI1 (sort: TimeSK).
func UserScreeningsPK(t TenantID, userID string) string {
	return tenantPK(t, "U", seg(userID), "SCR")
}

// TenantScreeningsPK lists a tenant's screenings of one kind ("onboarding", "client",
// "rescreen") on GSI2 (sort: TimeSK).
func TenantScreeningsPK(t TenantID, kind string) string { return tenantPK(t, "SCRS", seg(kind)) }

// ListVersionKey is one imported version of a sanctions source (platform scope); version
// ids are ULIDs, so the newest is the last of ListVersionPK.
func ListVersionKey(source, version string) Key {
	return Key{PK: ListVersionPK(source), SK: "V#" + seg(version)}
}

// ListHeadKey points at the current version of a source; moved with a version condition.
func ListHeadKey(source string) Key { return Key{PK: ListVersionPK(source), SK: "HEAD"} }

// ListDeltaPK holds the entries added, changed and removed by one version.
func ListDeltaPK(source, version string) string {
	return "LISTDELTA#" + seg(source) + "#" + seg(version)
}

// ListDeltaKey is one changed entry of a version ("ADD", "CHG", "DEL").
func ListDeltaKey(source, version, change, entryID string) Key {
	return Key{PK: ListDeltaPK(source, version), SK: seg(change) + "#" + seg(entryID)}
}

// ---- ongoing monitoring ----------------------------------------------------------------

// MonitoringConfigKey is a tenant's monitoring switch and cadence (off by default).
func MonitoringConfigKey(t TenantID) Key { return Key{PK: tenantPK(t), SK: "MONITORING"} }

// MonitoringSubsPK is the partition of a tenant's monitored users.
func MonitoringSubsPK(t TenantID) string { return tenantPK(t, "MON") }

// MonitoringSubKey subscribes one user to re-screening.
func MonitoringSubKey(t TenantID, userID string) Key {
	return Key{PK: MonitoringSubsPK(t), SK: "U#" + seg(userID)}
}

// MonitoringDuePK lists subscriptions due for re-screening on GSI1, across tenants
// (platform scope, for the scheduled job); sort key MonitoringDueSK.
func MonitoringDuePK(cadence string) string { return "MONDUE#" + seg(cadence) }

// MonitoringDueSK orders subscriptions by their next run.
func MonitoringDueSK(next time.Time, t TenantID, userID string) string {
	return FormatTime(next) + "#" + seg(string(t)) + "#" + seg(userID)
}

// MonitoringEnabledPK lists, on GSI1, the tenants whose monitoring is on (platform
// scope: a new list version re-screens them); sort key the tenant id.
const MonitoringEnabledPK = "MONENABLED"

// MonitoringRunPK is the partition of one monitoring run: its record and its batches.
func MonitoringRunPK(t TenantID, runID string) string { return tenantPK(t, "MONRUN", seg(runID)) }

// MonitoringRunKey is a monitoring run's record (counters, status).
func MonitoringRunKey(t TenantID, runID string) Key {
	return Key{PK: MonitoringRunPK(t, runID), SK: "RUN"}
}

// MonitoringBatchKey marks one batch of a run as counted (so a redelivered batch is not).
func MonitoringBatchKey(t TenantID, runID string, batch int) Key {
	return Key{PK: MonitoringRunPK(t, runID), SK: fmt.Sprintf("B#%06d", batch)}
}

// MonitoringManualKey is the claim of a tenant's last run on request (one at a time).
func MonitoringManualKey(t TenantID) Key { return Key{PK: tenantPK(t), SK: "MONMANUAL"} }

// MonitoringSnapshotKey points at a tenant's newest complete full run, whose subjects a
// delta run screens.
func MonitoringSnapshotKey(t TenantID) Key { return Key{PK: tenantPK(t), SK: "MONSNAPSHOT"} }

// MonitoringRunsPK lists a tenant's runs on GSI1 (sort: TimeSK of the start).
func MonitoringRunsPK(t TenantID) string { return tenantPK(t, "MONRUNS") }

// UserMonitoringKey is a monitored user's last re-screening: status, reason codes, matched
// entry references, list version and times only.
func UserMonitoringKey(t TenantID, userID string) Key {
	return Key{PK: UserPK(t, userID), SK: "MONSTATUS"}
}

// RescreenKey is one re-screening result of a user (status, reason codes, times only).
func RescreenKey(t TenantID, userID, runID string) Key {
	return Key{PK: UserPK(t, userID), SK: "RESCR#" + seg(runID)}
}

// AlertKey is a monitoring alert raised for a tenant.
func AlertKey(t TenantID, alertID string) Key {
	return Key{PK: tenantPK(t, "ALERT", seg(alertID)), SK: "ALERT"}
}

// AlertsByStatusPK lists a tenant's alerts in one status on GSI1 (sort: TimeSK).
func AlertsByStatusPK(t TenantID, status string) string { return tenantPK(t, "ALERTS", seg(status)) }

// UserAlertsPK lists the alerts about one user on GSI2 (sort: TimeSK).
func UserAlertsPK(t TenantID, userID string) string { return tenantPK(t, "U", seg(userID), "ALERTS") }

// AlertPairKey is the memory of one (user, list entry) pair, in the user's partition: the
// open alert's id, or the last alert's resolution with the entry's and the user's hashes
// it was resolved on. Every write of an alert moves it on a version condition, so
// concurrent findings for one pair make one alert. An entry id that cannot be a key
// segment is replaced by its SHA-256 ("H:" instead of "E:"), so every id has one key.
func AlertPairKey(t TenantID, userID, source, entityID string) Key {
	ent := "E:" + entityID
	if entityID == "" || strings.ContainsAny(entityID, "#\x00") || len(entityID) > 256 {
		sum := sha256.Sum256([]byte(entityID))
		ent = "H:" + hex.EncodeToString(sum[:])
	}
	return Key{PK: UserPK(t, userID), SK: AlertPairSKPrefix + seg(source) + "#" + ent}
}

// AlertPairSKPrefix selects a user's alert memories.
const AlertPairSKPrefix = "ALERTPAIR#"

// ---- client webhooks and rules -----------------------------------------------------------

// WebhookEndpointsPK is the partition of a tenant's webhook endpoints.
func WebhookEndpointsPK(t TenantID) string { return tenantPK(t, "WEBHOOKS") }

// WebhookEndpointKey is one endpoint (URL, events, signing secret reference).
func WebhookEndpointKey(t TenantID, endpointID string) Key {
	return Key{PK: WebhookEndpointsPK(t), SK: "EP#" + seg(endpointID)}
}

// WebhookRegistryKey counts a tenant's endpoints (the limit holds under concurrent
// creations: every creation and deletion moves it on a version condition).
func WebhookRegistryKey(t TenantID) Key { return Key{PK: WebhookEndpointsPK(t), SK: "META"} }

// WebhookEndpointSKPrefix selects a tenant's endpoints in WebhookEndpointsPK.
const WebhookEndpointSKPrefix = "EP#"

// WebhookDeliveryKey is one delivery of one event to one endpoint, with its attempts.
func WebhookDeliveryKey(t TenantID, deliveryID string) Key {
	return Key{PK: tenantPK(t, "WHD", seg(deliveryID)), SK: "DELIVERY"}
}

// WebhookDeliveriesPK lists a tenant's deliveries on GSI1, in event order (sort key:
// TimeSK of the event's time and the delivery id).
func WebhookDeliveriesPK(t TenantID) string { return tenantPK(t, "WHDS") }

// EndpointDeliveriesPK lists one endpoint's deliveries on GSI2, in event order (sort key:
// TimeSK of the event's time and the delivery id).
func EndpointDeliveriesPK(t TenantID, endpointID string) string {
	return tenantPK(t, "WHEP", seg(endpointID))
}

// RulesPK is the partition of a tenant's restriction rules.
func RulesPK(t TenantID) string { return tenantPK(t, "RULES") }

// RuleKey is one client restriction rule (block list, velocity limit...).
func RuleKey(t TenantID, ruleID string) Key { return Key{PK: RulesPK(t), SK: "R#" + seg(ruleID)} }

// ---- vaults, wallets and addresses -------------------------------------------------------

// VaultPK is the partition of one vault.
func VaultPK(t TenantID, vaultID string) string { return tenantPK(t, "V", seg(vaultID)) }

// VaultKey is the vault's profile and status.
func VaultKey(t TenantID, vaultID string) Key { return Key{PK: VaultPK(t, vaultID), SK: "VAULT"} }

// UserVaultKey links a user to a vault (in the user's partition; on GSI1 under
// VaultUsersPK, so a vault's users are found too).
func UserVaultKey(t TenantID, userID, vaultID string) Key {
	return Key{PK: UserPK(t, userID), SK: "VAULT#" + seg(vaultID)}
}

// VaultUsersPK lists a vault's users on GSI1 (sort key: user id).
func VaultUsersPK(t TenantID, vaultID string) string { return tenantPK(t, "V", seg(vaultID), "USERS") }

// UserAddressKey links a user to an on-chain address. Addresses are normalised by the
// caller (lower-case for EVM chains) before building keys.
func UserAddressKey(t TenantID, userID, chain, address string) Key {
	return Key{PK: UserPK(t, userID), SK: "ADDR#" + seg(chain) + "#" + seg(address)}
}

// AddressOwnersPK looks an address up within the tenant on GSI1 (sort key: user id).
func AddressOwnersPK(t TenantID, chain, address string) string {
	return tenantPK(t, "A", seg(chain), seg(address))
}

// AddressPlatformPK looks an address up across tenants on GSI2 (platform scope: a
// sanctioned address found by a list update); sort key: tenant and user.
func AddressPlatformPK(chain, address string) string {
	return "ADDR#" + seg(chain) + "#" + seg(address)
}

// ---- movements ---------------------------------------------------------------------------

// MovementKey is one movement (vault/wallet to vault/wallet).
func MovementKey(t TenantID, movementID string) Key {
	return Key{PK: tenantPK(t, "MV", seg(movementID)), SK: "MOVEMENT"}
}

// MovementsByDayPK lists a tenant's movements of one UTC day on GSI1 (sort: TimeSK).
func MovementsByDayPK(t TenantID, day time.Time) string {
	return tenantPK(t, "MVDAY", day.UTC().Format("2006-01-02"))
}

// Movement references: a movement touches up to two users, two vaults and two addresses,
// more than two GSIs can hold, so the movement transaction also writes a small reference
// item per participant, ordered by time.

// UserMovementsPK is the partition of a user's movement references.
func UserMovementsPK(t TenantID, userID string) string { return tenantPK(t, "U", seg(userID), "MV") }

// VaultMovementsPK is the partition of a vault's movement references.
func VaultMovementsPK(t TenantID, vaultID string) string { return tenantPK(t, "V", seg(vaultID), "MV") }

// AddressMovementsPK is the partition of an address's movement references.
func AddressMovementsPK(t TenantID, chain, address string) string {
	return tenantPK(t, "A", seg(chain), seg(address), "MV")
}

// MovementRefKey is a reference to a movement in one of the partitions above.
func MovementRefKey(refPK string, at time.Time, movementID string) Key {
	return Key{PK: refPK, SK: TimeSK(at, movementID)}
}

// ---- P2P escrow ------------------------------------------------------------------------

// TradePK is the partition of one trade: the trade, its chat and its disputes.
func TradePK(t TenantID, tradeID string) string { return tenantPK(t, "TR", seg(tradeID)) }

// TradeKey is the trade and its escrow state.
func TradeKey(t TenantID, tradeID string) Key { return Key{PK: TradePK(t, tradeID), SK: "TRADE"} }

// UserTradesPK lists a user's trades: as seller on GSI1, as buyer on GSI2 (sort: TimeSK).
func UserTradesPK(t TenantID, userID string) string { return tenantPK(t, "U", seg(userID), "TR") }

// TradeMessageKey is one chat message (ULID ids keep the chat in order).
func TradeMessageKey(t TenantID, tradeID, messageID string) Key {
	return Key{PK: TradePK(t, tradeID), SK: TradeMessageSKPrefix + seg(messageID)}
}

// TradeMessageSKPrefix selects a trade's chat.
const TradeMessageSKPrefix = "MSG#"

// DisputeKey is a dispute on a trade.
func DisputeKey(t TenantID, tradeID, disputeID string) Key {
	return Key{PK: TradePK(t, tradeID), SK: DisputeSKPrefix + seg(disputeID)}
}

// DisputeSKPrefix selects a trade's disputes.
const DisputeSKPrefix = "DISPUTE#"

// ProofOfLifeKey is a proof-of-life request between two users.
func ProofOfLifeKey(t TenantID, requestID string) Key {
	return Key{PK: tenantPK(t, "POL", seg(requestID)), SK: "POL"}
}

// UserProofOfLifePK lists proof-of-life requests about a user on GSI1 and by a user on
// GSI2 (sort: TimeSK).
func UserProofOfLifePK(t TenantID, userID string) string { return tenantPK(t, "U", seg(userID), "POL") }

// ---- reviews, restrictions, disclosures ------------------------------------------------

// CasePK is the partition of one review case: the case, notes, evidence and decisions.
func CasePK(t TenantID, caseID string) string { return tenantPK(t, "CASE", seg(caseID)) }

// CaseKey is the review case and its state.
func CaseKey(t TenantID, caseID string) Key { return Key{PK: CasePK(t, caseID), SK: "CASE"} }

// CaseEntryKey is a note, evidence reference or decision on a case (kind "NOTE",
// "EVIDENCE", "DECISION"), ordered by its ULID.
func CaseEntryKey(t TenantID, caseID, kind, entryID string) Key {
	return Key{PK: CasePK(t, caseID), SK: seg(kind) + "#" + seg(entryID)}
}

// CaseQueuePK is the platform review queue of one status on GSI1, across tenants (staff
// only); sort key CaseQueueSK.
func CaseQueuePK(status string) string { return "CASES#" + seg(status) }

// CaseQueueSK orders the queue by opening time.
func CaseQueueSK(opened time.Time, t TenantID, caseID string) string {
	return FormatTime(opened) + "#" + seg(string(t)) + "#" + seg(caseID)
}

// SubjectCasesPK lists the cases about one subject (user, vault, trade) on GSI2.
func SubjectCasesPK(t TenantID, subjectType, subjectID string) string {
	return tenantPK(t, "CASES", seg(subjectType), seg(subjectID))
}

// RestrictionsPK is the partition of the restrictions on one subject (account or vault).
func RestrictionsPK(t TenantID, subjectType, subjectID string) string {
	return tenantPK(t, "RST", seg(subjectType), seg(subjectID))
}

// RestrictionKey is one restriction on a subject.
func RestrictionKey(t TenantID, subjectType, subjectID, restrictionID string) Key {
	return Key{PK: RestrictionsPK(t, subjectType, subjectID), SK: "R#" + seg(restrictionID)}
}

// ActiveRestrictionsPK lists a tenant's active restrictions on GSI1 (a sparse index: the
// attributes are removed when a restriction is lifted).
func ActiveRestrictionsPK(t TenantID) string { return tenantPK(t, "RSTACTIVE") }

// DisclosureKey records one disclosure to an authority (legal basis, scope, what was sent).
func DisclosureKey(t TenantID, disclosureID string) Key {
	return Key{PK: tenantPK(t, "DISC", seg(disclosureID)), SK: "DISCLOSURE"}
}

// TenantDisclosuresPK lists a tenant's disclosures on GSI1 (sort: TimeSK).
func TenantDisclosuresPK(t TenantID) string { return tenantPK(t, "DISCS") }

// DisclosureRegisterPK is the platform register of all disclosures on GSI2.
const DisclosureRegisterPK = "DISCLOSURES"

// ---- jurisdictions -----------------------------------------------------------------------

// JurisdictionKey is a jurisdiction profile (platform scope): KYC variants, reporting.
func JurisdictionKey(code string) Key { return Key{PK: "JUR#" + seg(code), SK: "PROFILE"} }

// JurisdictionListPK lists the profiles on GSI1 (sort key: code).
const JurisdictionListPK = "JURISDICTIONS"

// ---- review cases ----------------------------------------------------------------------

// ReviewKey is one review case of a tenant (its evidence, proposals and decision).
func ReviewKey(t TenantID, reviewID string) Key {
	return Key{PK: tenantPK(t, "CASE", seg(reviewID)), SK: "CASE"}
}

// ReviewsByStatusPK is the platform's review queue in one status, on GSI1 (sort key:
// opened time, tenant, id). Platform scope: staff work across tenants.
func ReviewsByStatusPK(status string) string { return "CASES#" + seg(status) }

// ReviewRefKey finds a review's tenant from its id (staff routes carry only the id).
func ReviewRefKey(reviewID string) Key { return Key{PK: "CASEREF#" + seg(reviewID), SK: "CASEREF"} }

// SubjectReviewsPK lists the cases of one subject (a user...) on GSI2 (sort: TimeSK).
func SubjectReviewsPK(t TenantID, subjectType, subjectID string) string {
	return tenantPK(t, "CASES", seg(subjectType), seg(subjectID))
}
