// Package movements is the movement log of the custody platform and what clients build on
// it: the users' vault and wallet mappings, immutable movement records, velocity
// aggregates, client rules (CEL, shared/rules) and lists, the pre-signing decision, rule
// evaluation at ingestion (alerts for the client), the platform's own risk detectors
// (reviews for staff, never an automatic restriction), backtests and exports.
//
// # Rules
//
//   - A movement is written once, in one transaction with everything derived from it: the
//     record, a copy per party (user, vault, address) for listings, the velocity tallies,
//     the decision and correction pointers, and the movement.logged event (outbox). The
//     client's id makes it idempotent: the same id and body answer the stored record, the
//     same id with another body is 409 movement_id_conflict. Nothing is ever updated or
//     deleted (no code path does, and the template denies UpdateItem and DeleteItem on the
//     movement partitions); a correction is a new record that points at the one it
//     corrects. Records carry no TTL: they are kept at least five years.
//   - In clear: what listings, rules and screening need: kind, asset, chain, exact
//     amount, USD value, times, transaction hash, vault ids, addresses (pseudonymous chain
//     data, screened against the sanctions lists), user ids and their jurisdiction tags and
//     risk tier. Envelope-encrypted (purpose movement.context): who initiated it (device,
//     session, IP, user agent) and the approval path (approvers are people). Get decrypts
//     them and audits the read; exports carry them and are audited.
//   - Mappings: a vault or an address belongs to at most one user of the tenant at a time
//     (an owner item created with the link); an unlinking deletes the link and the owner
//     item and writes a history entry, so the history is kept. Linking a wallet screens its
//     address; a hit opens a platform review of the user and an alert for the client.
//   - Velocity: see velocity.go (buckets, windows, exactness). The initiating party of a
//     movement is its source user, else its source vault, else its source address
//     (rules.Party.Key); a window (t-w, t] never includes the movement evaluated.
//   - Decisions are recorded with the rule versions run, the input, every aggregate value
//     and list answer seen, the list versions and the sanctions list version, and can be
//     replayed with rules.Env.Replay from the stored rule versions.
//
// # Access patterns
//
//	Item                 PK / SK                                   GSI1                              Operations
//	movement             T#t#MV#m / MOVEMENT                       T#t#MVDAY#day -> ts#m             get; by time (backtests, exports)
//	correction pointer   T#t#MV#m / CORR#m2                        -                                 read with the movement (one Query)
//	evaluation           T#t#MV#m / EVAL                           -                                 what the rules said at ingestion
//	party copy           T#t#U#u#MV | T#t#V#v#MV | T#t#A#c#a#MV    -                                 list by user, vault, address: newest first
//	                       / ts#m
//	velocity bucket      T#t#VEL#party / M#yyyymmddhhmm | H#...hh  -                                 ADD at ingestion; one Query per window
//	destination          T#t#VELDST#party / dsthash                T#t#VELNEW#party -> first#dst     fan-out: new destinations in a window
//	vault link           T#t#U#u / VAULT#v                         -                                 user's vaults
//	wallet link          T#t#U#u / ADDR#chain#key                  -                                 user's wallets
//	owner                T#t#V#v / OWNER, T#t#A#chain#key / OWNER  -                                 who a vault or address belongs to
//	link history         T#t#U#u#LINKS / ts#id                     -                                 links and unlinkings, newest first
//	rule (current)       T#t#RULES / R#r                           -                                 tenant's rules
//	rule version         T#t#RULE#r / V#000001                     -                                 kept for ever (decisions name them)
//	rules head           T#t / RULESHEAD                           -                                 generation: cache check per decision
//	client list          T#t#CLISTS / L#name                       -                                 values as a string set (<= 5,000)
//	decision             T#t#DEC#d / DECISION, MV#m                -                                 get with its linked movements
//	export               T#t#MVEXPORT#x / EXPORT                   -                                 status (TTL 7 days)
//
// # Cost (AWS calls)
//
// Logging a movement: 1 TransactWriteItems (record, 2 to 4 party copies, 2 to 8 velocity
// tallies, 1 destination item, the outbox event), plus per batch 1 GetItem per distinct
// vault or address (owner) and per distinct user; KMS only when the data key cache misses.
// A decision: 1 GetItem (rules head; the compiled rules and lists are cached while it does
// not move), the owner and user reads, 1 Query per distinct velocity window a rule uses,
// and 1 TransactWriteItems (decision and audit record).
package movements
