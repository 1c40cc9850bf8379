// Package metamap is the MetaMap identity vendor: webhook verification and parsing, and
// an API client that starts verifications and reads their results.
//
// # Webhooks
//
// MetaMap signs each delivery with x-signature, the hex HMAC-SHA256 of the payload under
// the webhook secret. Whether the payload is the raw body or its compact re-serialised
// JSON is not settled (their SDK hashes the latter), so VerifyWebhook accepts either, in
// constant time. ParseWebhook reads the envelope; it keeps no step data, which can hold
// document fields. The resource URL is never fetched as given: VerificationID takes the
// id out of it, and the client reads the verification from its own base URL.
//
// # Results
//
// A verification's status is normalised to verified, reviewNeeded, rejected, postponed
// or pending; anything unknown is pending, never a decision. Identity keeps names, date of
// birth, countries and an address read from the documents' fields, and the watchlist
// step's outcome. Document numbers, personal numbers (such as a CURP), photos and media
// URLs never enter these types.
//
// # API
//
// The client authenticates with OAuth client credentials: the token is cached until
// shortly before it expires, concurrent callers share one fetch, and a 401 refreshes it
// once. Reads are retried with jittered backoff; starting a verification is not, since a
// repeat would start a second one.
package metamap
