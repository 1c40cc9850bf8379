package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/chainfi/chainguard/shared/failure"
)

// Role is a staff group of the Cognito user pool.
type Role string

// The staff roles (Cognito groups in template.yaml).
const (
	RoleAnalyst  Role = "analyst"
	RoleApprover Role = "approver"
	RoleAdmin    Role = "admin"
	RoleAuditor  Role = "auditor"
)

// Staff is a member of the platform's compliance staff, as the HttpApi JWT authorizer
// vouched for them.
type Staff struct {
	Subject string
	Roles   []Role
}

// groupsClaim is the Cognito claim that lists a user's groups.
const groupsClaim = "cognito:groups"

// maxTokenLen bounds the token we decode. Cognito ID tokens are 1-2 KB; API Gateway
// refuses larger headers anyway, this keeps a direct invocation from making us decode
// megabytes.
const maxTokenLen = 16 << 10

// crossChecked are the claims that must agree, when the authorizer passed them, between
// the authorizer's claims and the token we decode: together they identify the token
// the authorizer verified (subject, issuer, issue and expiry times, token type).
var crossChecked = []string{"iss", "token_use", "iat", "exp", "auth_time", "jti"}

var (
	errNoStaff       = failure.New(failure.Unauthenticated, "unauthenticated", "staff credentials are required")
	errBadToken      = failure.New(failure.Unauthenticated, "invalid_token", "the bearer token cannot be read")
	errTokenMismatch = failure.New(failure.Unauthenticated, "token_mismatch", "the bearer token is not the one the authorizer verified")
)

// StaffFrom reads the caller of a staff route. The HttpApi JWT authorizer has verified the
// bearer token (signature, issuer, audience, expiry) but hands the function its claims as
// strings, and renders an array claim as "[a b]": a group named "analyst admin" or
// "analyst,admin" is indistinguishable there from two groups. So the groups are read from
// the verified token itself, as the JSON array they are; the token is only decoded, never
// trusted on its own: its subject (and iss, token_use, iat, exp, auth_time, jti and
// cognito:groups when the authorizer passed them; no groups when it passed none) must
// match the authorizer's claims, so it is the token the authorizer verified. No claims means the route was reached without the authorizer,
// which is refused, as is a missing or unreadable token.
func StaffFrom(req Request) (Staff, error) {
	if req.RequestContext.Authorizer == nil || req.RequestContext.Authorizer.JWT == nil {
		return Staff{}, errNoStaff
	}
	claims := req.RequestContext.Authorizer.JWT.Claims
	sub := claims["sub"]
	if sub == "" {
		return Staff{}, failure.New(failure.Unauthenticated, "unauthenticated", "the token has no subject")
	}
	raw, ok := bearerToken(Header(req, "authorization"))
	if !ok {
		return Staff{}, errNoStaff
	}
	tok, err := decodeTokenPayload(raw)
	if err != nil {
		return Staff{}, errBadToken
	}
	if got, ok := tok.str("sub"); !ok || got != sub {
		return Staff{}, errTokenMismatch
	}
	for _, name := range crossChecked {
		want, present := claims[name]
		if present && !tok.renders(name, want) {
			return Staff{}, errTokenMismatch
		}
	}
	roles, err := tok.groups()
	if err != nil {
		return Staff{}, errBadToken
	}
	if !groupsAgree(roles, claims) {
		return Staff{}, errTokenMismatch
	}
	return Staff{Subject: sub, Roles: roles}, nil
}

// groupsAgree ties the roles read from the token to the authorizer's claims: the
// authorizer's rendering of cognito:groups ("[a b]") must be the token's array rendered
// the same way, and without the claim the token must name no group. The rendering cannot
// tell "[analyst admin]" (two groups) from one group named "analyst admin", which is why
// the roles come from the token; but a token whose groups the authorizer did not see is
// not the token it verified.
func groupsAgree(roles []Role, claims map[string]string) bool {
	want, present := claims[groupsClaim]
	if !present {
		return len(roles) == 0
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return want == "["+strings.Join(names, " ")+"]"
}

// Require refuses a caller who holds none of roles.
func (s Staff) Require(roles ...Role) error {
	for _, r := range roles {
		if slices.Contains(s.Roles, r) {
			return nil
		}
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return failure.Denied("forbidden_role", "this action needs one of the roles: %s", strings.Join(names, ", "))
}

// bearerToken takes the token out of an Authorization header as API Gateway's JWT
// authorizer does: an optional "Bearer " prefix, then the token.
func bearerToken(h string) (string, bool) {
	h = strings.TrimLeft(h, " \t")
	if len(h) >= 7 && strings.EqualFold(h[:7], "bearer ") {
		h = h[7:]
	}
	h = strings.TrimSpace(h)
	return h, h != ""
}

// tokenClaims are a token's claims, each kept as raw JSON until it is read with its type.
type tokenClaims map[string]json.RawMessage

// decodeTokenPayload decodes the payload of a compact JWS (header.payload.signature).
// The signature is not checked here: the authorizer did, and StaffFrom ties the token to
// the authorizer's claims.
func decodeTokenPayload(token string) (tokenClaims, error) {
	if len(token) > maxTokenLen {
		return nil, errBadToken
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, errBadToken
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return nil, errBadToken
	}
	var c tokenClaims
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&c); err != nil || c == nil || dec.More() {
		return nil, errBadToken
	}
	return c, nil
}

// str reads a string claim.
func (c tokenClaims) str(name string) (string, bool) {
	var s string
	raw, ok := c[name]
	if !ok || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// renders reports whether the claim, as the authorizer rendered it (want), is this
// token's: strings compare as they are, numbers by value (the authorizer writes numbers
// as decimal text; 1.7e9 and 1700000000 are the same time).
func (c tokenClaims) renders(name, want string) bool {
	raw, ok := c[name]
	if !ok {
		return false
	}
	if s, ok := c.str(name); ok {
		return s == want
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return false
	}
	got, err1 := strconv.ParseFloat(n.String(), 64)
	exp, err2 := strconv.ParseFloat(want, 64)
	return err1 == nil && err2 == nil && got == exp
}

// groups reads cognito:groups as the JSON array of strings Cognito writes. No claim is
// no group; anything else than an array of non-empty strings is refused, never guessed.
func (c tokenClaims) groups() ([]Role, error) {
	raw, ok := c[groupsClaim]
	if !ok {
		return nil, nil
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil || names == nil {
		return nil, errBadToken
	}
	roles := make([]Role, len(names))
	for i, n := range names {
		if n == "" {
			return nil, errBadToken
		}
		roles[i] = Role(n)
	}
	return roles, nil
}
