package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/infra/stack"
)

// maxPayload is API Gateway's request payload limit.
const maxPayload = 10 << 20

// route is a template route compiled for matching.
type route struct {
	stack.Route
	segs []string
}

// router matches requests to routes the way API Gateway HTTP APIs do: the most specific
// path wins (a literal segment beats {param}, which beats {greedy+}), an exact method
// beats ANY, and $default catches the rest.
type router struct {
	routes []route
}

func newRouter(routes []stack.Route) *router {
	rt := &router{}
	for _, r := range routes {
		rt.routes = append(rt.routes, route{Route: r, segs: splitPath(r.Path)})
	}
	return rt
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match returns the route for method and path with its path parameters.
func (rt *router) match(method, path string) (route, map[string]string, bool) {
	segs := splitPath(path)
	var best *route
	var bestParams map[string]string
	var bestScore []int
	for i := range rt.routes {
		r := &rt.routes[i]
		if r.Path == "" || (r.Method != "ANY" && r.Method != method) {
			continue
		}
		params, score, ok := matchSegments(r.segs, segs)
		if !ok {
			continue
		}
		if r.Method != "ANY" {
			score = append(score, 1)
		} else {
			score = append(score, 0)
		}
		if best == nil || compareScores(score, bestScore) > 0 {
			best, bestParams, bestScore = r, params, score
		}
	}
	if best != nil {
		return *best, bestParams, true
	}
	for _, r := range rt.routes {
		if r.Path == "" {
			return r, nil, true
		}
	}
	return route{}, nil, false
}

// matchSegments scores a match segment by segment: 3 literal, 2 parameter, 1 greedy.
func matchSegments(pattern, segs []string) (map[string]string, []int, bool) {
	params := map[string]string{}
	score := make([]int, 0, len(pattern))
	for i, p := range pattern {
		if name, ok := strings.CutSuffix(strings.TrimPrefix(p, "{"), "+}"); ok && strings.HasPrefix(p, "{") {
			if i != len(pattern)-1 || len(segs) <= i {
				return nil, nil, false
			}
			params[name] = strings.Join(segs[i:], "/")
			return params, append(score, 1), true
		}
		if i >= len(segs) {
			return nil, nil, false
		}
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if segs[i] == "" {
				return nil, nil, false
			}
			params[p[1:len(p)-1]] = segs[i]
			score = append(score, 2)
			continue
		}
		if p != segs[i] {
			return nil, nil, false
		}
		score = append(score, 3)
	}
	if len(segs) != len(pattern) {
		return nil, nil, false
	}
	if len(params) == 0 {
		params = nil
	}
	return params, score, true
}

func compareScores(a, b []int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] - b[i]
		}
	}
	return len(a) - len(b)
}

// eventInput is what buildEvent needs besides the request itself.
type eventInput struct {
	route     route
	params    map[string]string
	api       stack.HTTPAPI
	account   string
	requestID string
	now       time.Time
	jwt       *events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription
}

// buildEvent turns a request into an API Gateway HTTP API payload format 2.0 event.
func buildEvent(r *http.Request, body []byte, in eventInput) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       in.route.Key(),
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Headers:        map[string]string{},
		PathParameters: in.params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     in.route.Key(),
			AccountID:    in.account,
			Stage:        in.api.Stage,
			RequestID:    in.requestID,
			APIID:        in.api.ID,
			DomainName:   r.Host,
			DomainPrefix: strings.Split(r.Host, ".")[0],
			Time:         in.now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    in.now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: sourceIP(r), UserAgent: r.UserAgent(),
			},
		},
	}
	for k, vs := range r.Header {
		k = strings.ToLower(k)
		if k == "cookie" {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						ev.Cookies = append(ev.Cookies, c)
					}
				}
			}
			continue
		}
		ev.Headers[k] = strings.Join(vs, ",")
	}
	ev.Headers["host"] = r.Host
	ev.Headers["content-length"] = fmt.Sprint(len(body))
	ev.Headers["x-forwarded-for"] = sourceIP(r)
	ev.Headers["x-forwarded-proto"] = "http"
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		ev.Headers["x-forwarded-port"] = port
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = map[string]string{}
		for k, vs := range q {
			ev.QueryStringParameters[k] = strings.Join(vs, ",")
		}
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	if in.jwt != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: in.jwt}
	}
	return ev
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// httpResponse is a function's answer translated for the client.
type httpResponse struct {
	status int
	header http.Header
	body   []byte
}

var errBadResponse = errors.New("malformed Lambda proxy response")

// translateResponse reads a payload format 2.0 response. A JSON object with a statusCode
// is a structured response; anything else (a string, an object without statusCode) is
// the body of a 200 application/json answer, as API Gateway does.
func translateResponse(payload []byte) (httpResponse, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(payload, &probe); err != nil || probe["statusCode"] == nil {
		return plainResponse(payload)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		return httpResponse{}, fmt.Errorf("%w: %v", errBadResponse, err)
	}
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return httpResponse{}, fmt.Errorf("%w: statusCode %d", errBadResponse, resp.StatusCode)
	}
	out := httpResponse{status: resp.StatusCode, header: http.Header{}}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			out.header.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		out.header.Set(k, v)
	}
	for _, c := range resp.Cookies {
		out.header.Add("Set-Cookie", c)
	}
	out.body = []byte(resp.Body)
	if resp.IsBase64Encoded {
		raw, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return httpResponse{}, fmt.Errorf("%w: body is not base64: %v", errBadResponse, err)
		}
		out.body = raw
	}
	return out, nil
}

func plainResponse(payload []byte) (httpResponse, error) {
	if !json.Valid(payload) {
		return httpResponse{}, fmt.Errorf("%w: not JSON", errBadResponse)
	}
	body := payload
	var s string
	if json.Unmarshal(payload, &s) == nil {
		body = []byte(s)
	}
	return httpResponse{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json"}}, body: body}, nil
}

// apiMessage answers like API Gateway does on its own errors: {"message": "..."}.
func apiMessage(w http.ResponseWriter, status int, msg, requestID string) {
	if requestID != "" {
		w.Header().Set("Apigw-Requestid", requestID)
	}
	writeJSON(w, status, map[string]string{"message": msg})
}

// serveAPI is the HTTP API: match, authorize, invoke, translate.
func (rn *Runner) serveAPI(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	requestID := apiRequestID()
	rt, params, ok := rn.router.match(r.Method, r.URL.Path)
	if !ok {
		apiMessage(w, http.StatusNotFound, "Not Found", requestID)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		apiMessage(w, http.StatusBadRequest, "Bad Request", requestID)
		return
	}
	if len(body) > maxPayload {
		apiMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large", requestID)
		return
	}
	in := eventInput{route: rt, params: params, api: rn.dep.APIs[rt.APIID], account: rn.dep.Account, requestID: requestID, now: now}
	if rt.Authorizer != "" {
		claims, status := rn.authorize(r, rt, now)
		if status != http.StatusOK {
			apiMessage(w, status, http.StatusText(status), requestID)
			return
		}
		in.jwt = claims
	}
	payload, err := json.Marshal(buildEvent(r, body, in))
	if err != nil {
		apiMessage(w, http.StatusInternalServerError, "Internal Server Error", requestID)
		return
	}
	// Like Lambda, an invocation runs to its end even if the client hangs up.
	res := rn.invoke(rn.runCtx, rt.FunctionID, "http "+rt.Key(), payload)
	if res.Err != nil {
		apiMessage(w, http.StatusInternalServerError, "Internal Server Error", requestID)
		return
	}
	out, err := translateResponse(res.Payload)
	if err != nil {
		rn.con.printf("%-20s http  %-40s %v", rt.FunctionID, rt.Key(), err)
		apiMessage(w, http.StatusInternalServerError, "Internal Server Error", requestID)
		return
	}
	h := w.Header()
	for k, vs := range out.header {
		h[k] = vs
	}
	if h.Get("Content-Type") == "" {
		h["Content-Type"] = nil // no sniffing: API Gateway adds no type the function did not set
	}
	h.Set("Apigw-Requestid", requestID)
	w.WriteHeader(out.status)
	_, _ = w.Write(out.body)
}

// apiRequestID looks like API Gateway's (base64 of random bytes).
func apiRequestID() string {
	id := strings.ReplaceAll(newRequestID(), "-", "")
	raw := []byte(id[:10])
	return strings.TrimRight(base64.StdEncoding.EncodeToString(raw), "=")
}

// routeTable lists the routes for the start-up banner, sorted by path.
func (rt *router) routeTable() []string {
	var lines []string
	for _, r := range rt.routes {
		auth := ""
		if r.Authorizer != "" {
			auth = "  [" + r.Authorizer + "]"
		}
		lines = append(lines, fmt.Sprintf("%-7s %-45s -> %s%s", r.Method, r.Path, r.FunctionID, auth))
	}
	sort.Slice(lines, func(i, j int) bool { return lines[i][8:] < lines[j][8:] })
	return lines
}
