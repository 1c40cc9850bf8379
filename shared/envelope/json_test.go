package envelope

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

type identity struct {
	Name     string   `json:"name"`
	Document string   `json:"document"`
	Aliases  []string `json:"aliases,omitempty"`
}

func TestAValueSealedAsJSONOpensOnlyUnderItsContext(t *testing.T) {
	key := newKMSKey(t)
	e := key.envelope(t)
	ctx := context.Background()
	in := identity{Name: "Zoë Müller", Document: "X1234567", Aliases: []string{"Z. Müller"}}
	msg, err := EncryptJSON(ctx, e, testCtx, in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(msg, "X1234567") {
		t.Fatal("the message holds the plaintext")
	}
	// The message is EncryptString's: what DecryptString opens is the JSON.
	if raw, err := DecryptString(ctx, e, testCtx, msg); err != nil || !json.Valid([]byte(raw)) {
		t.Fatalf("DecryptString: %q %v", raw, err)
	}
	// Another process opens it.
	var out identity
	if err := DecryptJSON(ctx, key.envelope(t), testCtx, msg, &out); err != nil || out.Name != in.Name || out.Document != in.Document || len(out.Aliases) != 1 {
		t.Fatalf("DecryptJSON: %+v %v", out, err)
	}
	// Moved to another record: refused, naming the purpose, and v is left as it was.
	moved := identity{Name: "untouched"}
	err = DecryptJSON(ctx, e, Context{testCtx.Tenant, "customer-43", testCtx.Purpose}, msg, &moved)
	if !errors.Is(err, ErrDecrypt) || !strings.Contains(err.Error(), testCtx.Purpose) || moved.Name != "untouched" {
		t.Fatalf("moved: %v, %+v", err, moved)
	}
	if err := DecryptJSON(ctx, e, testCtx, "not base64!", &moved); !errors.Is(err, ErrFormat) {
		t.Fatalf("malformed: %v", err)
	}
}

func TestWhatIsNotJSONIsRefusedWithoutKMS(t *testing.T) {
	key := newKMSKey(t)
	e := key.envelope(t)
	ctx := context.Background()
	var ute *json.UnsupportedTypeError
	if _, err := EncryptJSON(ctx, e, testCtx, map[string]any{"f": func() {}}); !errors.As(err, &ute) || key.calls.generated() != 0 {
		t.Fatalf("a func: %v, %d KMS calls", err, key.calls.generated())
	}
	// A sealed string that is not JSON opens, but does not decode.
	msg, err := EncryptString(ctx, e, testCtx, "plain text")
	if err != nil {
		t.Fatal(err)
	}
	var out identity
	var se *json.SyntaxError
	if err := DecryptJSON(ctx, e, testCtx, msg, &out); !errors.As(err, &se) || errors.Is(err, ErrDecrypt) {
		t.Fatalf("not JSON: %v", err)
	}
}
