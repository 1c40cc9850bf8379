// Package platformtest builds a function's dependencies against the emulator for
// integration tests: a fresh table shaped like template.yaml's and a cursor secret in the
// emulator's Secrets Manager, wired by platform.Load from the same environment variables
// the template sets. It lives apart from platform so that function binaries never link
// test code.
package platformtest

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/platform"
)

// Deps returns dependencies over a fresh table. Call emulator.RunTests from TestMain.
// The store always signs cursors with a fresh random secret, read from the emulator's
// Secrets Manager the way a deployed function reads it (platform.WithCursors).
func Deps(t *testing.T, opts ...platform.Option) *platform.Deps {
	t.Helper()
	cfg := emulator.TestConfig(t)
	t.Setenv(config.EnvTable, stack.TestTable(t, cfg))
	t.Setenv(config.EnvCursorSecretARN, CursorSecret(t, cfg, RandomSecret(t, 64)))
	t.Setenv(config.EnvEventBus, "")
	t.Setenv(config.EnvLogLevel, "ERROR")
	d, err := platform.Load(context.Background(), append([]platform.Option{platform.WithCursors()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// CursorSecret stores value as a new secret in the emulator and returns its ARN; the
// secret is deleted when the test ends.
func CursorSecret(t *testing.T, cfg aws.Config, value string) string {
	t.Helper()
	sm := secretsmanager.NewFromConfig(cfg)
	out, err := sm.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
		Name:         aws.String("chainguard-test-cursor-key-" + RandomSecret(t, 12)),
		SecretString: aws.String(value),
	})
	if err != nil {
		t.Fatalf("create the cursor secret: %v", err)
	}
	t.Cleanup(func() {
		_, _ = sm.DeleteSecret(context.Background(), &secretsmanager.DeleteSecretInput{SecretId: out.ARN, ForceDeleteWithoutRecovery: aws.Bool(true)})
	})
	return aws.ToString(out.ARN)
}

// RandomSecret is n random letters and digits (5 bits each, from crypto/rand), like the
// secrets template.yaml's GenerateSecretString makes.
func RandomSecret(t *testing.T, n int) string {
	t.Helper()
	var s string
	for len(s) < n {
		s += rand.Text()
	}
	return s[:n]
}
