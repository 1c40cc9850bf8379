package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/chainfi/chainguard/infra/vendorsandbox"
)

// The identity vendors, locally: infra/vendorsandbox mounted on the runner's own server,
// the template's base-URL parameters pointing at it, and its per-run credentials written
// into the template's secrets, where the functions read them.
const (
	sumsubPrefix  = "/_vendors/sumsub"
	metamapPrefix = "/_vendors/metamap"

	sumsubURLParam  = "SumsubBaseUrl"
	metamapURLParam = "MetaMapBaseUrl"
	sumsubSecretID  = "SumsubSecret"  // logical id: JSON {"appToken","secretKey","webhookSecret"}
	metamapSecretID = "MetaMapSecret" // logical id: JSON {"clientId","clientSecret","webhookSecret"}
)

// vendors is the sandbox of one run and what it was given.
type vendors struct {
	sb         *vendorsandbox.Sandbox
	sec        vendorsandbox.Secrets
	sumsubURL  string // the Sumsub base URL: <runner>/_vendors/sumsub
	metamapURL string // the MetaMap base URL: <runner>/_vendors/metamap
}

// newVendors starts a sandbox with fresh credentials whose webhooks go to the runner's
// own API routes (/webhooks/sumsub, /webhooks/metamap) at base.
func newVendors(base string, logf func(string, ...any)) *vendors {
	v := &vendors{sec: vendorsandbox.NewSecrets(), sumsubURL: base + sumsubPrefix, metamapURL: base + metamapPrefix}
	cfg := vendorsandbox.Config{
		Sumsub: vendorsandbox.SumsubConfig{WebhookURL: base + "/webhooks/sumsub"},
		MetaMap: vendorsandbox.MetaMapConfig{
			WebhookURL: base + "/webhooks/metamap",
			BaseURL:    v.metamapURL, // the webhooks' resource URLs point back at the sandbox
		},
		Logf: logf,
	}
	v.sec.Apply(&cfg)
	v.sb = vendorsandbox.New(cfg)
	return v
}

// register mounts the two vendors. They stand in for outside services, so they take no
// X-Local-Control header: Sumsub checks its own request signature and MetaMap its OAuth
// token (its control call, local only, needs neither). The prefix is stripped; the Sumsub
// signature is still accepted over the full request URI, which is what our client signs.
func (v *vendors) register(mux *http.ServeMux) {
	mux.Handle(sumsubPrefix+"/", http.StripPrefix(sumsubPrefix, v.sb.SumsubHandler()))
	mux.Handle(metamapPrefix+"/", http.StripPrefix(metamapPrefix, v.sb.MetaMapHandler()))
}

// close waits for the webhooks under way; none is retried once closing.
func (v *vendors) close() { v.sb.Close() }

// params points the template's vendor base URLs, where it declares them, at the sandbox.
func (v *vendors) params(declared func(string) bool) map[string]string {
	out := map[string]string{}
	if declared(sumsubURLParam) {
		out[sumsubURLParam] = v.sumsubURL
	}
	if declared(metamapURLParam) {
		out[metamapURLParam] = v.metamapURL
	}
	return out
}

// VendorCredentials is the vendors object of credentials.json.
type VendorCredentials struct {
	Sumsub  SumsubCredential  `json:"sumsub"`
	MetaMap MetaMapCredential `json:"metamap"`
}

// SumsubCredential is the Sumsub sandbox and the app token that signs requests to it.
type SumsubCredential struct {
	BaseURL       string `json:"baseUrl"`
	AppToken      string `json:"appToken"`
	SecretKey     string `json:"secretKey"`
	WebhookSecret string `json:"webhookSecret"`
}

// MetaMapCredential is the MetaMap sandbox and its OAuth client.
type MetaMapCredential struct {
	BaseURL       string `json:"baseUrl"`
	ClientID      string `json:"clientId"`
	ClientSecret  string `json:"clientSecret"`
	WebhookSecret string `json:"webhookSecret"`
}

func (v *vendors) credentials() *VendorCredentials {
	return &VendorCredentials{
		Sumsub: SumsubCredential{
			BaseURL: v.sumsubURL, AppToken: v.sec.SumsubAppToken, SecretKey: v.sec.SumsubSecretKey,
			WebhookSecret: v.sec.SumsubWebhookSecret,
		},
		MetaMap: MetaMapCredential{
			BaseURL: v.metamapURL, ClientID: v.sec.MetaMapClientID, ClientSecret: v.sec.MetaMapClientSecret,
			WebhookSecret: v.sec.MetaMapWebhookSecret,
		},
	}
}

// vendorSecret is one of the template's vendor secrets and the sandbox's values for it.
type vendorSecret struct {
	logicalID string
	param     string // the base-URL parameter of the same vendor
	values    map[string]string
}

func (v *vendors) secrets() []vendorSecret {
	return []vendorSecret{
		{sumsubSecretID, sumsubURLParam, map[string]string{
			"appToken": v.sec.SumsubAppToken, "secretKey": v.sec.SumsubSecretKey, "webhookSecret": v.sec.SumsubWebhookSecret,
		}},
		{metamapSecretID, metamapURLParam, map[string]string{
			"clientId": v.sec.MetaMapClientID, "clientSecret": v.sec.MetaMapClientSecret, "webhookSecret": v.sec.MetaMapWebhookSecret,
		}},
	}
}

// writeVendorSecrets puts the sandbox's credentials into the template's vendor secrets,
// before any function starts: a function reads them at cold start. Other keys of a
// secret's JSON are kept. A vendor whose base URL is set with -param is not the sandbox,
// so its secret keeps the value it has.
func (rn *Runner) writeVendorSecrets(ctx context.Context) error {
	sm := secretsmanager.NewFromConfig(rn.cfg)
	for _, s := range rn.vendors.secrets() {
		ph, ok := rn.dep.Resources[s.logicalID]
		if !ok || ph.Type != "AWS::SecretsManager::Secret" || ph.Skipped || ph.Ref == "" {
			continue // a template without this vendor
		}
		if url, set := rn.opts.Params[s.param]; set {
			rn.con.printf("vendors: %s is %s (-param), not the sandbox: %s keeps its value", s.param, url, s.logicalID)
			continue
		}
		doc := map[string]any{}
		cur, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(ph.Ref)})
		if err != nil {
			return fmt.Errorf("vendor sandbox: read %s: %w", s.logicalID, err)
		}
		if json.Unmarshal([]byte(aws.ToString(cur.SecretString)), &doc) != nil || doc == nil {
			doc = map[string]any{} // not a JSON object: replaced by one
		}
		for k, val := range s.values {
			doc[k] = val
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(ph.Ref), SecretString: aws.String(string(b))}); err != nil {
			return fmt.Errorf("vendor sandbox: write %s: %w", s.logicalID, err)
		}
		rn.con.printf("vendors: the sandbox's credentials are in %s (%s)", s.logicalID, ph.Ref)
	}
	return nil
}

// vendorLines are the banner's lines for the sandbox: where each vendor is and how a
// review is decided. Never the credentials: they are in credentials.json.
func (rn *Runner) vendorLines(p func(string, ...any)) {
	if rn.vendors == nil {
		return
	}
	for _, l := range []struct{ label, url, param, hint string }{
		{"Sumsub sandbox", rn.vendors.sumsubURL, sumsubURLParam, "signed requests; POST .../resources/applicants/{id}/status/testCompleted decides a review"},
		{"MetaMap sandbox", rn.vendors.metamapURL, metamapURLParam, "POST .../_sandbox/metamap/verifications/{id}/complete decides one"},
	} {
		if url, set := rn.opts.Params[l.param]; set {
			l.hint = "the functions use " + url + " (-param " + l.param + ")"
		}
		p("%-15s %s   (%s)", l.label, l.url, l.hint)
	}
}
