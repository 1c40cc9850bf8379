package main

import (
	"context"
	"net/http"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/tenants"
	"github.com/chainfi/chainguard/shared/tradechat"
	"github.com/chainfi/chainguard/shared/trades"
)

// chatRoutes are the trade chat's client routes: the client acts for one of the parties,
// named by "by" (bodies) or "as" (queries).
type chatRoutes struct{ chat *tradechat.Service }

func newChat(_ context.Context, d *platform.Deps, svc *trades.Service) (chatRoutes, error) {
	c, err := tradechat.FromPlatform(d, svc)
	return chatRoutes{chat: c}, err
}

type messageBody struct {
	By            string   `json:"by"`
	Text          string   `json:"text"`
	AttachmentIDs []string `json:"attachmentIds"`
}

type uploadBody struct {
	By          string `json:"by"`
	FileName    string `json:"fileName"`
	ContentType string `json:"contentType"`
	Size        int64  `json:"size"`
}

type byBody struct {
	By string `json:"by"`
}

func party(user string) (tradechat.Reader, error) {
	if user == "" {
		return tradechat.Reader{}, failure.InvalidInput("invalid_by", "say which party acts: by (body) or as (query) is the party's user id")
	}
	return tradechat.Reader{Kind: "party", UserID: user}, nil
}

func (c chatRoutes) routes(route func(httpapi.ClientHandler) httpapi.Handler, _ func(tenants.Principal) audit.Actor) httpapi.Routes {
	withTrade := func(h func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error)) httpapi.Handler {
		return route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "tradeId")
			if err != nil {
				return httpapi.Response{}, err
			}
			return h(ctx, p, req, id)
		})
	}
	return httpapi.Routes{
		"POST /v1/trades/{tradeId}/messages": withTrade(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			var in messageBody
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			r, err := party(in.By)
			if err != nil {
				return httpapi.Response{}, err
			}
			m, err := c.chat.PostMessage(ctx, p.Tenant, id, r, tradechat.MessageInput{Text: in.Text, AttachmentIDs: in.AttachmentIDs})
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusCreated, m), nil
		}),
		"GET /v1/trades/{tradeId}/messages": withTrade(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			page, err := httpapi.PageParams(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			r, err := party(req.QueryStringParameters["as"])
			if err != nil {
				return httpapi.Response{}, err
			}
			out, err := c.chat.ListMessages(ctx, p.Tenant, id, r, page.Cursor, page.Limit)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, out), nil
		}),
		"POST /v1/trades/{tradeId}/attachments": withTrade(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			var in uploadBody
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			r, err := party(in.By)
			if err != nil {
				return httpapi.Response{}, err
			}
			t, err := c.chat.RequestUpload(ctx, p.Tenant, id, r, tradechat.UploadInput{FileName: in.FileName, ContentType: in.ContentType, Size: in.Size})
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusCreated, t), nil
		}),
		"POST /v1/trades/{tradeId}/attachments/{attachmentId}/complete": withTrade(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			aid, err := httpapi.PathParam(req, "attachmentId")
			if err != nil {
				return httpapi.Response{}, err
			}
			var in byBody
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			r, err := party(in.By)
			if err != nil {
				return httpapi.Response{}, err
			}
			a, err := c.chat.CompleteUpload(ctx, p.Tenant, id, r, aid)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, a), nil
		}),
		"GET /v1/trades/{tradeId}/attachments/{attachmentId}": withTrade(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			aid, err := httpapi.PathParam(req, "attachmentId")
			if err != nil {
				return httpapi.Response{}, err
			}
			r, err := party(req.QueryStringParameters["as"])
			if err != nil {
				return httpapi.Response{}, err
			}
			l, err := c.chat.AttachmentURL(ctx, p.Tenant, id, r, aid)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, l), nil
		}),
	}
}
