package main

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"github.com/chainfi/chainguard/infra/stack"
)

// Authorizer outcomes, with the status API Gateway answers.
var (
	errUnauthorized = errors.New("unauthorized") // 401: no, malformed, or invalid token
	errForbidden    = errors.New("forbidden")    // 403: valid token without a required scope
)

// jwtAuthorizer is an HTTP API JWT authorizer: it takes the bearer token from the
// identity source, checks its RS256 signature against the issuer's JWKS, its issuer, its
// audience (aud of ID tokens or client_id of access tokens), exp and nbf, and the route's
// scopes; it hands the claims to the function as API Gateway does.
type jwtAuthorizer struct {
	cfg  stack.JWTAuthorizer
	jwks *jwksCache
}

func newJWTAuthorizer(cfg stack.JWTAuthorizer, jwksURL string, client *http.Client) *jwtAuthorizer {
	return &jwtAuthorizer{cfg: cfg, jwks: &jwksCache{url: jwksURL, client: client}}
}

// jwksURLFor says where the keys of issuer are. API Gateway reads
// <issuer>/.well-known/jwks.json. Tokens that moto 5 issues carry the real AWS issuer,
// https://cognito-idp.<region>.amazonaws.com/<poolId> (observed, and covered by the
// integration test), which is exactly the issuer the template configures: the issuer
// check therefore stays exact and unmapped. Only the key download is redirected, to the
// emulator, which serves a pool's keys at <endpoint>/<poolId>/.well-known/jwks.json.
// Other issuers are fetched where API Gateway would.
func jwksURLFor(issuer, emulatorEndpoint string) string {
	u, err := url.Parse(issuer)
	if err == nil && strings.HasPrefix(u.Host, "cognito-idp.") && strings.HasSuffix(u.Host, ".amazonaws.com") && emulatorEndpoint != "" {
		return strings.TrimRight(emulatorEndpoint, "/") + u.Path + "/.well-known/jwks.json"
	}
	return strings.TrimRight(issuer, "/") + "/.well-known/jwks.json"
}

func (a *jwtAuthorizer) authorize(ctx context.Context, r *http.Request, scopes []string, now time.Time) (*events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription, error) {
	token := ""
	for _, h := range a.cfg.IdentitySource {
		if token = strings.TrimSpace(r.Header.Get(h)); token != "" {
			break
		}
	}
	if token == "" {
		return nil, fmt.Errorf("%w: no token in %v", errUnauthorized, a.cfg.IdentitySource)
	}
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(a.cfg.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithJSONNumber(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	claims := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return a.jwks.key(ctx, kid, now)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnauthorized, err)
	}
	if !a.audienceOK(claims) {
		return nil, fmt.Errorf("%w: audience not in %v", errUnauthorized, a.cfg.Audience)
	}
	tokenScopes := strings.Fields(claimString(claims["scope"]))
	if len(scopes) > 0 && !slices.ContainsFunc(scopes, func(s string) bool { return slices.Contains(tokenScopes, s) }) {
		return nil, fmt.Errorf("%w: token scopes %v lack one of %v", errForbidden, tokenScopes, scopes)
	}
	out := &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{}}
	for k, v := range claims {
		out.Claims[k] = claimString(v)
	}
	if len(tokenScopes) > 0 {
		out.Scopes = tokenScopes
	}
	return out, nil
}

// audienceOK: API Gateway accepts a token whose aud (ID tokens) or client_id (Cognito
// access tokens, which have no aud) is one of the configured audiences.
func (a *jwtAuthorizer) audienceOK(claims jwt.MapClaims) bool {
	var auds []string
	switch v := claims["aud"].(type) {
	case string:
		auds = append(auds, v)
	case []any:
		for _, x := range v {
			auds = append(auds, fmt.Sprint(x))
		}
	}
	if cid, ok := claims["client_id"].(string); ok {
		auds = append(auds, cid)
	}
	for _, aud := range auds {
		if slices.Contains(a.cfg.Audience, aud) {
			return true
		}
	}
	return false
}

// claimString renders a claim as API Gateway does in requestContext.authorizer.jwt.claims:
// strings as they are, numbers as written, arrays as "[a b]".
func claimString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, len(x))
		for i, item := range x {
			parts[i] = claimString(item)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + claimString(x[k])
		}
		return "map[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprint(v)
}

// jwksCache holds an issuer's public keys, refreshed when a token names an unknown key
// (at most once a minute, so bad tokens cannot make the runner hammer the issuer).
type jwksCache struct {
	url     string
	client  *http.Client
	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	fetched time.Time
}

func (c *jwksCache) key(ctx context.Context, kid string, now time.Time) (*rsa.PublicKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k, ok := c.keys[kid]; ok {
		return k, nil
	}
	if c.keys != nil && now.Sub(c.fetched) < time.Minute {
		return nil, fmt.Errorf("unknown key id %q", kid)
	}
	keys, err := fetchJWKS(ctx, c.client, c.url)
	if err != nil {
		return nil, err
	}
	c.keys, c.fetched = keys, now
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("unknown key id %q", kid)
}

func fetchJWKS(ctx context.Context, client *http.Client, u string) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch JWKS %s: %s", u, resp.Status)
	}
	var set struct {
		Keys []struct {
			Kid, Kty, N, E string
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode JWKS: %w", err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" {
			continue
		}
		n, errN := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.N, "="))
		e, errE := base64.RawURLEncoding.DecodeString(strings.TrimRight(k.E, "="))
		if errN != nil || errE != nil {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}

// authorize runs the route's authorizer; it returns the claims or the status to answer.
func (rn *Runner) authorize(r *http.Request, rt route, now time.Time) (*events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription, int) {
	a := rn.authorizers[rt.APIID+"/"+rt.Authorizer]
	if a == nil {
		return nil, http.StatusInternalServerError
	}
	claims, err := a.authorize(r.Context(), r, rt.Scopes, now)
	switch {
	case err == nil:
		return claims, http.StatusOK
	case errors.Is(err, errForbidden):
		rn.con.printf("%-20s http  %-40s %v", rt.FunctionID, rt.Key(), err)
		return nil, http.StatusForbidden
	default:
		rn.con.printf("%-20s http  %-40s %v", rt.FunctionID, rt.Key(), err)
		return nil, http.StatusUnauthorized
	}
}
