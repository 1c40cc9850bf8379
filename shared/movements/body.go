package movements

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// maxBody keeps a decision or evaluation item under DynamoDB's 400 KB item limit.
const maxBody = 300 << 10

// encodeBody stores a decision or evaluation as gzip'd JSON (decisions repeat list names,
// values and windows: they shrink tenfold). A body still too large after that keeps its
// outcome, hits, errors, rules and input and drops the per-hit copies and the list
// answers, flagged recordTruncated (a replay of it answers from what is left).
func encodeBody(v any) (string, error) {
	out, err := gz(v)
	if err != nil || len(out) <= maxBody {
		return out, err
	}
	switch x := v.(type) {
	case Decision:
		x.Decision = trimmed(x.Decision)
		x.RecordTruncated = true
		out, err = gz(x)
	case Evaluation:
		x.Decision = trimmed(x.Decision)
		x.RecordTruncated = true
		out, err = gz(x)
	}
	if err == nil && len(out) > maxBody {
		return "", fmt.Errorf("movements: a decision record of %d bytes", len(out))
	}
	return out, err
}

func gz(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(raw); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return "gz:" + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

func decodeBody(s string, v any) error {
	rest, ok := strings.CutPrefix(s, "gz:")
	if !ok {
		return json.Unmarshal([]byte(s), v)
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return err
	}
	r, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	plain, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(plain, v)
}
