package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/chainfi/chainguard/shared/sumsub"
)

// testVendors checks the vendor sandbox of a started runner: credentials.json names it,
// our Sumsub client built from that file creates and reads an applicant through the
// runner, MetaMap takes the OAuth client, the functions get the sandbox's base URLs, and
// the template's secrets hold what credentials.json says.
func testVendors(t *testing.T, rn *Runner) {
	ctx := context.Background()
	if rn.credentials == nil {
		t.Fatal("no credentials.json written")
	}
	raw, err := os.ReadFile(rn.credentials.path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(rn.credentials.path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials.json mode: %v %v, want 0600", fi.Mode(), err)
	}
	var file struct {
		APIURL  string            `json:"apiUrl"`
		Vendors VendorCredentials `json:"vendors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	ss, mm := file.Vendors.Sumsub, file.Vendors.MetaMap
	if file.APIURL != rn.URL() || ss.BaseURL != rn.URL()+"/_vendors/sumsub" || mm.BaseURL != rn.URL()+"/_vendors/metamap" ||
		ss.AppToken == "" || ss.SecretKey == "" || ss.WebhookSecret == "" || mm.ClientID == "" || mm.ClientSecret == "" || mm.WebhookSecret == "" {
		t.Fatalf("credentials.json = %s", raw)
	}

	t.Run("a Sumsub client built from credentials.json creates and reads an applicant through the runner", func(t *testing.T) {
		c, err := sumsub.NewClient(sumsub.Config{BaseURL: ss.BaseURL, AppToken: ss.AppToken, SecretKey: []byte(ss.SecretKey), Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ext := fmt.Sprintf("user-%d", time.Now().UnixNano())
		created, err := c.CreateApplicant(ctx, ext, sumsub.ApplicantIndividual, "basic-kyc-level")
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.GetApplicant(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		byExt, err := c.GetApplicantByExternalUserID(ctx, ext)
		if err != nil {
			t.Fatal(err)
		}
		if created.ID == "" || got.ID != created.ID || got.ExternalUserID != ext || got.LevelName != "basic-kyc-level" || byExt.ID != created.ID {
			t.Errorf("created %+v, read back %+v and %+v", created, got, byExt)
		}
		wrong, _ := sumsub.NewClient(sumsub.Config{BaseURL: ss.BaseURL, AppToken: ss.AppToken, SecretKey: []byte("not-the-key"), MaxRetries: -1})
		var apiErr *sumsub.APIError
		if _, err := wrong.GetApplicant(ctx, created.ID); !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
			t.Errorf("a request signed with another key: %v, want the sandbox's 401", err)
		}
	})

	t.Run("MetaMap takes the OAuth client of credentials.json", func(t *testing.T) {
		req, _ := http.NewRequest("POST", mm.BaseURL+"/oauth", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(mm.ClientID, mm.ClientSecret)
		resp, body := do(t, req)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"access_token"`) {
			t.Errorf("POST /oauth = %d %s", resp.StatusCode, body)
		}
	})

	t.Run("the functions get the sandbox's base URLs", func(t *testing.T) {
		resp, body := do(t, mustRequest("GET", rn.URL()+"/items/1"))
		var got struct {
			Env map[string]string `json:"env"`
		}
		if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if got.Env["SUMSUB_BASE_URL"] != ss.BaseURL || got.Env["METAMAP_BASE_URL"] != mm.BaseURL {
			t.Errorf("environment = %v", got.Env)
		}
	})

	t.Run("the template's secrets hold the values of credentials.json", func(t *testing.T) {
		sm := secretsmanager.NewFromConfig(rn.cfg)
		for id, want := range map[string]map[string]string{
			"SumsubSecret":  {"appToken": ss.AppToken, "secretKey": ss.SecretKey, "webhookSecret": ss.WebhookSecret},
			"MetaMapSecret": {"clientId": mm.ClientID, "clientSecret": mm.ClientSecret, "webhookSecret": mm.WebhookSecret},
		} {
			out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(rn.dep.Resources[id].Ref)})
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &got); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s holds %v, want %v", id, got, want)
			}
		}
	})

	t.Run("the banner names the base URLs, never the credentials", func(t *testing.T) {
		var lines strings.Builder
		rn.vendorLines(func(f string, a ...any) { fmt.Fprintf(&lines, f+"\n", a...) })
		if !strings.Contains(lines.String(), ss.BaseURL) || !strings.Contains(lines.String(), mm.BaseURL) {
			t.Errorf("banner lines:\n%s", lines.String())
		}
		for _, secret := range []string{ss.AppToken, ss.SecretKey, ss.WebhookSecret, mm.ClientID, mm.ClientSecret, mm.WebhookSecret} {
			if strings.Contains(lines.String(), secret) {
				t.Errorf("the banner shows a credential:\n%s", lines.String())
			}
		}
	})
}

// TestTheServerAnswers503WhileStarting: the address is taken before the build (the
// parameters name it), and until the routes are installed a request is told why.
func TestTheServerAnswers503WhileStarting(t *testing.T) {
	rn := &Runner{opts: Options{Addr: "127.0.0.1:0"}}
	if err := rn.listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rn.Close)
	resp, err := http.Get(rn.URL() + "/anything")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "starting") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}
