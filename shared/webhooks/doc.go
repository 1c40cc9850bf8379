// Package webhooks is the wire protocol of client webhooks, as the Standard Webhooks
// specification (standardwebhooks.com) defines it, with no storage and no AWS: signing
// secrets (whsec_…), the webhook-signature header and its verifier, the message body,
// the rules an endpoint URL must meet, an SSRF-safe sender that makes one delivery
// attempt, the retry schedule, and the catalogue of event types with their JSON Schemas.
// shared/delivery stores endpoints and deliveries and drives attempts with these.
//
// # Signatures
//
// A message is signed with HMAC-SHA256 over "msgID.unixSeconds.body" with each of the
// endpoint's secrets (more than one during a rotation); receivers accept any v1 signature
// that matches. Sign uses the specification's own Go library; Verify is ours, for tests and
// the local receiver, because the library's verifier reads the clock and tolerance from
// package state.
//
// # SSRF
//
// An endpoint URL is checked twice. URLPolicy.Check refuses, at registration, URLs that
// are not https and hosts that are blocked IP literals or loopback names. The Sender's
// dialer then refuses, at connect time, every blocked address the host resolves to: the
// check runs on the address actually dialled (net.Dialer.Control), so a name that resolves
// to a public address when registered and to a private one later (DNS rebinding) is still
// refused. Redirects are never followed and proxies from the environment are ignored.
//
// # Event catalogue
//
// Every event type is one JSON file under catalogue/ (name, description, JSON Schema 2020-12
// of the data, example), embedded in the binary. A new capability adds its types there;
// the tests check that every example validates and that the schemas refuse extra fields.
// Payloads carry ids, codes and timestamps only, never personal data.
package webhooks
