package envelope

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/chainfi/chainguard/shared/emulator"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// kmsCounter counts the requests a KMS client sends, per operation, from an SDK
// middleware placed after the retry step: every attempt that reaches the wire counts.
type kmsCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *kmsCounter) addTo(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("CountKMSRequests",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			if c.calls == nil {
				c.calls = make(map[string]int)
			}
			c.calls[awsmiddleware.GetOperationName(ctx)]++
			c.mu.Unlock()
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

func (c *kmsCounter) get(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[op]
}

func (c *kmsCounter) generated() int { return c.get("GenerateDataKey") }
func (c *kmsCounter) decrypted() int { return c.get("Decrypt") }

// kmsKey is a fresh KMS key in the emulator with a client whose requests are counted.
type kmsKey struct {
	id     string
	arn    string
	admin  *kms.Client // uncounted, for setup
	client *kms.Client // counted, for the code under test
	calls  *kmsCounter
}

func newKMSKey(tb testing.TB) *kmsKey {
	tb.Helper()
	cfg := emulator.TestConfig(tb)
	admin := kms.NewFromConfig(cfg)
	out, err := admin.CreateKey(context.Background(), &kms.CreateKeyInput{
		KeySpec:     types.KeySpecSymmetricDefault,
		KeyUsage:    types.KeyUsageTypeEncryptDecrypt,
		Description: new("envelope test " + tb.Name()),
	})
	if err != nil {
		tb.Fatalf("create KMS key: %v", err)
	}
	k := &kmsKey{id: *out.KeyMetadata.KeyId, arn: *out.KeyMetadata.Arn, admin: admin, calls: &kmsCounter{}}
	tb.Cleanup(func() {
		_, err := admin.ScheduleKeyDeletion(context.Background(), &kms.ScheduleKeyDeletionInput{KeyId: &k.id, PendingWindowInDays: new(int32(7))})
		if err != nil {
			tb.Logf("schedule deletion of KMS key %s: %v", k.id, err)
		}
	})
	k.client = kms.NewFromConfig(cfg, func(o *kms.Options) { o.APIOptions = append(o.APIOptions, k.calls.addTo) })
	return k
}

// envelope builds an Envelope over the counted client.
func (k *kmsKey) envelope(tb testing.TB, opts ...Option) *Envelope {
	tb.Helper()
	e, err := New(k.client, k.id, opts...)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return e
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func mustEncrypt(tb testing.TB, e Encrypter, ec Context, plaintext []byte) []byte {
	tb.Helper()
	ct, err := e.Encrypt(context.Background(), ec, plaintext)
	if err != nil {
		tb.Fatalf("Encrypt(%+v): %v", ec, err)
	}
	return ct
}

func mustDecrypt(tb testing.TB, e Encrypter, ec Context, ciphertext []byte) []byte {
	tb.Helper()
	pt, err := e.Decrypt(context.Background(), ec, ciphertext)
	if err != nil {
		tb.Fatalf("Decrypt(%+v): %v", ec, err)
	}
	return pt
}

// edkOf returns the encrypted data key inside a message.
func edkOf(tb testing.TB, ciphertext []byte) string {
	tb.Helper()
	m, err := decode(ciphertext)
	if err != nil {
		tb.Fatalf("decode: %v", err)
	}
	return string(m.edk)
}

var testCtx = Context{Tenant: "tenant-1", Record: "customer-42", Purpose: "kyc.document_number"}
