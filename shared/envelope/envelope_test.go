package envelope

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
)

func TestEncryptThenDecryptReturnsThePlaintext(t *testing.T) {
	key := newKMSKey(t)
	e := key.envelope(t)
	for _, tc := range []struct {
		name      string
		plaintext []byte
	}{
		{"an empty field round-trips", []byte{}},
		{"a one-byte field round-trips", []byte{'x'}},
		{"a 200-byte record round-trips", bytes.Repeat([]byte("r"), 200)},
		{"a 64 KiB document round-trips", bytes.Repeat([]byte{0, 1, 2, 3}, 16<<10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := mustEncrypt(t, e, testCtx, tc.plaintext)
			m, err := decode(ct)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if ct[0] != version1 {
				t.Errorf("version byte = %#x, want %#x", ct[0], version1)
			}
			if want := 1 + 2 + len(m.edk) + nonceSize + len(tc.plaintext) + tagSize; len(ct) != want {
				t.Errorf("message is %d bytes, want %d", len(ct), want)
			}
			if len(tc.plaintext) >= 8 && bytes.Contains(ct, tc.plaintext) {
				t.Error("message contains the plaintext")
			}
			if got := mustDecrypt(t, e, testCtx, ct); !bytes.Equal(got, tc.plaintext) {
				t.Errorf("Decrypt = %q, want %q", got, tc.plaintext)
			}
		})
	}
}

func TestTwoEncryptionsOfOneValueDiffer(t *testing.T) {
	e := newKMSKey(t).envelope(t)
	a := mustEncrypt(t, e, testCtx, []byte("same"))
	b := mustEncrypt(t, e, testCtx, []byte("same"))
	if bytes.Equal(a, b) {
		t.Fatal("two encryptions under one cached key are identical: the nonce is not random")
	}
}

func TestStringHelpersRoundTripThroughBase64(t *testing.T) {
	e := newKMSKey(t).envelope(t)
	ctx := context.Background()
	s, err := EncryptString(ctx, e, testCtx, "Zoë Müller, passport X1234567")
	if err != nil {
		t.Fatalf("EncryptString: %v", err)
	}
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		t.Fatalf("EncryptString gave no standard base64: %v", err)
	}
	got, err := DecryptString(ctx, e, testCtx, s)
	if err != nil || got != "Zoë Müller, passport X1234567" {
		t.Fatalf("DecryptString = %q, %v", got, err)
	}
	for _, bad := range []string{"not base64!", s[:len(s)-1], ""} {
		if _, err := DecryptString(ctx, e, testCtx, bad); !errors.Is(err, ErrFormat) {
			t.Errorf("DecryptString(%q) error = %v, want ErrFormat", bad, err)
		}
	}
}

func TestEveryFormOfKeyIDWorks(t *testing.T) {
	key := newKMSKey(t)
	alias := "alias/envelope-" + key.id
	if _, err := key.admin.CreateAlias(context.Background(), &kms.CreateAliasInput{AliasName: &alias, TargetKeyId: &key.id}); err != nil {
		t.Fatalf("CreateAlias: %v", err)
	}
	aliasARN := strings.Replace(key.arn, ":key/"+key.id, ":"+alias, 1)
	for _, tc := range []struct{ name, keyID string }{
		{"a key id works", key.id},
		{"a key ARN works", key.arn},
		{"an alias name works", alias},
		{"an alias ARN works", aliasARN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := New(key.client, tc.keyID)
			if err != nil {
				t.Fatal(err)
			}
			dec, _ := New(key.client, tc.keyID) // cold cache: Decrypt goes to KMS
			ct := mustEncrypt(t, enc, testCtx, []byte("v"))
			if got := mustDecrypt(t, dec, testCtx, ct); string(got) != "v" {
				t.Fatalf("Decrypt = %q", got)
			}
		})
	}
}

func TestAMessageMovedToAnotherContextIsRefused(t *testing.T) {
	key := newKMSKey(t)
	writer := key.envelope(t)
	ct := mustEncrypt(t, writer, testCtx, []byte("secret"))
	for _, tc := range []struct {
		name string
		ec   Context
		// kmsRefuses: the KMS context differs, so KMS itself must refuse the data key.
		kmsRefuses bool
	}{
		{"a message moved to another tenant is refused", Context{"tenant-2", testCtx.Record, testCtx.Purpose}, true},
		{"a message moved to another record is refused", Context{testCtx.Tenant, "customer-43", testCtx.Purpose}, false},
		{"a message moved to another purpose is refused", Context{testCtx.Tenant, testCtx.Record, "kyc.address"}, true},
		{"a message whose record and tenant are swapped is refused", Context{testCtx.Record, testCtx.Tenant, testCtx.Purpose}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Warm: the writer holds the data key in both caches.
			if _, err := writer.Decrypt(context.Background(), tc.ec, ct); !errors.Is(err, ErrDecrypt) {
				t.Errorf("warm Decrypt error = %v, want ErrDecrypt", err)
			}
			// Cold: a new process must go through KMS Decrypt.
			before := key.calls.decrypted()
			_, err := key.envelope(t).Decrypt(context.Background(), tc.ec, ct)
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("cold Decrypt error = %v, want ErrDecrypt", err)
			}
			if key.calls.decrypted() != before+1 {
				t.Errorf("cold Decrypt made %d KMS Decrypt calls, want 1", key.calls.decrypted()-before)
			}
			var invalid *types.InvalidCiphertextException
			if got := errors.As(err, &invalid); got != tc.kmsRefuses {
				t.Errorf("KMS refused the data key: %v, want %v (error: %v)", got, tc.kmsRefuses, err)
			}
		})
	}
}

// moto serialises the KMS encryption context as sorted key+value strings concatenated
// without separators, so {purpose: "a", tenant: "tenantb"} and {purpose: "atenant",
// tenant: "b"} are one context to moto ("purposeatenanttenantb"). Real KMS tells them apart.
// Our length-prefixed AAD must refuse the move whatever the KMS does.
func TestAMessageMovedBetweenContextsThatMotoConfusesIsStillRefused(t *testing.T) {
	key := newKMSKey(t)
	from := Context{Tenant: "tenantb", Record: "r1", Purpose: "a"}
	to := Context{Tenant: "b", Record: "r1", Purpose: "atenant"}
	ct := mustEncrypt(t, key.envelope(t), from, []byte("secret"))

	_, err := key.envelope(t).Decrypt(context.Background(), to, ct)
	if !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Decrypt error = %v, want ErrDecrypt", err)
	}
	var invalid *types.InvalidCiphertextException
	if errors.As(err, &invalid) {
		t.Logf("the emulator's KMS refused the data key itself: %v", err)
	} else {
		t.Logf("the emulator's KMS accepted the data key under a different context; the GCM tag refused the message: %v", err)
	}
}

func TestATamperedMessageIsRefused(t *testing.T) {
	key := newKMSKey(t)
	e := key.envelope(t)
	ct := mustEncrypt(t, e, testCtx, bytes.Repeat([]byte("p"), 200))
	n := len(edkOf(t, ct))
	hdr := 3 + n
	for _, tc := range []struct {
		name       string
		offset     int
		wantFormat bool
	}{
		{"a changed version byte is refused as malformed", 0, true},
		{"a changed high byte of the key length is refused as malformed", 1, true},
		{"a changed low byte of the key length is refused", 2, false},
		{"a changed first byte of the encrypted data key is refused", 3, false},
		{"a changed middle byte of the encrypted data key is refused", 3 + n/2, false},
		{"a changed last byte of the encrypted data key is refused", hdr - 1, false},
		{"a changed nonce is refused", hdr, false},
		{"a changed last nonce byte is refused", hdr + nonceSize - 1, false},
		{"a changed body is refused", hdr + nonceSize + 100, false},
		{"a changed tag is refused", len(ct) - 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := bytes.Clone(ct)
			bad[tc.offset] ^= 0x80
			_, err := e.Decrypt(context.Background(), testCtx, bad)
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("Decrypt error = %v, want ErrDecrypt", err)
			}
			if tc.wantFormat && !errors.Is(err, ErrFormat) {
				t.Fatalf("Decrypt error = %v, want ErrFormat", err)
			}
		})
	}
	t.Run("every single-bit change after the data key is refused", func(t *testing.T) {
		before := key.calls.decrypted()
		for i := hdr; i < len(ct); i++ {
			for bit := range 8 {
				bad := bytes.Clone(ct)
				bad[i] ^= 1 << bit
				if _, err := e.Decrypt(context.Background(), testCtx, bad); !errors.Is(err, ErrDecrypt) {
					t.Fatalf("bit %d of byte %d: error = %v, want ErrDecrypt", bit, i, err)
				}
			}
		}
		if d := key.calls.decrypted() - before; d != 0 {
			t.Errorf("%d KMS Decrypt calls for messages whose data key is cached", d)
		}
	})
	// moto's data-key blob starts with the KMS key id in clear (36 bytes); a changed byte
	// there names a key that does not exist and moto answers AccessDeniedException, which is
	// a permission error, not ErrDecrypt. Real KMS answers InvalidCiphertextException. The
	// message is refused either way, which is what this asserts.
	t.Run("every changed byte of the data key is refused", func(t *testing.T) {
		other := 0
		for i := 3; i < hdr; i++ {
			bad := bytes.Clone(ct)
			bad[i] ^= 0x01
			_, err := e.Decrypt(context.Background(), testCtx, bad)
			if err == nil {
				t.Fatalf("byte %d of the data key changed, yet Decrypt succeeded", i)
			}
			if !errors.Is(err, ErrDecrypt) {
				other++
				var api smithy.APIError
				if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" {
					t.Errorf("byte %d of the data key changed: error = %v, want ErrDecrypt", i, err)
				}
			}
		}
		t.Logf("of %d changed data-key bytes, %d were refused by the emulator's KMS with AccessDeniedException rather than InvalidCiphertextException", hdr-3, other)
	})
}

func TestATruncatedMessageIsRefused(t *testing.T) {
	key := newKMSKey(t)
	e := key.envelope(t)
	ct := mustEncrypt(t, e, testCtx, []byte("a short field"))
	hdr := 3 + len(edkOf(t, ct))
	before := key.calls.decrypted()
	for n := range len(ct) {
		_, err := e.Decrypt(context.Background(), testCtx, ct[:n])
		if !errors.Is(err, ErrDecrypt) {
			t.Fatalf("%d of %d bytes: error = %v, want ErrDecrypt", n, len(ct), err)
		}
		if n < hdr+nonceSize+tagSize && !errors.Is(err, ErrFormat) {
			t.Fatalf("%d of %d bytes: error = %v, want ErrFormat", n, len(ct), err)
		}
	}
	if d := key.calls.decrypted() - before; d != 0 {
		t.Errorf("truncated messages cost %d KMS calls, want 0", d)
	}
}

func TestAnUnknownVersionIsRefusedWithoutCallingKMS(t *testing.T) {
	key := newKMSKey(t)
	e := key.envelope(t)
	ct := mustEncrypt(t, e, testCtx, []byte("v"))
	for _, v := range []byte{0x00, 0x02, 0x7f, 0xff} {
		t.Run(fmt.Sprintf("version %#x is refused", v), func(t *testing.T) {
			bad := bytes.Clone(ct)
			bad[0] = v
			_, err := key.envelope(t).Decrypt(context.Background(), testCtx, bad)
			if !errors.Is(err, ErrFormat) || !errors.Is(err, ErrDecrypt) {
				t.Fatalf("error = %v, want ErrFormat and ErrDecrypt", err)
			}
		})
	}
	if key.calls.decrypted() != 0 {
		t.Errorf("%d KMS Decrypt calls, want 0", key.calls.decrypted())
	}
}

func TestAnIncompleteContextIsRefusedWithoutCallingKMS(t *testing.T) {
	key := newKMSKey(t)
	e := key.envelope(t)
	ct := mustEncrypt(t, e, testCtx, []byte("v"))
	for _, tc := range []struct {
		name string
		ec   Context
	}{
		{"a context without tenant is refused", Context{"", "r", "p"}},
		{"a context without record is refused", Context{"t", "", "p"}},
		{"a context without purpose is refused", Context{"t", "r", ""}},
		{"a context with invalid UTF-8 is refused", Context{"t\xff", "r", "p"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.Encrypt(context.Background(), tc.ec, []byte("v")); !errors.Is(err, ErrInvalidContext) {
				t.Errorf("Encrypt error = %v, want ErrInvalidContext", err)
			}
			if _, err := e.Decrypt(context.Background(), tc.ec, ct); !errors.Is(err, ErrInvalidContext) {
				t.Errorf("Decrypt error = %v, want ErrInvalidContext", err)
			}
		})
	}
	if g, d := key.calls.generated(), key.calls.decrypted(); g != 1 || d != 0 {
		t.Errorf("KMS calls: %d GenerateDataKey, %d Decrypt; want 1 and 0", g, d)
	}
}

func TestNewRefusesInvalidSettings(t *testing.T) {
	key := newKMSKey(t)
	for _, tc := range []struct {
		name  string
		keyID string
		opts  []Option
	}{
		{"an empty key id is refused", "", nil},
		{"a zero max age is refused", key.id, []Option{WithMaxAge(0)}},
		{"a zero use limit is refused", key.id, []Option{WithMaxUses(0)}},
		{"a use limit beyond 2^32 is refused", key.id, []Option{WithMaxUses(1<<32 + 1)}},
		{"zero entries are refused", key.id, []Option{WithMaxEntries(0)}},
		{"a nil clock is refused", key.id, []Option{WithClock(nil)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(key.client, tc.keyID, tc.opts...); err == nil {
				t.Fatal("New succeeded")
			}
		})
	}
	if _, err := New(nil, key.id); err == nil {
		t.Error("New with a nil client succeeded")
	}
}

func TestAKeyOlderThanMaxAgeIsReplaced(t *testing.T) {
	key := newKMSKey(t)
	clock := newFakeClock()
	e := key.envelope(t, WithClock(clock.Now), WithMaxAge(5*time.Minute))

	first := mustEncrypt(t, e, testCtx, []byte("1"))
	clock.Advance(5*time.Minute - time.Nanosecond)
	second := mustEncrypt(t, e, testCtx, []byte("2"))
	if edkOf(t, first) != edkOf(t, second) || key.calls.generated() != 1 {
		t.Fatalf("a key younger than max age was replaced (%d GenerateDataKey calls)", key.calls.generated())
	}
	mustDecrypt(t, e, testCtx, first)
	if key.calls.decrypted() != 0 {
		t.Fatalf("reading back a fresh key cost %d KMS Decrypt calls", key.calls.decrypted())
	}

	clock.Advance(time.Nanosecond)
	third := mustEncrypt(t, e, testCtx, []byte("3"))
	if edkOf(t, third) == edkOf(t, first) || key.calls.generated() != 2 {
		t.Fatalf("a key of max age was reused (%d GenerateDataKey calls)", key.calls.generated())
	}
	// The decryption entry of the first key has expired too: KMS is asked again, once.
	mustDecrypt(t, e, testCtx, first)
	mustDecrypt(t, e, testCtx, second)
	if key.calls.decrypted() != 1 {
		t.Fatalf("an expired decryption key cost %d KMS Decrypt calls, want 1", key.calls.decrypted())
	}
}

func TestAKeyIsRetiredAfterMaxUses(t *testing.T) {
	key := newKMSKey(t)
	e := key.envelope(t, WithMaxUses(3))
	var edks []string
	for i := range 7 {
		edks = append(edks, edkOf(t, mustEncrypt(t, e, testCtx, fmt.Appendf(nil, "%d", i))))
	}
	if g := key.calls.generated(); g != 3 {
		t.Fatalf("7 messages at 3 per key cost %d GenerateDataKey calls, want 3", g)
	}
	for i := range edks {
		if same := edks[i] == edks[i/3*3]; !same {
			t.Errorf("message %d does not share the key of message %d", i, i/3*3)
		}
		if i%3 == 0 && i > 0 && edks[i] == edks[i-1] {
			t.Errorf("message %d reuses the key of message %d beyond its limit", i, i-1)
		}
	}
	// The use limit does not apply to decryption: a cold reader pays one Decrypt per key.
	reader := key.envelope(t, WithMaxUses(1))
	ct := mustEncrypt(t, e, testCtx, []byte("x")) // the 8th message: third key, second use
	before := key.calls.decrypted()
	for range 5 {
		mustDecrypt(t, reader, testCtx, ct)
	}
	if d := key.calls.decrypted() - before; d != 1 {
		t.Errorf("5 decryptions of one message cost %d KMS Decrypt calls, want 1", d)
	}
}

func TestTheLeastRecentlyUsedKeyIsEvicted(t *testing.T) {
	key := newKMSKey(t)
	e := key.envelope(t, WithMaxEntries(2))
	ctxFor := func(tenant string) Context { return Context{Tenant: tenant, Record: "r", Purpose: "p"} }
	steps := []struct {
		tenant    string
		generated int // GenerateDataKey calls so far
	}{
		{"a", 1}, {"b", 2},
		{"a", 2}, // hit; a is now most recent
		{"c", 3}, // evicts b
		{"a", 3}, // still cached
		{"b", 4}, // was evicted; evicts c
		{"c", 5}, // was evicted; evicts a
		{"b", 5}, // still cached
	}
	for i, s := range steps {
		mustEncrypt(t, e, ctxFor(s.tenant), []byte("v"))
		if g := key.calls.generated(); g != s.generated {
			t.Fatalf("step %d (tenant %s): %d GenerateDataKey calls, want %d", i, s.tenant, g, s.generated)
		}
		if n := e.enc.len(); n > 2 {
			t.Fatalf("step %d: encryption cache holds %d keys, bound is 2", i, n)
		}
		if n := e.dec.len(); n > 2 {
			t.Fatalf("step %d: decryption cache holds %d keys, bound is 2", i, n)
		}
	}
}

// The requirement: in a warm process, 1,000 records of one tenant and purpose cost at most
// two KMS calls to encrypt and at most two to decrypt, counted on the wire.
func TestAThousandRecordsCostAtMostTwoKMSCallsEachWay(t *testing.T) {
	key := newKMSKey(t)
	writer := key.envelope(t)
	const records = 1000
	cts := make([][]byte, records)
	for i := range records {
		ec := Context{Tenant: "tenant-1", Record: fmt.Sprintf("customer-%04d", i), Purpose: "kyc.document_number"}
		cts[i] = mustEncrypt(t, writer, ec, fmt.Appendf(nil, "document of customer %d", i))
	}
	gen := key.calls.generated()
	t.Logf("encrypting %d records: %d GenerateDataKey, %d Decrypt calls", records, gen, key.calls.decrypted())
	if gen > 2 || key.calls.decrypted() != 0 {
		t.Errorf("encrypting %d records cost %d GenerateDataKey and %d Decrypt calls, want at most 2 in all", records, gen, key.calls.decrypted())
	}

	reader := key.envelope(t) // another process: nothing cached
	for i, ct := range cts {
		ec := Context{Tenant: "tenant-1", Record: fmt.Sprintf("customer-%04d", i), Purpose: "kyc.document_number"}
		if got, want := string(mustDecrypt(t, reader, ec, ct)), fmt.Sprintf("document of customer %d", i); got != want {
			t.Fatalf("record %d: Decrypt = %q, want %q", i, got, want)
		}
	}
	dec := key.calls.decrypted()
	t.Logf("decrypting %d records in a cold reader: %d Decrypt calls", records, dec)
	if dec > 2 || key.calls.generated() != gen {
		t.Errorf("decrypting %d records cost %d Decrypt and %d GenerateDataKey calls, want at most 2 in all", records, dec, key.calls.generated()-gen)
	}

	for i, ct := range cts {
		ec := Context{Tenant: "tenant-1", Record: fmt.Sprintf("customer-%04d", i), Purpose: "kyc.document_number"}
		mustDecrypt(t, writer, ec, ct)
	}
	if d := key.calls.decrypted() - dec; d != 0 {
		t.Errorf("the writer reading back its own records cost %d KMS Decrypt calls, want 0", d)
	}
}

func TestConcurrentUseIsSafeAndSharesKMSCalls(t *testing.T) {
	key := newKMSKey(t)
	writer, reader := key.envelope(t), key.envelope(t)
	tenants := []string{"t1", "t2", "t3"}
	const workers, perWorker = 16, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				ec := Context{Tenant: tenants[(w+i)%len(tenants)], Record: fmt.Sprintf("w%d-r%d", w, i), Purpose: "p"}
				want := fmt.Sprintf("value %d/%d", w, i)
				ct, err := writer.Encrypt(context.Background(), ec, []byte(want))
				if err != nil {
					errs <- err
					return
				}
				for _, e := range []*Envelope{writer, reader} {
					got, err := e.Decrypt(context.Background(), ec, ct)
					if err != nil || string(got) != want {
						errs <- fmt.Errorf("Decrypt = %q, %v; want %q", got, err, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Concurrent misses share one call, so one key per tenant each way.
	if g, d := key.calls.generated(), key.calls.decrypted(); g != len(tenants) || d != len(tenants) {
		t.Errorf("%d GenerateDataKey and %d Decrypt calls for %d tenants, want one each per tenant", g, d, len(tenants))
	}
}

func TestAWaitingCallerGivesUpWhenItsContextEnds(t *testing.T) {
	c := newKeyCache(time.Now, time.Minute, 0, 10)
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_, _ = c.acquire(context.Background(), []byte("id"), func(context.Context) (*dataKey, error) {
			close(started)
			<-release
			return &dataKey{created: time.Now()}, nil
		})
	}()
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.acquire(ctx, []byte("id"), func(context.Context) (*dataKey, error) {
		t.Error("a second fetch started while the first was in flight")
		return nil, errors.New("unreachable")
	})
	close(release)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestAFailedFetchIsNotCached(t *testing.T) {
	c := newKeyCache(time.Now, time.Minute, 0, 10)
	boom := errors.New("kms down")
	if _, err := c.acquire(context.Background(), []byte("id"), func(context.Context) (*dataKey, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("error = %v, want %v", err, boom)
	}
	k, err := c.acquire(context.Background(), []byte("id"), func(context.Context) (*dataKey, error) {
		return &dataKey{created: time.Now()}, nil
	})
	if err != nil || k == nil {
		t.Fatalf("second acquire = %v, %v", k, err)
	}
}
