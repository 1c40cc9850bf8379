package onboarding

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/sanctions/sanctionstest"
	"github.com/chainfi/chainguard/shared/sumsub"
)

// TestNoDocumentNumberOrPlainIdentityIsStoredOrLogged onboards a user whose applicant is
// Sumsub's real API answer (the fixture, served by a fake Sumsub that also checks our
// request signatures), then reads every item of the table and every log line: the
// document number never appears, and neither do the names or the date of birth in clear.
func TestNoDocumentNumberOrPlainIdentityIsStoredOrLogged(t *testing.T) {
	dir := sanctionstest.Require(t)
	raw, err := os.ReadFile(filepath.Join(dir, "vendors", "sumsub", "applicant-one.json"))
	if err != nil {
		t.Skipf("Sumsub fixture not found: %v", err)
	}
	const docNumber = "Mock-LMWH2VPLUB"
	if !strings.Contains(string(raw), docNumber) {
		t.Fatalf("the fixture no longer holds %s: update the test", docNumber)
	}
	secret := []byte("app-secret")
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sumsub.VerifyRequest(secret, r.Header.Get("X-App-Access-Ts"), r.Method, r.URL.RequestURI(), nil, r.Header.Get("X-App-Access-Sig")) != nil {
			http.Error(w, `{"code":401}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("content-type", "application/json")
		_, _ = w.Write(raw) // completed, GREEN

	}))
	defer fake.Close()
	api, err := sumsub.NewClient(sumsub.Config{BaseURL: fake.URL, AppToken: "tok", SecretKey: secret})
	if err != nil {
		t.Fatal(err)
	}
	f := setup(t)
	u, applicant := f.consented(t, "t-min", "min1")
	f.svc.Vendors[VendorSumsub] = Sumsub{API: api}
	if err := f.svc.Process(context.Background(), reviewed(applicant, f.clock.now().Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	got := f.get(t, "t-min", u.ID)
	if got.Status != lifecycle.StatusActive {
		t.Fatalf("status %s (%s)", got.Status, got.StatusReason)
	}
	forbidden := []string{docNumber, "Mock-Doe", "2006-02-23", "Nguyen Van A", "idDocs", "ID_CARD"}
	var start map[string]types.AttributeValue
	items := 0
	for {
		page, err := f.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: &f.table, ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			items++
			dump := dumpItem(it)
			for _, s := range forbidden {
				if strings.Contains(dump, s) {
					t.Errorf("stored in clear: %q in %s", s, dump[:min(len(dump), 200)])
				}
			}
		}
		if page.LastEvaluatedKey == nil {
			break
		}
		start = page.LastEvaluatedKey
	}
	for _, s := range forbidden {
		if strings.Contains(f.logs.String(), s) {
			t.Errorf("logged: %q", s)
		}
	}
	t.Logf("%d items and %d bytes of logs searched", items, f.logs.Len())
}

func dumpItem(it map[string]types.AttributeValue) string {
	var b strings.Builder
	var walk func(v types.AttributeValue)
	walk = func(v types.AttributeValue) {
		switch x := v.(type) {
		case *types.AttributeValueMemberS:
			b.WriteString(x.Value + " ")
		case *types.AttributeValueMemberM:
			for k, e := range x.Value {
				b.WriteString(k + " ")
				walk(e)
			}
		case *types.AttributeValueMemberL:
			for _, e := range x.Value {
				walk(e)
			}
		case *types.AttributeValueMemberSS:
			b.WriteString(strings.Join(x.Value, " "))
		case *types.AttributeValueMemberB:
			b.Write(x.Value)
		}
	}
	for k, v := range it {
		b.WriteString(k + " ")
		walk(v)
	}
	return b.String()
}
