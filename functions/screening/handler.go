package main

import (
	"context"
	"net/http"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/idempotency"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tenants"
)

// idempotencyScope names POST /v1/screenings in idempotency records.
const idempotencyScope = "screening.create"

type screenRequest struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	DateOfBirth string `json:"dateOfBirth"`
	Nationality string `json:"nationality"`
	Country     string `json:"country"`
	Asset       string `json:"asset"`
	Address     string `json:"address"`
	Reference   string `json:"reference"`
	// Lists: "sanctions", "pep" or both (absent or null: both). A pointer tells an empty
	// list, which is refused, from none.
	Lists *[]string `json:"lists"`
}

func newServer(d *platform.Deps, screener *lists.Screener, idem *idempotency.Service) *httpapi.Server {
	actor := func(p tenants.Principal) audit.Actor { return audit.Actor{Type: "client", ID: p.KeyID} }
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"POST /v1/screenings": httpapi.Client(d.Tenants, func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in screenRequest
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			sr := lists.Request{Reference: in.Reference, Query: lists.Query{Type: in.Type, Name: in.Name,
				DateOfBirth: in.DateOfBirth, Nationality: in.Nationality, Country: in.Country, Asset: in.Asset, Address: in.Address}}
			if in.Lists != nil {
				sr.Query.Lists = *in.Lists
				if sr.Query.Lists == nil {
					sr.Query.Lists = []string{} // "lists": []: named, but nothing in it
				}
			}
			key, err := httpapi.IdempotencyKey(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			if key == "" {
				s, err := screener.Screen(ctx, actor(p), p.Tenant, sr)
				if err != nil {
					return httpapi.Response{}, err
				}
				return httpapi.JSON(http.StatusCreated, s), nil
			}
			body, err := httpapi.Body(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			// The record keeps only the screening id: the answer quotes the query, which is
			// personal data and is stored encrypted with the screening alone. It is
			// completed in the screening's own transaction, so a screening is stored if and
			// only if the key holds its id: a retry after a lost answer gets that screening.
			var fresh lists.Screening
			id, replayed, err := idem.DoTx(ctx, p.Tenant, idempotencyScope, key, body, func(ctx context.Context, done *idempotency.Completion) error {
				s, err := screener.Screen(ctx, actor(p), p.Tenant, sr, func(tx *store.Tx, id string) { done.Stage(tx, []byte(id)) })
				fresh = s
				return err
			})
			if err != nil {
				return httpapi.Response{}, err
			}
			if !replayed {
				return httpapi.JSON(http.StatusCreated, fresh), nil
			}
			s, err := screener.Get(ctx, actor(p), p.Tenant, string(id), "idempotent_replay")
			if err != nil {
				return httpapi.Response{}, err
			}
			resp := httpapi.JSON(http.StatusCreated, s)
			resp.Headers["idempotent-replayed"] = "true"
			return resp, nil
		}),
		"GET /v1/screenings/{screeningId}": httpapi.Client(d.Tenants, func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "screeningId")
			if err != nil {
				return httpapi.Response{}, err
			}
			s, err := screener.Get(ctx, actor(p), p.Tenant, id, "api")
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, s), nil
		}),
	}}
}
