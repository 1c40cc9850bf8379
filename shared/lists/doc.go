// Package lists publishes versions of the public sanctions lists and serves them to the
// functions that screen against them.
//
// # Publishing (the list-refresh function)
//
// Publisher.Refresh downloads every configured source file (Fetcher: HTTP GET or file://,
// with a timeout, a size cap and a SHA-256 per file). When the combined checksum of all
// files equals the current version's, nothing happens ("unchanged"). Otherwise the files
// are parsed with shared/sanctions, indexed with shared/screening and published in an
// order that never lets a reader see half a version:
//
//  1. S3 indexes/<version>.idx: the serialized screening index (SSE-KMS, our key).
//  2. S3 entities/<version>.json.gz: source -> entity id -> content hash, the compact
//     state the next version's delta is computed against (the previous sources are not
//     kept, and re-parsing them would cost a second download and parse).
//  3. Delta items (added, changed, removed ids per source), with BatchWriteItem, 25 per call
//     (idempotent puts; unprocessed items are retried).
//  4. One transaction: the version item, the HEAD pointer moved with a condition on the
//     HEAD's own version, and the audit entry lists.version.published in the platform
//     chain. Only now can a reader find the version.
//  5. The event lists.version.published, then HEAD is marked announced. A refresh that
//     finds an unannounced HEAD announces it again, so the event survives a crash.
//
// Version ids are "<seq, 6 digits>-<12 hex of the combined checksum>": they sort like the
// sequence and are deterministic, so a retry of a failed refresh rewrites the same objects
// and delta items instead of leaving a second copy behind.
//
// # Reading (the screening function and in-process callers)
//
// Loader keeps the current index in memory (atomic.Pointer). It reads HEAD and the index
// object once per cold start and re-checks HEAD at most every interval; a newer version is
// loaded by one request while the others keep screening with the version they have.
// Screener validates a query, screens it, and records the screening with its list version,
// the query and the explanations encrypted (shared/envelope), and an audit entry.
//
// # Access patterns (see shared/store for the whole table)
//
//	Item            PK / SK                                  Written by           Read by
//	list head       LIST#INDEX / HEAD                        refresh (versioned)  loader, refresh
//	list version    LIST#INDEX / V#<version>                 refresh (with HEAD)  monitoring, staff
//	delta entry     LISTDELTA#<source>#<version> / ADD|CHG|DEL#<id>  refresh      monitoring
//	screening       T#t#SCR#s / SCREENING (GSI2 T#t#SCRS#kind, GSI1 T#t#U#u#SCR)  Screener
package lists
