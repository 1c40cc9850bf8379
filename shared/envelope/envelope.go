package envelope

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMSAPI is the part of KMS this package uses; *kms.Client satisfies it.
type KMSAPI interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// Encrypter seals and opens fields bound to a Context. Other packages depend on this
// interface rather than on *Envelope.
type Encrypter interface {
	Encrypt(ctx context.Context, ec Context, plaintext []byte) ([]byte, error)
	Decrypt(ctx context.Context, ec Context, ciphertext []byte) ([]byte, error)
}

var _ Encrypter = (*Envelope)(nil)

// Defaults of the cache limits.
const (
	DefaultMaxAge     = 5 * time.Minute
	DefaultMaxUses    = 10_000
	DefaultMaxEntries = 1_000
)

// maxUsesLimit keeps random 96-bit nonces within the 2^32 messages per key that NIST
// SP 800-38D allows.
const maxUsesLimit = 1 << 32

const dataKeySize = 32 // AES-256

// Envelope is the KMS envelope encrypter. It is safe for concurrent use; build one per
// process and share it.
type Envelope struct {
	kms   KMSAPI
	keyID string
	enc   *keyCache // by partition
	dec   *keyCache // by partition and encrypted data key
}

type settings struct {
	maxAge     time.Duration
	maxUses    int
	maxEntries int
	now        func() time.Time
}

// Option tunes an Envelope.
type Option func(*settings)

// WithMaxAge bounds how long a data key is used after KMS produced it (> 0).
func WithMaxAge(d time.Duration) Option { return func(s *settings) { s.maxAge = d } }

// WithMaxUses bounds how many messages are encrypted under one data key (1 to 2^32).
// 1 disables reuse for encryption.
func WithMaxUses(n int) Option { return func(s *settings) { s.maxUses = n } }

// WithMaxEntries bounds the number of data keys each cache holds (>= 1).
func WithMaxEntries(n int) Option { return func(s *settings) { s.maxEntries = n } }

// WithClock replaces time.Now, for tests of expiry.
func WithClock(now func() time.Time) Option { return func(s *settings) { s.now = now } }

// New returns an Envelope that wraps data keys under keyID (key id, key ARN, alias name or
// alias ARN). Decrypt also names keyID to KMS, so messages under another KMS key fail.
func New(kmsClient KMSAPI, keyID string, opts ...Option) (*Envelope, error) {
	if kmsClient == nil {
		return nil, errors.New("envelope: nil KMS client")
	}
	if keyID == "" {
		return nil, errors.New("envelope: empty KMS key id")
	}
	s := settings{maxAge: DefaultMaxAge, maxUses: DefaultMaxUses, maxEntries: DefaultMaxEntries, now: time.Now}
	for _, o := range opts {
		o(&s)
	}
	switch {
	case s.maxAge <= 0:
		return nil, fmt.Errorf("envelope: max age %v must be positive", s.maxAge)
	case s.maxUses < 1 || int64(s.maxUses) > maxUsesLimit:
		return nil, fmt.Errorf("envelope: max uses %d must be within [1, 2^32]", s.maxUses)
	case s.maxEntries < 1:
		return nil, fmt.Errorf("envelope: max entries %d must be at least 1", s.maxEntries)
	case s.now == nil:
		return nil, errors.New("envelope: nil clock")
	}
	return &Envelope{
		kms:   kmsClient,
		keyID: keyID,
		enc:   newKeyCache(s.now, s.maxAge, s.maxUses, s.maxEntries),
		dec:   newKeyCache(s.now, s.maxAge, 0, s.maxEntries),
	}, nil
}

// Encrypt seals plaintext bound to ec and returns a version-1 message.
func (e *Envelope) Encrypt(ctx context.Context, ec Context, plaintext []byte) ([]byte, error) {
	if err := ec.validate(); err != nil {
		return nil, err
	}
	var idBuf [128]byte
	id := ec.appendPartition(idBuf[:0])
	k, err := e.enc.acquire(ctx, id, func(ctx context.Context) (*dataKey, error) {
		return e.generate(ctx, ec, id)
	})
	if err != nil {
		return nil, err
	}

	hdr := 1 + lenSize + len(k.edk)
	out := make([]byte, 0, hdr+nonceSize+len(plaintext)+tagSize)
	out = appendHeader(out, k.edk)
	var aadBuf [256]byte
	aad := ec.appendAAD(append(aadBuf[:0], out...))
	return k.aead.Seal(out, nil, plaintext, aad), nil
}

// Decrypt opens a message sealed by Encrypt under the same Context. A malformed message
// fails with ErrFormat; a tampered one, or one from another context, with ErrDecrypt.
func (e *Envelope) Decrypt(ctx context.Context, ec Context, ciphertext []byte) ([]byte, error) {
	if err := ec.validate(); err != nil {
		return nil, err
	}
	m, err := decode(ciphertext)
	if err != nil {
		return nil, err
	}
	var idBuf [384]byte
	id := append(ec.appendPartition(idBuf[:0]), m.edk...)
	k, err := e.dec.acquire(ctx, id, func(ctx context.Context) (*dataKey, error) {
		return e.unwrap(ctx, ec, m.edk)
	})
	if err != nil {
		return nil, err
	}

	var aadBuf [256]byte
	aad := ec.appendAAD(append(aadBuf[:0], m.header...))
	plaintext, err := k.aead.Open(nil, nil, m.sealed, aad)
	if err != nil {
		return nil, fmt.Errorf("%w: message does not authenticate under this context", ErrDecrypt)
	}
	return plaintext, nil
}

// generate asks KMS for a new data key and offers it to the decryption cache too, so that
// what this process writes it reads back without KMS.
func (e *Envelope) generate(ctx context.Context, ec Context, partition []byte) (*dataKey, error) {
	out, err := e.kms.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId:             &e.keyID,
		KeySpec:           types.DataKeySpecAes256,
		EncryptionContext: ec.KMSContext(),
	})
	if err != nil {
		return nil, fmt.Errorf("envelope: generate data key: %w", err)
	}
	if n := len(out.CiphertextBlob); n == 0 || n > maxEDKSize {
		clear(out.Plaintext)
		return nil, fmt.Errorf("envelope: generate data key: encrypted data key of %d bytes", n)
	}
	aead, err := newAEAD(out.Plaintext)
	if err != nil {
		return nil, fmt.Errorf("envelope: generate data key: %w", err)
	}
	k := &dataKey{aead: aead, edk: out.CiphertextBlob, created: e.enc.now()}
	e.dec.put(string(partition)+string(k.edk), k)
	return k, nil
}

// unwrap asks KMS to decrypt an encrypted data key under the KMS context of ec.
func (e *Envelope) unwrap(ctx context.Context, ec Context, edk []byte) (*dataKey, error) {
	out, err := e.kms.Decrypt(ctx, &kms.DecryptInput{
		CiphertextBlob:    edk,
		KeyId:             &e.keyID,
		EncryptionContext: ec.KMSContext(),
	})
	if err != nil {
		var invalid *types.InvalidCiphertextException
		var incorrect *types.IncorrectKeyException
		if errors.As(err, &invalid) || errors.As(err, &incorrect) {
			return nil, fmt.Errorf("%w: KMS refused the data key: %w", ErrDecrypt, err)
		}
		return nil, fmt.Errorf("envelope: decrypt data key: %w", err)
	}
	aead, err := newAEAD(out.Plaintext)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	// The cache keeps its own copy: edk aliases the caller's message.
	return &dataKey{aead: aead, edk: append([]byte(nil), edk...), created: e.dec.now()}, nil
}

// newAEAD builds AES-256-GCM with random nonces from key, then zeroes key: from here on
// only the cipher's key schedule holds the key.
func newAEAD(key []byte) (cipher.AEAD, error) {
	defer clear(key)
	if len(key) != dataKeySize {
		return nil, fmt.Errorf("data key of %d bytes, want %d", len(key), dataKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	// Seal draws the 96-bit nonce from crypto/rand and prepends it; Open reads it back.
	return cipher.NewGCMWithRandomNonce(block)
}

// EncryptString is Encrypt for string attributes: the message in standard base64.
func EncryptString(ctx context.Context, e Encrypter, ec Context, plaintext string) (string, error) {
	ct, err := e.Encrypt(ctx, ec, []byte(plaintext))
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(ct), nil
}

// DecryptString opens a message produced by EncryptString.
func DecryptString(ctx context.Context, e Encrypter, ec Context, ciphertext string) (string, error) {
	ct, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil {
		return "", &formatError{"invalid base64: " + err.Error()}
	}
	pt, err := e.Decrypt(ctx, ec, ct)
	if err != nil {
		return "", err
	}
	return string(pt), nil
}
