// Package delivery is client webhooks on our side of the wire: the endpoints a tenant
// registers, one delivery per event and endpoint, and the attempts that carry them, with
// retries, automatic disabling of endpoints that keep failing, and replays. The protocol
// itself (Standard Webhooks signatures, the SSRF-safe sender, the retry schedule and the
// event catalogue) is shared/webhooks.
//
// # Flow
//
// Domain events go to the EventBridge bus; a rule sends the catalogue's types to the
// fan-out queue. Dispatch (the webhook-dispatch function) reads the tenant's endpoints,
// creates one delivery per endpoint whose filter matches, with an id derived from the
// event and the endpoint (so a redelivered event creates nothing twice), and queues its
// first attempt; an event for a disabled endpoint is listed as failed, to replay. Process
// (the webhook-deliver function) makes one attempt per message: it claims the attempt on
// the delivery's version (duplicate messages lose the claim), sends, records the attempt,
// and queues the next one after the schedule's delay. The automatic attempts of a
// delivery form a chain named by a token the delivery keeps: a message of a retired chain
// (a duplicate's, once the next attempt had to be queued again) is dropped, so
// duplicates never multiply down the schedule.
// SQS delays messages at most 15 minutes, so a longer delay is a chain of messages that
// each carries the attempt's notBefore and is sent on again until it is due. A delivery
// whose attempts are spent is failed, stays listed, can be retried or replayed, and its
// message is copied to the dead-letter queue, which has an alarm.
//
// An endpoint that has failed every attempt for five days is disabled (a
// webhook.endpoint_disabled event reaches the tenant's other endpoints); re-enabled, its
// first success sends webhook.endpoint_recovered.
//
// # Access patterns (see shared/store for the whole table)
//
//	Item        PK / SK                          GSI1 / GSI2                                   Written by
//	registry    T#t#WEBHOOKS / META              -                                             create, delete endpoint (count, versioned)
//	endpoint    T#t#WEBHOOKS / EP#id             -                                             API (versioned), worker (health)
//	delivery    T#t#WHD#id / DELIVERY            T#t#WHDS -> time#id / T#t#WHEP#ep -> time#id  dispatch (create), worker (versioned)
//
// Payloads carry ids, statuses, reason codes and timestamps only (the catalogue's
// schemas enforce it); signing secrets are stored envelope-encrypted.
package delivery
