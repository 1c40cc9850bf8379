// Package store is ChainGuard's single-table DynamoDB layer: key builders, typed
// entities, optimistic locking, transactions and paginated queries over one table with
// PK/SK, two overloaded GSIs (GSI1PK/GSI1SK, GSI2PK/GSI2SK) and a TTL attribute
// (expiresAt, epoch seconds).
//
// # Rules of the house
//
//   - Every item carries `entity` (its type) and, if it is locked optimistically,
//     `version`. Create writes version 1; Update, Patch and Delete are conditioned on the
//     version the caller read and distinguish ErrConflict (someone else wrote first) from
//     ErrNotFound.
//   - Keys are only ever built by the functions in keys.go. Tenant data lives under
//     partitions that start with "T#<tenant>", built from a TenantID, so a query built for
//     the caller's tenant cannot reach another tenant's items; ids from requests are
//     checked with CheckIDs/ValidID first (the builders panic on a '#' in a segment).
//   - Multi-item changes go through Tx (TransactWriteItems): all or nothing.
//   - Lists are paginated with opaque, HMAC-signed cursors bound to the query and its
//     partition (ErrBadCursor otherwise). Limits default to 50, at most 200. A service
//     that reads a whole partition for itself uses QueryAll, which pages inside the
//     process and signs nothing.
//   - Times are RFC 3339 UTC with fixed milliseconds (FormatTime), ids are ULIDs (NewID):
//     both sort lexicographically in time order.
//
// # Access patterns
//
// "T#t" stands for tenantPK(t); "ts#id" is TimeSK (time, then id). GSI columns give the
// index partition key -> sort key; "-" means the item is not on that index. Platform-scope
// partitions (no "T#" prefix) are read only by staff and scheduled jobs.
//
//	Entity               PK / SK                                   GSI1                                   GSI2                                  Operations
//	-------------------  ----------------------------------------  -------------------------------------  ------------------------------------  ------------------------------------------
//	tenant               T#t / TENANT                              TENANTS -> created#t                   -                                     get tenant; list tenants (staff)
//	monitoring config    T#t / MONITORING                          -                                      -                                     get/set a tenant's monitoring switch
//	API key              APIKEY#k / APIKEY                         T#t#APIKEYS -> created#k               -                                     authenticate (consistent get); list keys
//	auth-failure window  AUTHFAIL#p / W#window                     -                                      -                                     count failures (atomic add, TTL)
//	audit record         T#t#AUDIT#id / REC                        AUDITQ#nn -> time#t#id (until sealed)  T#t#SUBJ#type#id -> time#id          written with the change (create); sealed once; by subject
//	audit chain head     AUDITCHAIN#t / HEAD                       AUDITHEADS -> t                        -                                     sealer only: moved with each block (cond on version)
//	audit chain block    AUDITCHAIN#t / B#<first seq 20 digits>    -                                      -                                     sealer only (create); read chain in order
//	idempotency record   T#t#IDEMP#scope#key / IDEMP               -                                      -                                     conditional put / complete / delete (TTL)
//	vendor event dedup   VEVENT#vendor#digest / EVENT              -                                      -                                     create-if-absent per delivery (TTL)
//	user                 T#t#U#u / USER                            T#t#USERS#status -> ts#u               T#t#JUR#j -> ts#u                     get; lifecycle (versioned); by status; by region
//	user external ref    T#t#UREF#ref / UREF                       -                                      -                                     uniqueness of the client's user reference
//	consent              T#t#U#u / CONSENT#purpose#id              -                                      -                                     record; latest per purpose (desc, limit 1)
//	applicant (vendor)   APPLICANT#vendor#a / APPLICANT            -                                      -                                     vendor webhook -> tenant+user
//	applicant (user)     T#t#U#u / APPLICANT#vendor                -                                      -                                     user -> vendor applicant
//	KYC summary          on the user item (kyc, kycState, identityEnc: envelope-encrypted)                                        the decision; GET /v1/users/{id}
//	KYC deadline         KYCDUE#day / deadline#t#u                 -                                      -                                     deadline job: today's and earlier days' SK <= now; removed with the decision
//	KYC policy           T#t / KYCPOLICY                           -                                      -                                     the tenant's proof-of-address, deadline, vendor
//	company (KYB)        T#t#CO#c / COMPANY                        T#t#COS#status -> ts#c                 -                                     get; by KYB status
//	UBO link             T#t#CO#c / UBO#u                          T#t#U#u#CO -> c                        -                                     company's people (c is the company's user id); a person's companies
//	screening            T#t#SCR#s / SCREENING                     T#t#U#u#SCR -> ts#s                    T#t#SCRS#kind -> ts#s                 get; user's screenings; tenant's by kind
//	re-screening result  T#t#U#u / RESCR#run                       -                                      -                                     user's monitoring history
//	list version         LIST#src / V#version                      -                                      -                                     versions of a source; newest (desc)
//	list head            LIST#src / HEAD                           -                                      -                                     current version (versioned swap)
//	list delta entry     LISTDELTA#src#ver / ADD|CHG|DEL#entry     -                                      -                                     changes of a version (re-screen trigger)
//	monitoring sub       T#t#MON / U#u                             MONDUE#cadence -> next#t#u             -                                     tenant's subscriptions; due job
//	alert                T#t#ALERT#a / ALERT                       T#t#ALERTS#status -> ts#a              T#t#U#u#ALERTS -> ts#a                get; by status; by user
//	alert pair memory    T#t#U#u / ALERTPAIR#src#E:entity          -                                      -                                     open alert or last resolution of (user, entry) (versioned)
//	webhook endpoint     T#t#WEBHOOKS / EP#e                       -                                      -                                     tenant's endpoints (fan-out of alerts)
//	restriction rule     T#t#RULES / R#r                           -                                      -                                     tenant's rules (evaluated per movement)
//	vault                T#t#V#v / VAULT                           -                                      -                                     get; status (versioned)
//	user-vault link      T#t#U#u / VAULT#v                         T#t#V#v#USERS -> u                     -                                     user's vaults; vault's users
//	user-address link    T#t#U#u / ADDR#chain#addr                 T#t#A#chain#addr -> u                  ADDR#chain#addr -> t#u                user's addresses; address owner; platform hit
//	movement             T#t#MV#m / MOVEMENT                       T#t#MVDAY#day -> ts#m                  -                                     get; by time (per day bucket)
//	movement ref         T#t#U#u#MV | T#t#V#v#MV | T#t#A#c#a#MV    -                                      -                                     by user / vault / address, by time
//	                       / ts#m  (written in the movement's transaction)
//	trade (escrow)       T#t#TR#x / TRADE                          T#t#U#seller#TR -> ts#x                T#t#U#buyer#TR -> ts#x                get; state machine (versioned); user's trades
//	trade chat message   T#t#TR#x / MSG#id                         -                                      -                                     chat in order (dispute evidence)
//	dispute              T#t#TR#x / DISPUTE#d                      -                                      -                                     trade's disputes (case opened in same tx)
//	proof-of-life        T#t#POL#p / POL                           T#t#U#subject#POL -> ts#p              T#t#U#requester#POL -> ts#p           get; about / by a user
//	review case          T#t#CASE#c / CASE                         CASES#status -> opened#t#c             T#t#CASES#type#id -> ts#c             platform queue by status; cases of a subject
//	review ref           CASEREF#c / CASEREF                       -                                      -                                     a review's tenant from its id (staff routes)
//	case entry           T#t#CASE#c / NOTE|EVIDENCE|DECISION#id    -                                      -                                     case history in order
//	restriction          T#t#RST#type#id / R#r                     T#t#RSTACTIVE -> type#id#r (sparse)    -                                     subject's restrictions; tenant's active ones
//	lawful disclosure    T#t#DISC#d / DISCLOSURE                   T#t#DISCS -> ts#d                      DISCLOSURES -> ts#t#d                 get; tenant's; platform register
//	jurisdiction profile JUR#code / PROFILE                        JURISDICTIONS -> code                  -                                     get; list
//
// Hot-partition notes: the platform partitions on GSIs (TENANTS, CASES#status,
// MONDUE#cadence, KYCDUE#day, DISCLOSURES) are small or bucketed by day; movements are
// bucketed by day per tenant.
package store
