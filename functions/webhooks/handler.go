package main

import (
	"context"
	"net/http"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/delivery"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/tenants"
	"github.com/chainfi/chainguard/shared/webhooks"
)

// endpointRequest is the body of POST and PATCH: absent fields are left as they are.
type endpointRequest struct {
	URL         *string  `json:"url"`
	Description *string  `json:"description"`
	EventTypes  []string `json:"eventTypes"`
	Disabled    *bool    `json:"disabled"`
}

func (r endpointRequest) input() delivery.EndpointInput {
	return delivery.EndpointInput{URL: r.URL, Description: r.Description, EventTypes: r.EventTypes, Disabled: r.Disabled}
}

type replayRequest struct {
	Since string `json:"since"`
}

type testResponse struct {
	Delivery delivery.Delivery `json:"delivery"`
	Attempt  delivery.Attempt  `json:"attempt"`
}

type replayResponse struct {
	EndpointID string `json:"endpointId"`
	Since      string `json:"since"`
	Status     string `json:"status"`
}

func newServer(d *platform.Deps, svc *delivery.Service) *httpapi.Server {
	actor := func(p tenants.Principal) audit.Actor { return audit.Actor{Type: "client", ID: p.KeyID} }
	route := func(h func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error)) httpapi.Handler {
		return httpapi.Client(d.Tenants, h)
	}
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"POST /v1/webhook-endpoints": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in endpointRequest
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			ep, err := svc.CreateEndpoint(ctx, p.Tenant, actor(p), in.input())
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusCreated, ep), nil
		}),
		"GET /v1/webhook-endpoints": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			eps, err := svc.Endpoints(ctx, p.Tenant)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, httpapi.List[delivery.Endpoint]{Items: eps}), nil
		}),
		"GET /v1/webhook-endpoints/{endpointId}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			ep, err := svc.Endpoint(ctx, p.Tenant, req.PathParameters["endpointId"])
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, ep), nil
		}),
		"PATCH /v1/webhook-endpoints/{endpointId}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in endpointRequest
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			ep, err := svc.UpdateEndpoint(ctx, p.Tenant, actor(p), req.PathParameters["endpointId"], in.input())
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, ep), nil
		}),
		"DELETE /v1/webhook-endpoints/{endpointId}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			if err := svc.DeleteEndpoint(ctx, p.Tenant, actor(p), req.PathParameters["endpointId"]); err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.NoContent(), nil
		}),
		"POST /v1/webhook-endpoints/{endpointId}/rotate-secret": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			ep, err := svc.RotateSecret(ctx, p.Tenant, actor(p), req.PathParameters["endpointId"])
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, ep), nil
		}),
		"POST /v1/webhook-endpoints/{endpointId}/test": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			dl, a, err := svc.SendTest(ctx, p.Tenant, req.PathParameters["endpointId"])
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, testResponse{Delivery: dl, Attempt: a}), nil
		}),
		"POST /v1/webhook-endpoints/{endpointId}/replay": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in replayRequest
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			since, err := time.Parse(time.RFC3339, in.Since)
			if err != nil {
				return httpapi.Response{}, failure.InvalidInput("invalid_since", "since must be an RFC 3339 time, e.g. 2026-12-01T08:00:00Z")
			}
			id := req.PathParameters["endpointId"]
			if err := svc.Replay(ctx, p.Tenant, actor(p), id, since); err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusAccepted, replayResponse{EndpointID: id, Since: since.UTC().Format(time.RFC3339), Status: "queued"}), nil
		}),
		"GET /v1/event-types": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			return httpapi.JSON(http.StatusOK, httpapi.List[webhooks.EventType]{Items: webhooks.Catalogue()}), nil
		}),
		"GET /v1/webhook-deliveries": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			page, err := httpapi.PageParams(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			q := req.QueryStringParameters
			f := delivery.DeliveryFilter{EndpointID: q["endpointId"], Status: q["status"], EventType: q["eventType"]}
			if s := q["since"]; s != "" {
				if f.Since, err = time.Parse(time.RFC3339, s); err != nil {
					return httpapi.Response{}, failure.InvalidInput("invalid_since", "since must be an RFC 3339 time, e.g. 2026-12-01T08:00:00Z")
				}
			}
			ds, next, err := svc.Deliveries(ctx, p.Tenant, f, page.Limit, page.Cursor)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, httpapi.List[delivery.Delivery]{Items: ds, NextCursor: next}), nil
		}),
		"GET /v1/webhook-deliveries/{deliveryId}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			dl, err := svc.Delivery(ctx, p.Tenant, req.PathParameters["deliveryId"])
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, dl), nil
		}),
		"POST /v1/webhook-deliveries/{deliveryId}/retry": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			dl, err := svc.Retry(ctx, p.Tenant, actor(p), req.PathParameters["deliveryId"])
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusAccepted, dl), nil
		}),
	}}
}
