// Package alerts is the alert model the tenant sees when its own screening finds
// something: ongoing monitoring today, the client rules of movement logging later. An
// alert is the client's business: nothing here changes a user's platform status.
//
// # Rules
//
//   - One open alert per (tenant, user, list source, entry id). A new finding for the pair
//     is added to the open alert's evidence (the last MaxEvidence entries and a count);
//     alert.updated is emitted only when something material changed: the outcome rose
//     to match, the entry's content hash or the user's subject hash changed. A finding
//     redelivered (same screening id, or same list version and hashes) changes nothing.
//   - False-positive memory: once the tenant resolved the pair's alert (false_positive
//     or confirmed), the same user and entry never alert again until the entry's
//     EntityHash or the user's SubjectHash differs from the ones it was resolved on; the
//     new alert then names the earlier one (previousAlertId, previousResolution).
//   - Each Raise or Resolve is one transaction: the alert, the pair's memory (on a
//     version condition: concurrent findings for one pair make exactly one alert), the
//     audit record and the outbox event.
//   - Alerts, events, audit records and logs hold references, codes, scores and times,
//     never personal data. The tenant's resolution comment is free text and may name
//     people: it is stored envelope-encrypted (purpose alert.resolution) and only ever
//     returned to the tenant.
//
// # Access patterns
//
//	Item          PK / SK                                  GSI1                          GSI2                        Operations
//	alert         T#t#ALERT#a / ALERT                      T#t#ALERTS#status -> ts#a     T#t#U#u#ALERTS -> ts#a      get; by status; by user
//	pair memory   T#t#U#u / ALERTPAIR#src#E:entity         -                             -                           Raise reads it first; moved with every write
//
// ts is the alert's firstSeenAt. A listing filtered by user reads GSI2, one filtered by
// status GSI1; kind is a filter expression. A listing with neither reads the open
// alerts, then the resolved ones, newest first within each.
//
// # Cost
//
// Raise: a new alert is 1 GetItem and 1 TransactWriteItems (alert, memory, audit record,
// event); evidence on an open alert 2 GetItem and 1 TransactWriteItems (the same, without
// the event when nothing material changed); a redelivery 1 GetItem (2 when it is older
// than the alert's newest evidence); a finding held back by the memory 1 GetItem.
// Resolve: 2 GetItem and 1 TransactWriteItems, and KMS only when the data key cache
// misses.
package alerts
