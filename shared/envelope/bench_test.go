package envelope

import (
	"bytes"
	"context"
	"testing"
)

// A ~200-byte record: a customer's personal fields serialised together.
var benchRecord = bytes.Repeat([]byte("Zoë Müller;1980-02-29;X1234567;"), 7)[:200]

// BenchmarkEncryptWarm measures Encrypt with the data key cached. Every DefaultMaxUses
// messages a GenerateDataKey goes to the emulator; kms-calls/op reports that share.
func BenchmarkEncryptWarm(b *testing.B) {
	key := newKMSKey(b)
	e := key.envelope(b)
	ctx := context.Background()
	mustEncrypt(b, e, testCtx, benchRecord)
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	before := key.calls.generated()
	for b.Loop() {
		if _, err := e.Encrypt(ctx, testCtx, benchRecord); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(key.calls.generated()-before)/float64(b.N), "kms-calls/op")
}

// BenchmarkDecryptWarm measures Decrypt with the data key cached.
func BenchmarkDecryptWarm(b *testing.B) {
	key := newKMSKey(b)
	e := key.envelope(b)
	ctx := context.Background()
	ct := mustEncrypt(b, e, testCtx, benchRecord)
	mustDecrypt(b, e, testCtx, ct)
	b.SetBytes(int64(len(benchRecord)))
	b.ReportAllocs()
	before := key.calls.decrypted()
	for b.Loop() {
		if _, err := e.Decrypt(ctx, testCtx, ct); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(key.calls.decrypted()-before)/float64(b.N), "kms-calls/op")
}
