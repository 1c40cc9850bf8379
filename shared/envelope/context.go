package envelope

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Keys and the constant app tag of the KMS encryption context, for key policies
// (kms:EncryptionContext:tenant) and CloudTrail queries.
const (
	ContextKeyApp     = "app"
	ContextKeyTenant  = "tenant"
	ContextKeyPurpose = "purpose"
	AppTag            = "chainguard"
)

// Context is what a message is bound to. All fields are required.
type Context struct {
	Tenant  string // tenant (organisation) id
	Record  string // id of the record holding the field, e.g. the customer id
	Purpose string // what the field is, e.g. "kyc.document_number"
}

// KMSContext is the encryption context sent to KMS: {app, tenant, purpose}. The record is
// deliberately absent, so that one data key can serve many records (see the package doc);
// the record is bound by the AES-GCM additional data instead.
func (c Context) KMSContext() map[string]string {
	return map[string]string{
		ContextKeyApp:     AppTag,
		ContextKeyTenant:  c.Tenant,
		ContextKeyPurpose: c.Purpose,
	}
}

func (c Context) validate() error {
	for _, f := range [...]struct{ name, value string }{
		{"tenant", c.Tenant}, {"record", c.Record}, {"purpose", c.Purpose},
	} {
		if f.value == "" {
			return fmt.Errorf("%w: %s is empty", ErrInvalidContext, f.name)
		}
		if !utf8.ValidString(f.value) {
			return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidContext, f.name)
		}
	}
	return nil
}

// appendPartition appends the cache partition of c: the KMS context, unambiguously encoded.
func (c Context) appendPartition(dst []byte) []byte {
	dst = appendField(dst, c.Tenant)
	return appendField(dst, c.Purpose)
}

// appendAAD appends the GCM additional data after header: the full context.
func (c Context) appendAAD(dst []byte) []byte {
	dst = appendField(dst, AppTag)
	dst = appendField(dst, c.Tenant)
	dst = appendField(dst, c.Record)
	return appendField(dst, c.Purpose)
}

func appendField(dst []byte, s string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}
