package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	idp "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tenants"
)

// credentialsFile is .local/credentials.json: what a developer needs to call the API.
type credentialsFile struct {
	path string

	APIURL     string            `json:"apiUrl"`
	Emulator   string            `json:"emulatorEndpoint"`
	Tenant     *TenantCredential `json:"tenant,omitempty"`
	UserPoolID string            `json:"userPoolId,omitempty"`
	ClientID   string            `json:"userPoolClientId,omitempty"`
	Issuer     string            `json:"issuer,omitempty"`
	Staff      []StaffCredential `json:"staff,omitempty"`
	// Vendors are the identity vendors' sandbox of this run: base URLs and credentials,
	// the same values the functions read from the template's vendor secrets.
	Vendors  *VendorCredentials `json:"vendors,omitempty"`
	Problems []string           `json:"problems,omitempty"`
}

// TenantCredential is the demo tenant and its first API key.
type TenantCredential struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	KeyID  string `json:"keyId"`
	APIKey string `json:"apiKey"` // send as "Authorization: Bearer <apiKey>"
}

// writeCredentials writes credentials.json (0600): the API, the emulator and the vendor
// sandbox, and with Seed the demo tenant and the staff users, created first. A failure is
// reported, not fatal: the stack is still usable.
func (rn *Runner) writeCredentials(ctx context.Context) {
	start := time.Now()
	creds := &credentialsFile{
		path: filepath.Join(rn.opts.StateDir, "credentials.json"), APIURL: rn.URL(), Emulator: rn.srv.Endpoint,
		Vendors: rn.vendors.credentials(),
	}
	if rn.opts.Seed {
		rn.seed(ctx, creds)
	}
	if ctx.Err() != nil {
		return // stopping
	}
	if err := creds.write(); err != nil {
		rn.con.printf("credentials: %v", err)
		return
	}
	rn.credentials = creds
	if rn.opts.Seed {
		rn.con.printf("seeded demo tenant and %d staff users in %d ms -> %s", len(creds.Staff), time.Since(start).Milliseconds(), creds.path)
	} else {
		rn.con.printf("credentials (no demo data: -no-seed) -> %s", creds.path)
	}
}

// seed creates the demo tenant and the staff users into creds.
func (rn *Runner) seed(ctx context.Context, creds *credentialsFile) {
	tenant, err := rn.seedDemoTenant(ctx)
	if ctx.Err() != nil {
		return // stopping
	}
	if err != nil {
		creds.Problems = append(creds.Problems, "demo tenant: "+err.Error())
		rn.con.printf("seed: demo tenant: %v", err)
	}
	creds.Tenant = tenant
	if err := rn.seedStaffUsers(ctx, creds); err != nil && ctx.Err() == nil {
		creds.Problems = append(creds.Problems, "staff: "+err.Error())
		rn.con.printf("seed: staff users: %v", err)
	}
}

// seedDemoTenant creates the demo tenant through the tenants domain, exactly as the
// staff API would, so its first key and audit entry are real.
func (rn *Runner) seedDemoTenant(ctx context.Context) (*TenantCredential, error) {
	table := rn.firstRef("AWS::DynamoDB::Table")
	if table == "" {
		return nil, fmt.Errorf("the template has no table")
	}
	db := dynamodb.NewFromConfig(rn.cfg)
	// Its events go to the outbox, which the stack's event-publisher function publishes.
	svc := tenants.NewService(store.New(db, table), audit.New(db, table), slog.New(slog.NewTextHandler(io.Discard, nil)))
	t, key, err := svc.CreateTenant(ctx, audit.Actor{Type: "system", ID: "local-runner"}, "Demo Exchange Ltd", "local demo")
	if err != nil {
		return nil, err
	}
	return &TenantCredential{ID: t.ID, Name: t.Name, KeyID: key.ID, APIKey: key.Secret}, nil
}

func (rn *Runner) seedStaffUsers(ctx context.Context, creds *credentialsFile) error {
	poolLogical := rn.firstID("AWS::Cognito::UserPool")
	if poolLogical == "" {
		return nil
	}
	creds.UserPoolID = rn.dep.Resources[poolLogical].Ref
	creds.Issuer = rn.dep.Resources[poolLogical].Attrs["ProviderURL"]
	var groups []string
	for id, res := range rn.dep.Template.Resources {
		if res.Type == "AWS::Cognito::UserPoolClient" && rn.dep.Resources[id].Ref != "" && creds.ClientID == "" {
			creds.ClientID = rn.dep.Resources[id].Ref
		}
		if res.Type == "AWS::Cognito::UserPoolGroup" && rn.dep.Resources[id].Ref != "" {
			groups = append(groups, rn.dep.Resources[id].Ref)
		}
	}
	sort.Strings(groups)
	if creds.ClientID == "" {
		return fmt.Errorf("the user pool has no client to sign in with")
	}
	s := &staffSeeder{idp: idp.NewFromConfig(rn.cfg), poolID: creds.UserPoolID, clientID: creds.ClientID, now: time.Now}
	staff, err := s.seedStaff(ctx, groups)
	creds.Staff = staff
	return err
}

func (rn *Runner) firstID(typ string) string {
	ids := sortedIDs(rn.dep.Resources, typ)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

func (rn *Runner) firstRef(typ string) string {
	id := rn.firstID(typ)
	if id == "" {
		return ""
	}
	return rn.dep.Resources[id].Ref
}

func (c *credentialsFile) write() error {
	if err := os.MkdirAll(filepath.Dir(c.path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, c.path)
}
