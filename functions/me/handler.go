package main

import (
	"context"
	"net/http"

	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/tenants"
)

type meResponse struct {
	Tenant tenants.Tenant `json:"tenant"`
	APIKey keyRef         `json:"apiKey"`
}

type keyRef struct {
	ID string `json:"id"`
}

func newServer(d *platform.Deps) *httpapi.Server {
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"GET /v1/me": httpapi.Client(d.Tenants, func(ctx context.Context, p tenants.Principal, _ httpapi.Request) (httpapi.Response, error) {
			t, err := d.Tenants.Get(ctx, string(p.Tenant))
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, meResponse{Tenant: t, APIKey: keyRef{ID: p.KeyID}}), nil
		}),
	}}
}
