package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	idptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp/totp"
)

// StaffCredential is a demo staff user, signed in with MFA.
type StaffCredential struct {
	Group       string `json:"group"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	TOTPSecret  string `json:"totpSecret"`
	IDToken     string `json:"idToken"`
	AccessToken string `json:"accessToken"`
}

// staffSeeder creates staff users in a pool the way an administrator would, with a TOTP
// authenticator, and signs them in through the MFA challenge.
type staffSeeder struct {
	idp      *idp.Client
	poolID   string
	clientID string
	now      func() time.Time
}

// seedStaff creates one user per group of the pool. A user left by an earlier run (the
// emulator was reused) is deleted and created again: its TOTP secret is unknown.
func (s *staffSeeder) seedStaff(ctx context.Context, groups []string) ([]StaffCredential, error) {
	var out []StaffCredential
	for _, g := range groups {
		c, err := s.seedUser(ctx, g, g+"@staff.chainguard.local")
		if err != nil {
			return out, fmt.Errorf("staff user for %s: %w", g, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *staffSeeder) seedUser(ctx context.Context, group, email string) (StaffCredential, error) {
	c := StaffCredential{Group: group, Email: email, Password: strongPassword()}
	if err := s.createUser(ctx, c); err != nil {
		return c, err
	}
	// First sign-in: AWS answers MFA_SETUP (MFA is ON and the user has no authenticator);
	// moto signs the user in directly. Either way we get what AssociateSoftwareToken needs.
	first, err := s.initiate(ctx, c)
	if err != nil {
		return c, err
	}
	if c.TOTPSecret, err = s.enrolTOTP(ctx, first, c.Email); err != nil {
		return c, err
	}
	_, err = s.idp.AdminSetUserMFAPreference(ctx, &idp.AdminSetUserMFAPreferenceInput{
		UserPoolId: aws.String(s.poolID), Username: aws.String(email),
		SoftwareTokenMfaSettings: &idptypes.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true},
	})
	if err != nil {
		return c, fmt.Errorf("MFA preference: %w", err)
	}
	tokens, err := s.signIn(ctx, c)
	if err != nil {
		return c, err
	}
	c.IDToken, c.AccessToken = aws.ToString(tokens.IdToken), aws.ToString(tokens.AccessToken)
	return c, nil
}

func (s *staffSeeder) createUser(ctx context.Context, c StaffCredential) error {
	_, _ = s.idp.AdminDeleteUser(ctx, &idp.AdminDeleteUserInput{UserPoolId: aws.String(s.poolID), Username: aws.String(c.Email)})
	_, err := s.idp.AdminCreateUser(ctx, &idp.AdminCreateUserInput{
		UserPoolId: aws.String(s.poolID), Username: aws.String(c.Email), MessageAction: idptypes.MessageActionTypeSuppress,
		UserAttributes: []idptypes.AttributeType{
			{Name: aws.String("email"), Value: aws.String(c.Email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	_, err = s.idp.AdminSetUserPassword(ctx, &idp.AdminSetUserPasswordInput{
		UserPoolId: aws.String(s.poolID), Username: aws.String(c.Email), Password: aws.String(c.Password), Permanent: true,
	})
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	_, err = s.idp.AdminAddUserToGroup(ctx, &idp.AdminAddUserToGroupInput{
		UserPoolId: aws.String(s.poolID), Username: aws.String(c.Email), GroupName: aws.String(c.Group),
	})
	if err != nil {
		return fmt.Errorf("add to group: %w", err)
	}
	return nil
}

func (s *staffSeeder) initiate(ctx context.Context, c StaffCredential) (*idp.AdminInitiateAuthOutput, error) {
	out, err := s.idp.AdminInitiateAuth(ctx, &idp.AdminInitiateAuthInput{
		UserPoolId: aws.String(s.poolID), ClientId: aws.String(s.clientID), AuthFlow: idptypes.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": c.Email, "PASSWORD": c.Password},
	})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return out, nil
}

// enrolTOTP associates an authenticator and verifies it with a code computed from the
// secret, through the MFA_SETUP session (AWS) or the access token (moto).
func (s *staffSeeder) enrolTOTP(ctx context.Context, first *idp.AdminInitiateAuthOutput, email string) (string, error) {
	assoc := &idp.AssociateSoftwareTokenInput{}
	switch {
	case first.ChallengeName == idptypes.ChallengeNameTypeMfaSetup:
		assoc.Session = first.Session
	case first.AuthenticationResult != nil:
		assoc.AccessToken = first.AuthenticationResult.AccessToken
	default:
		return "", fmt.Errorf("unexpected first sign-in answer %q", first.ChallengeName)
	}
	a, err := s.idp.AssociateSoftwareToken(ctx, assoc)
	if err != nil {
		return "", fmt.Errorf("associate software token: %w", err)
	}
	secret := aws.ToString(a.SecretCode)
	code, err := totp.GenerateCode(secret, s.now())
	if err != nil {
		return "", fmt.Errorf("TOTP from the returned secret: %w", err)
	}
	v, err := s.idp.VerifySoftwareToken(ctx, &idp.VerifySoftwareTokenInput{
		AccessToken: assoc.AccessToken, Session: a.Session, UserCode: aws.String(code), FriendlyDeviceName: aws.String("local-runner"),
	})
	if err != nil {
		return "", fmt.Errorf("verify software token: %w", err)
	}
	if v.Status != idptypes.VerifySoftwareTokenResponseTypeSuccess {
		return "", fmt.Errorf("verify software token: %s", v.Status)
	}
	if first.ChallengeName == idptypes.ChallengeNameTypeMfaSetup {
		_, err := s.idp.AdminRespondToAuthChallenge(ctx, &idp.AdminRespondToAuthChallengeInput{
			UserPoolId: aws.String(s.poolID), ClientId: aws.String(s.clientID), ChallengeName: idptypes.ChallengeNameTypeMfaSetup,
			Session: v.Session, ChallengeResponses: map[string]string{"USERNAME": email},
		})
		if err != nil {
			return "", fmt.Errorf("complete MFA setup: %w", err)
		}
	}
	return secret, nil
}

// signIn is the sign-in every later session does: password, then the TOTP challenge.
func (s *staffSeeder) signIn(ctx context.Context, c StaffCredential) (*idptypes.AuthenticationResultType, error) {
	out, err := s.initiate(ctx, c)
	if err != nil {
		return nil, err
	}
	if out.ChallengeName != idptypes.ChallengeNameTypeSoftwareTokenMfa {
		return nil, fmt.Errorf("expected the SOFTWARE_TOKEN_MFA challenge, got %q", out.ChallengeName)
	}
	code, err := totp.GenerateCode(c.TOTPSecret, s.now())
	if err != nil {
		return nil, err
	}
	resp, err := s.idp.AdminRespondToAuthChallenge(ctx, &idp.AdminRespondToAuthChallengeInput{
		UserPoolId: aws.String(s.poolID), ClientId: aws.String(s.clientID), ChallengeName: idptypes.ChallengeNameTypeSoftwareTokenMfa,
		Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": c.Email, "SOFTWARE_TOKEN_MFA_CODE": code},
	})
	if err != nil {
		return nil, fmt.Errorf("answer the MFA challenge: %w", err)
	}
	if resp.AuthenticationResult == nil {
		return nil, errors.New("no tokens after the MFA challenge")
	}
	return resp.AuthenticationResult, nil
}

// strongPassword satisfies the template's policy (14+ characters, all four classes).
func strongPassword() string {
	const (
		lower   = "abcdefghijkmnopqrstuvwxyz"
		upper   = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digits  = "23456789"
		symbols = "!#%+-=?@^_"
	)
	all := lower + upper + digits + symbols
	pick := func(set string) byte {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		return set[n.Int64()]
	}
	b := []byte{pick(lower), pick(upper), pick(digits), pick(symbols)}
	for len(b) < 20 {
		b = append(b, pick(all))
	}
	return string(b)
}
