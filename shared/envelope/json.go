package envelope

import (
	"context"
	"encoding/json"
	"fmt"
)

// EncryptJSON seals v's JSON encoding bound to ec, as EncryptString does: a record's
// personal fields stored as one attribute.
func EncryptJSON(ctx context.Context, e Encrypter, ec Context, v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("envelope: encode %s: %w", ec.Purpose, err)
	}
	out, err := EncryptString(ctx, e, ec, string(raw))
	if err != nil {
		return "", fmt.Errorf("envelope: encrypt %s: %w", ec.Purpose, err)
	}
	return out, nil
}

// DecryptJSON opens a message of EncryptJSON sealed under the same Context into v.
func DecryptJSON(ctx context.Context, e Encrypter, ec Context, message string, v any) error {
	raw, err := DecryptString(ctx, e, ec, message)
	if err != nil {
		return fmt.Errorf("envelope: decrypt %s: %w", ec.Purpose, err)
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return fmt.Errorf("envelope: decode %s: %w", ec.Purpose, err)
	}
	return nil
}
