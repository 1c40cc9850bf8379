package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/metamap"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/sumsub"
)

// maxBody is the largest webhook body read (vendors' webhooks are a few KB).
const maxBody = 256 << 10

type secrets struct {
	sumsub, metamap []byte
}

// receiver is the part of the onboarding service the webhooks use.
type receiver interface {
	Receive(ctx context.Context, ev onboarding.VendorEvent) (onboarding.Accepted, error)
}

var errSignature = failure.New(failure.Unauthenticated, "invalid_signature", "the webhook signature is missing or does not match")

type ack struct {
	Status string `json:"status"` // accepted, duplicate, ignored
}

func newServer(d *platform.Deps, svc receiver, sec secrets) *httpapi.Server {
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"POST /webhooks/sumsub": func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			body, err := rawBody(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			digest := httpapi.Header(req, sumsub.HeaderPayloadDigest)
			if len(sec.sumsub) == 0 || sumsub.VerifyWebhook(sec.sumsub, body, digest, httpapi.Header(req, sumsub.HeaderPayloadDigestAlg)) != nil {
				return httpapi.Response{}, errSignature
			}
			ev, err := sumsub.ParseWebhook(body)
			if err != nil {
				return httpapi.Response{}, failure.InvalidInput("invalid_payload", "the webhook body is not a Sumsub event")
			}
			if ev.CreatedAt.IsZero() {
				return httpapi.Response{}, failure.InvalidInput("invalid_payload", "the webhook has no createdAtMs")
			}
			// Deduplicated on the body, not on the signature header: one delivery signed
			// under another algorithm (or in upper-case hex) is the same event.
			sum := sha256.Sum256(body)
			return accept(ctx, svc, sumsubEvent(ev, hex.EncodeToString(sum[:])))
		},
		"POST /webhooks/metamap": func(ctx context.Context, req httpapi.Request) (httpapi.Response, error) {
			body, err := rawBody(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			if len(sec.metamap) == 0 || metamap.VerifyWebhook(sec.metamap, body, httpapi.Header(req, "x-signature")) != nil {
				return httpapi.Response{}, errSignature
			}
			ev, err := metamap.ParseWebhook(body)
			if err != nil {
				return httpapi.Response{}, failure.InvalidInput("invalid_payload", "the webhook body is not a MetaMap event")
			}
			sum := sha256.Sum256(body)
			out, err := metamapEvent(ev, hex.EncodeToString(sum[:]))
			if err != nil {
				return httpapi.Response{}, err
			}
			return accept(ctx, svc, out)
		},
	}}
}

func rawBody(req httpapi.Request) ([]byte, error) {
	body, err := httpapi.Body(req)
	if err != nil {
		return nil, err
	}
	if len(body) > maxBody {
		return nil, failure.InvalidInput("body_too_large", "the webhook body is larger than 256 KB")
	}
	return body, nil
}

func accept(ctx context.Context, svc receiver, ev onboarding.VendorEvent) (httpapi.Response, error) {
	acc, err := svc.Receive(ctx, ev)
	if err != nil {
		return httpapi.Response{}, err
	}
	switch {
	case acc.Duplicate:
		return httpapi.JSON(http.StatusOK, ack{Status: "duplicate"}), nil
	case ev.Ignore:
		return httpapi.JSON(http.StatusOK, ack{Status: "ignored"}), nil
	}
	return httpapi.JSON(http.StatusOK, ack{Status: "accepted"}), nil
}

// sumsubEvent normalises a Sumsub webhook. Only the applicant's own review events are
// acted on; the others (actions, transaction monitoring, AML cases, new types) are
// recorded and acknowledged.
func sumsubEvent(ev sumsub.Event, bodyHash string) onboarding.VendorEvent {
	out := onboarding.VendorEvent{Vendor: onboarding.VendorSumsub, Type: ev.Type, ApplicantID: ev.ApplicantID, At: ev.CreatedAt,
		ReviewStatus: ev.ReviewStatus, Answer: ev.ReviewResult.ReviewAnswer, RejectType: ev.ReviewResult.ReviewRejectType,
		Labels: ev.ReviewResult.RejectLabels, Key: ev.DedupKey(bodyHash)}
	switch ev.Outcome() {
	case sumsub.OutcomeApproved, sumsub.OutcomeRejectedFinal, sumsub.OutcomeRetryRequested:
		out.Decisive = true
	case sumsub.OutcomePending:
	default:
		out.Ignore = true
	}
	return out
}

// metamapEvent normalises a MetaMap webhook: completion and manual updates are decisive
// (the result is read from the API), the other steps are progress.
func metamapEvent(ev metamap.Event, digest string) (onboarding.VendorEvent, error) {
	id, err := ev.VerificationID()
	if err != nil {
		return onboarding.VendorEvent{}, failure.InvalidInput("invalid_payload", "the webhook names no verification")
	}
	out := onboarding.VendorEvent{Vendor: onboarding.VendorMetaMap, Type: ev.EventName, ApplicantID: id, At: ev.Timestamp, Key: ev.EventName + ":" + digest}
	switch ev.EventName {
	case metamap.EventVerificationCompleted, metamap.EventVerificationUpdated:
		out.Decisive = true
	case metamap.EventVerificationStarted, metamap.EventVerificationInputsCompleted, metamap.EventVerificationPostponed,
		metamap.EventVerificationExpired, "step_completed":
		out.ReviewStatus = ev.EventName
	default:
		out.Ignore = true
	}
	if out.At.IsZero() {
		return onboarding.VendorEvent{}, failure.InvalidInput("invalid_payload", "the webhook has no timestamp")
	}
	return out, nil
}
