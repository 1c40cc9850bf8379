package httpapi

import (
	"slices"
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
// vouched for them. The authorizer has already checked signature, issuer, audience and
// expiry; a staff route only reads the claims it was given.
type Staff struct {
	Subject string
	Roles   []Role
}

// StaffFrom reads the caller from the JWT authorizer's claims; no claims means the route
// was reached without the authorizer, which is refused.
func StaffFrom(req Request) (Staff, error) {
	if req.RequestContext.Authorizer == nil || req.RequestContext.Authorizer.JWT == nil {
		return Staff{}, failure.New(failure.Unauthenticated, "unauthenticated", "staff credentials are required")
	}
	claims := req.RequestContext.Authorizer.JWT.Claims
	sub := claims["sub"]
	if sub == "" {
		return Staff{}, failure.New(failure.Unauthenticated, "unauthenticated", "the token has no subject")
	}
	return Staff{Subject: sub, Roles: parseGroups(claims["cognito:groups"])}, nil
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

// parseGroups reads the groups claim in the forms API Gateway passes arrays: "[a b]",
// a JSON array, or a comma-separated list.
func parseGroups(v string) []Role {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "[")
	v = strings.TrimSuffix(v, "]")
	var out []Role
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
		f = strings.Trim(f, `"`)
		if f != "" {
			out = append(out, Role(f))
		}
	}
	return out
}
