package main

import (
	"context"
	"net/http"

	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tradechat"
	"github.com/chainfi/chainguard/shared/trades"
)

// chatRoutes are the staff's chat routes: read (while a dispute is open or once it was
// decided; every read is audited) and, for the dispute's mediator, post.
type chatRoutes struct {
	chat   *tradechat.Service
	trades *trades.Service
}

func newChat(_ context.Context, d *platform.Deps, svc *trades.Service) (chatRoutes, error) {
	c, err := tradechat.FromPlatform(d, svc)
	return chatRoutes{chat: c, trades: svc}, err
}

func reader(s httpapi.Staff) tradechat.Reader {
	r := tradechat.Reader{Kind: "staff", StaffID: s.Subject}
	for _, role := range s.Roles {
		r.Roles = append(r.Roles, string(role))
	}
	return r
}

type staffMessage struct {
	Text string `json:"text"`
}

func (c chatRoutes) routes() httpapi.Routes {
	onTrade := func(h func(ctx context.Context, s httpapi.Staff, req httpapi.Request, t store.TenantID, id string) (httpapi.Response, error)) httpapi.Handler {
		return httpapi.StaffOnly(mediators, func(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "tradeId")
			if err != nil {
				return httpapi.Response{}, err
			}
			t, err := c.trades.TenantOf(ctx, id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return h(ctx, s, req, t, id)
		})
	}
	return httpapi.Routes{
		"GET /v1/staff/trades/{tradeId}/messages": onTrade(func(ctx context.Context, s httpapi.Staff, req httpapi.Request, t store.TenantID, id string) (httpapi.Response, error) {
			page, err := httpapi.PageParams(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			out, err := c.chat.ListMessages(ctx, t, id, reader(s), page.Cursor, page.Limit)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, out), nil
		}),
		"POST /v1/staff/trades/{tradeId}/messages": onTrade(func(ctx context.Context, s httpapi.Staff, req httpapi.Request, t store.TenantID, id string) (httpapi.Response, error) {
			var in staffMessage
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			m, err := c.chat.PostMessage(ctx, t, id, reader(s), tradechat.MessageInput{Text: in.Text})
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusCreated, m), nil
		}),
		"GET /v1/staff/trades/{tradeId}/attachments/{attachmentId}": onTrade(func(ctx context.Context, s httpapi.Staff, req httpapi.Request, t store.TenantID, id string) (httpapi.Response, error) {
			aid, err := httpapi.PathParam(req, "attachmentId")
			if err != nil {
				return httpapi.Response{}, err
			}
			l, err := c.chat.AttachmentURL(ctx, t, id, reader(s), aid)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, l), nil
		}),
	}
}
