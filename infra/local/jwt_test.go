package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/chainfi/chainguard/infra/stack"
)

// issuer is a JWKS endpoint for a test: its URL is the issuer, as for any OIDC issuer.
type issuer struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	kid string
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key, kid: "test-key"}
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "kid": is.kid, "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
		}}})
	}))
	t.Cleanup(is.srv.Close)
	return is
}

func (is *issuer) sign(t *testing.T, key *rsa.PrivateKey, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = is.kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWTAuthorizerChecksTokensLikeAPIGateway(t *testing.T) {
	is := newIssuer(t)
	now := time.Now()
	cfg := stack.JWTAuthorizer{Name: "StaffJwt", IdentitySource: []string{"Authorization"}, Issuer: is.srv.URL, Audience: []string{"client-1"}}
	a := newJWTAuthorizer(cfg, jwksURLFor(cfg.Issuer, "http://emulator.invalid"), is.srv.Client())
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"iss": is.srv.URL, "sub": "u-1", "aud": "client-1", "token_use": "id",
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "cognito:groups": []string{"analyst", "admin"},
			"email": "a@example.com",
		}
		if edit != nil {
			edit(c)
		}
		return c
	}
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"a valid ID token is accepted", is.sign(t, is.key, claims(nil)), nil},
		{"an access token is matched on client_id", is.sign(t, is.key, claims(func(c jwt.MapClaims) {
			delete(c, "aud")
			c["client_id"], c["token_use"], c["scope"] = "client-1", "access", "aws.cognito.signin.user.admin"
		})), nil},
		{"another issuer is refused", is.sign(t, is.key, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), errUnauthorized},
		{"another audience is refused", is.sign(t, is.key, claims(func(c jwt.MapClaims) { c["aud"] = "client-2" })), errUnauthorized},
		{"an expired token is refused", is.sign(t, is.key, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() })), errUnauthorized},
		{"a token without exp is refused", is.sign(t, is.key, claims(func(c jwt.MapClaims) { delete(c, "exp") })), errUnauthorized},
		{"a token not valid yet is refused", is.sign(t, is.key, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), errUnauthorized},
		{"a token signed by another key is refused", is.sign(t, otherKey, claims(nil)), errUnauthorized},
		{"garbage is refused", "not.a.jwt", errUnauthorized},
		{"no token is refused", "", errUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/private", nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			got, err := a.authorize(context.Background(), req, nil, now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && (got.Claims["sub"] != "u-1" || got.Claims["iss"] != is.srv.URL) {
				t.Errorf("claims = %v", got.Claims)
			}
		})
	}
}

func TestClaimsAreRenderedAsAPIGatewayDoes(t *testing.T) {
	is := newIssuer(t)
	now := time.Now()
	cfg := stack.JWTAuthorizer{IdentitySource: []string{"Authorization"}, Issuer: is.srv.URL, Audience: []string{"c"}}
	a := newJWTAuthorizer(cfg, jwksURLFor(cfg.Issuer, ""), is.srv.Client())
	tok := is.sign(t, is.key, jwt.MapClaims{
		"iss": is.srv.URL, "aud": "c", "exp": now.Add(time.Hour).Unix(), "cognito:groups": []string{"analyst", "admin"},
		"email_verified": true, "scope": "read write",
	})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", tok) // API Gateway also takes a token without "Bearer "
	got, err := a.authorize(context.Background(), req, []string{"write"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.Claims["cognito:groups"] != "[analyst admin]" || got.Claims["email_verified"] != "true" {
		t.Errorf("claims = %v", got.Claims)
	}
	if exp := got.Claims["exp"]; exp != json.Number(exp).String() || len(exp) != 10 {
		t.Errorf("exp rendered as %q, want the integer as written", exp)
	}
	if len(got.Scopes) != 2 {
		t.Errorf("scopes = %v", got.Scopes)
	}
	if _, err := a.authorize(context.Background(), req, []string{"admin"}, now); !errors.Is(err, errForbidden) {
		t.Errorf("a token without the route's scope: err = %v, want forbidden", err)
	}
}

func TestCognitoKeysAreFetchedFromTheEmulator(t *testing.T) {
	got := jwksURLFor("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "http://127.0.0.1:5000")
	if want := "http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := jwksURLFor("https://login.example.com/tenant", "http://127.0.0.1:5000"); got != "https://login.example.com/tenant/.well-known/jwks.json" {
		t.Errorf("other issuers are fetched where API Gateway would: got %s", got)
	}
}
