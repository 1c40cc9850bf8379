// Package envelope encrypts personal fields with KMS envelope encryption: each message is
// sealed with AES-256-GCM under a data key from KMS GenerateDataKey, and the data key,
// encrypted by KMS, travels inside the message. Plaintext data keys are cached briefly and
// within bounds, so that KMS is called per few thousand records rather than per record.
//
// # Two contexts, and why
//
// Every message is bound to a [Context]: the tenant, the record and the purpose of the field.
// A ciphertext copied to another record, tenant or purpose must not decrypt.
//
// KMS binds its encryption context to the data key when GenerateDataKey runs, and Decrypt of
// that data key needs the same context again. If the record id were part of the KMS context,
// every record would need its own data key, so its own KMS call, and no cache could help.
// So the context is split:
//
//   - The KMS encryption context is {app, tenant, purpose} (see [Context.KMSContext]). It
//     is what the data key is bound to, what CloudTrail logs and what key policies can test
//     (kms:EncryptionContext:tenant). It is also the cache partition: a data key is reused
//     only for messages of the same tenant and purpose.
//   - The full context, record included, is bound into the AES-GCM additional data, together
//     with the message header (version and encrypted data key). Moving a ciphertext to another
//     record makes the GCM tag fail even though the data key itself decrypts.
//
// A moved tenant or purpose therefore fails twice: KMS refuses the data key (its context
// differs) and, should that ever be skipped or emulated loosely, the GCM tag fails as well.
// The decryption cache is keyed by the KMS context and the encrypted data key together, so a
// cached key is never handed out for another tenant or purpose.
//
// # Message format
//
// Version 1, binary (base64 with padding in its string form, see [EncryptString]):
//
//	offset 0      1 byte   version (0x01)
//	offset 1      2 bytes  n, length of the encrypted data key, big endian, n >= 1
//	offset 3      n bytes  encrypted data key, as KMS returned it
//	offset 3+n   12 bytes  GCM nonce, random
//	offset 15+n  rest      AES-256-GCM ciphertext followed by its 16-byte tag
//
// The additional data is bytes [0, 3+n) followed by the app tag, tenant, record and purpose,
// each prefixed by its length (4 bytes, big endian), so that no two contexts encode alike.
// Malformed input fails with [ErrFormat], anything that does not authenticate with
// [ErrDecrypt] (every ErrFormat is also an ErrDecrypt). Nothing panics.
//
// # Cache
//
// Encryption keys are cached per (tenant, purpose); decryption keys per (tenant, purpose,
// encrypted data key). A key generated for encryption is also placed in the decryption
// cache, so a process reads back what it wrote without KMS. Limits:
//
//   - max age (default 5 minutes), from the moment KMS produced the key, for both caches:
//     revoking a grant or disabling the key takes effect within that time;
//   - max uses (default 10,000 messages) per encryption key: the number of messages sealed
//     under one key with random 96-bit nonces stays far below the 2^32 that GCM allows. It
//     does not apply to decryption, which uses no nonces (as in the AWS Encryption SDK);
//   - max entries (default 1,000) per cache, least recently used evicted first; expired
//     entries are also swept whenever a new key is inserted.
//
// Concurrent misses for the same entry share one KMS call.
//
// Key material: the 32 plaintext bytes returned by KMS are zeroed as soon as the AES key
// schedule is built, so the cache holds no raw key bytes. The key schedule inside Go's
// crypto/aes cannot be zeroed from outside; an evicted entry drops its only reference to it.
// Copies inside the SDK's response buffers are out of reach too.
package envelope
