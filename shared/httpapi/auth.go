package httpapi

import (
	"context"

	"github.com/chainfi/chainguard/shared/tenants"
)

// ClientHandler serves a client route for an authenticated tenant.
type ClientHandler func(ctx context.Context, p tenants.Principal, req Request) (Response, error)

// StaffHandler serves a staff route for a member holding one of the route's roles.
type StaffHandler func(ctx context.Context, s Staff, req Request) (Response, error)

// Client authenticates the API key of every request before h runs; h receives the
// caller's tenant and must scope every read and write to it.
func Client(auth *tenants.Service, h ClientHandler) Handler {
	return func(ctx context.Context, req Request) (Response, error) {
		p, err := auth.Authenticate(ctx, Header(req, "authorization"))
		if err != nil {
			return Response{}, err
		}
		Annotate(ctx, string(p.Tenant), "client:"+p.KeyID)
		return h(ctx, p, req)
	}
}

// StaffOnly admits staff holding one of roles (the JWT authorizer has authenticated them).
func StaffOnly(roles []Role, h StaffHandler) Handler {
	return func(ctx context.Context, req Request) (Response, error) {
		s, err := StaffFrom(req)
		if err != nil {
			return Response{}, err
		}
		Annotate(ctx, "", "staff:"+s.Subject)
		if err := s.Require(roles...); err != nil {
			return Response{}, err
		}
		return h(ctx, s, req)
	}
}
