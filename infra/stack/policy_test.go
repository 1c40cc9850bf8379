package stack

import "testing"

func TestOnlyTransportStatementsAreLeftOutLocally(t *testing.T) {
	deny := map[string]any{"Effect": "Deny", "Action": "s3:*", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}
	allow := map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": "1"}}}
	plain := map[string]any{"Effect": "Allow", "Action": "s3:PutObject"}
	if !onTransport(deny) {
		t.Error("the TLS-only deny was kept")
	}
	if onTransport(allow) || onTransport(plain) {
		t.Error("a statement without aws:SecureTransport was left out")
	}
}
