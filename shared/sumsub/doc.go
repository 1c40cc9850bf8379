// Package sumsub is the Sumsub identity vendor: webhook verification and parsing, API
// client.
//
// # Webhooks
//
// Sumsub signs each delivery with an HMAC of the raw body under the webhook's own secret
// (not the app token's secret): X-Payload-Digest holds the lowercase hex digest and
// X-Payload-Digest-Alg names the hash. VerifyWebhook checks it in constant time and must
// run on the exact bytes received, before any JSON parsing (API Gateway may hand the body
// base64-encoded: decode it first). ParseWebhook then reads the envelope into an Event.
// Webhooks carry ids and statuses only, never personal data; the applicant's data is
// fetched through the API.
//
// Deliveries are retried and may arrive twice or out of order, and correlationId is shared
// by several events of one operation, so Event.DedupKey builds the key from the body and
// the digest, and the latest CreatedAt wins. Unknown event types parse without error: new
// types appear without notice and must be recorded and ignored, never refused.
//
// # Outcomes
//
// A review answer counts only when reviewStatus is completed: GREEN approves, RED with
// reviewRejectType FINAL rejects for good, RED with RETRY asks the applicant to resubmit.
// AML results arrive as reject labels (SANCTIONS, PEP, ...), which never tell FINAL from
// RETRY: branch on the reject type, and use AMLLabels to see why.
//
// # API
//
// Every request is signed with the app token's secret: X-App-Access-Sig is the hex
// HMAC-SHA256 of unix seconds + method + path with query + body. Client retries, with
// jittered backoff, only calls that are safe to repeat; creating an applicant is made safe
// by reading the existing applicant back when Sumsub answers 409. Applicant keeps names,
// date of birth, countries, one address line and a company's structure, and nothing else:
// document numbers, images, e-mail and phone never enter these types.
package sumsub
