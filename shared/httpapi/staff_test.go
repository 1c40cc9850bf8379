package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// token is a compact JWS with these claims. Its signature is junk: the authorizer checks
// signatures, StaffFrom only reads a token the authorizer has verified.
func token(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return enc.EncodeToString([]byte(`{"alg":"RS256","kid":"test"}`)) + "." + enc.EncodeToString(payload) + "." + enc.EncodeToString([]byte("signature"))
}

// rendered are the claims as API Gateway's JWT authorizer hands them to the function:
// strings as they are, numbers as written, arrays as "[a b]".
func rendered(claims map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range claims {
		switch x := v.(type) {
		case []string:
			out[k] = "[" + strings.Join(x, " ") + "]"
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}

func staffClaims(sub string, groups ...string) map[string]any {
	return map[string]any{
		"sub": sub, "cognito:groups": groups, "token_use": "id",
		"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test", "aud": "client",
		"iat": 1795348800, "exp": 1795352400, "auth_time": 1795348800,
	}
}

// staffRequest is a request whose Authorization header carries tok and whose authorizer
// claims are authorizer.
func staffRequest(authorization string, authorizer map[string]string) Request {
	r := Request{Headers: map[string]string{}}
	if authorization != "" {
		r.Headers["authorization"] = authorization
	}
	if authorizer != nil {
		r.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: authorizer},
		}
	}
	return r
}

func TestStaffRolesComeFromTheVerifiedTokensGroupsArray(t *testing.T) {
	cases := []struct {
		name   string
		groups []string
		admin  bool
		roles  int
	}{
		{"a group named with a comma is one group", []string{"analyst,admin"}, false, 1},
		{"a group named with a space is one group", []string{"analyst admin"}, false, 1},
		{"a group named like the rendered array is one group", []string{"[admin]"}, false, 1},
		{"two groups are two roles", []string{"analyst", "admin"}, true, 2},
		{"no group is no role", []string{}, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			claims := staffClaims("u1", c.groups...)
			s, err := StaffFrom(staffRequest("Bearer "+token(t, claims), rendered(claims)))
			if err != nil {
				t.Fatal(err)
			}
			if s.Subject != "u1" || len(s.Roles) != c.roles || (s.Require(RoleAdmin) == nil) != c.admin {
				t.Fatalf("staff = %+v, admin %v", s, s.Require(RoleAdmin) == nil)
			}
		})
	}
	t.Run("both roles of two groups are held", func(t *testing.T) {
		claims := staffClaims("u1", "analyst", "admin")
		s, _ := StaffFrom(staffRequest("Bearer "+token(t, claims), rendered(claims)))
		if s.Require(RoleAnalyst) != nil || s.Require(RoleAdmin) != nil || codeOf(s.Require(RoleAuditor)) != "forbidden_role" {
			t.Fatalf("roles = %v", s.Roles)
		}
	})
	t.Run("a token without the groups claim holds no role", func(t *testing.T) {
		claims := staffClaims("u1")
		delete(claims, "cognito:groups")
		s, err := StaffFrom(staffRequest("Bearer "+token(t, claims), rendered(claims)))
		if err != nil || len(s.Roles) != 0 {
			t.Fatalf("staff = %+v, %v", s, err)
		}
	})
	t.Run("the token is read with or without the Bearer prefix, as the authorizer reads it", func(t *testing.T) {
		claims := staffClaims("u1", "auditor")
		s, err := StaffFrom(staffRequest(token(t, claims), rendered(claims)))
		if err != nil || s.Require(RoleAuditor) != nil {
			t.Fatalf("staff = %+v, %v", s, err)
		}
	})
}

func TestStaffCallersAreRefusedUnlessTheTokenIsTheAuthorizers(t *testing.T) {
	good := staffClaims("u1", "admin")
	other := func(change func(c map[string]any)) map[string]any {
		c := maps.Clone(good)
		change(c)
		return c
	}
	cases := []struct {
		name          string
		authorization string
		authorizer    map[string]string
		code          string
	}{
		{"no authorizer claims", "Bearer " + token(t, good), nil, "unauthenticated"},
		{"no Authorization header", "", rendered(good), "unauthenticated"},
		{"an empty bearer token", "Bearer ", rendered(good), "unauthenticated"},
		{"claims without a subject", "Bearer " + token(t, good), rendered(other(func(c map[string]any) { delete(c, "sub") })), "unauthenticated"},
		{"a token of another subject", "Bearer " + token(t, other(func(c map[string]any) { c["sub"] = "u2" })), rendered(good), "token_mismatch"},
		{"a token without a subject", "Bearer " + token(t, other(func(c map[string]any) { delete(c, "sub") })), rendered(good), "token_mismatch"},
		{"a token issued at another time", "Bearer " + token(t, other(func(c map[string]any) { c["iat"] = 1795348801 })), rendered(good), "token_mismatch"},
		{"a token expiring at another time", "Bearer " + token(t, other(func(c map[string]any) { c["exp"] = 1795999999 })), rendered(good), "token_mismatch"},
		{"a token without the expiry the authorizer saw", "Bearer " + token(t, other(func(c map[string]any) { delete(c, "exp") })), rendered(good), "token_mismatch"},
		{"a token of another issuer", "Bearer " + token(t, other(func(c map[string]any) { c["iss"] = "https://evil.example" })), rendered(good), "token_mismatch"},
		{"an access token where the authorizer saw an ID token", "Bearer " + token(t, other(func(c map[string]any) { c["token_use"] = "access" })), rendered(good), "token_mismatch"},
		{"groups as a string", "Bearer " + token(t, other(func(c map[string]any) { c["cognito:groups"] = "admin" })), rendered(good), "invalid_token"},
		{"groups as null", "Bearer " + token(t, other(func(c map[string]any) { c["cognito:groups"] = nil })), rendered(good), "invalid_token"},
		{"groups holding a number", "Bearer " + token(t, other(func(c map[string]any) { c["cognito:groups"] = []any{"admin", 1} })), rendered(good), "invalid_token"},
		{"an empty group name", "Bearer " + token(t, other(func(c map[string]any) { c["cognito:groups"] = []string{""} })), rendered(good), "invalid_token"},
		{"two tokens in one header", "Bearer " + token(t, good) + "," + token(t, good), rendered(good), "invalid_token"},
		{"a token of two parts", "Bearer a.b", rendered(good), "invalid_token"},
		{"a payload that is not base64url", "Bearer a.!!!.c", rendered(good), "invalid_token"},
		{"a payload that is not a JSON object", "Bearer a." + base64.RawURLEncoding.EncodeToString([]byte(`["sub"]`)) + ".c", rendered(good), "invalid_token"},
		{"a payload with trailing data", "Bearer a." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"u1"} {}`)) + ".c", rendered(good), "invalid_token"},
		{"a huge token", "Bearer a." + strings.Repeat("A", maxTokenLen) + ".c", rendered(good), "invalid_token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := StaffFrom(staffRequest(c.authorization, c.authorizer))
			if f, status := Classify(err); err == nil || status != 401 || f.Code != c.code {
				t.Fatalf("err = %v, want 401 %s", err, c.code)
			}
		})
	}
}

func TestNumericClaimsMatchByValue(t *testing.T) {
	claims := staffClaims("u1", "admin")
	authorizer := rendered(claims)
	authorizer["iat"] = "1.7953488e9"
	if _, err := StaffFrom(staffRequest("Bearer "+token(t, claims), authorizer)); err != nil {
		t.Fatalf("iat written in another notation: %v", err)
	}
}

// The groups are the one claim that grants anything: a token whose groups the authorizer
// did not render is not the token it verified, even when everything else agrees.
func TestStaffCallersAreRefusedWhenTheTokensGroupsAreNotTheAuthorizers(t *testing.T) {
	withGroups := func(groups any) map[string]any {
		c := staffClaims("u1")
		if groups == nil {
			delete(c, "cognito:groups")
		} else {
			c["cognito:groups"] = groups
		}
		return c
	}
	cases := []struct {
		name              string
		token, authorizer map[string]any
	}{
		{"the token says admin, the authorizer analyst", withGroups([]string{"admin"}), withGroups([]string{"analyst"})},
		{"the token holds a group more", withGroups([]string{"analyst", "admin"}), withGroups([]string{"analyst"})},
		{"the token holds the groups in another order", withGroups([]string{"admin", "analyst"}), withGroups([]string{"analyst", "admin"})},
		{"the token has groups, the authorizer none", withGroups([]string{"admin"}), withGroups(nil)},
		{"the token has none, the authorizer groups", withGroups(nil), withGroups([]string{"admin"})},
		{"the token has an empty array, the authorizer groups", withGroups([]string{}), withGroups([]string{"admin"})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := StaffFrom(staffRequest("Bearer "+token(t, c.token), rendered(c.authorizer)))
			if f, status := Classify(err); err == nil || status != 401 || f.Code != "token_mismatch" {
				t.Fatalf("err = %v, want 401 token_mismatch", err)
			}
		})
	}
	t.Run("a rendering that cannot tell one group from two still agrees", func(t *testing.T) {
		// ["analyst admin"] and ["analyst","admin"] both render "[analyst admin]": the
		// token's array decides, and one group named "analyst admin" is no admin.
		claims := withGroups([]string{"analyst admin"})
		s, err := StaffFrom(staffRequest("Bearer "+token(t, claims), rendered(withGroups([]string{"analyst", "admin"}))))
		if err != nil || s.Require(RoleAdmin) == nil {
			t.Fatalf("staff = %+v, %v", s, err)
		}
	})
	t.Run("no groups on either side is no role", func(t *testing.T) {
		s, err := StaffFrom(staffRequest("Bearer "+token(t, withGroups(nil)), rendered(withGroups(nil))))
		if err != nil || len(s.Roles) != 0 {
			t.Fatalf("staff = %+v, %v", s, err)
		}
	})
}
