// Package liststest builds what list tests need on the emulator: a bucket, a KMS key,
// small source files served over HTTP and file://, and a publisher wired to them.
package liststest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/sanctions"
)

// SanctionedXBT is the address of the test crypto address file: a real one (of OFAC's
// XBT file), since a query address must pass its checksum.
const SanctionedXBT = "bc1q05aktddf9ce4p7hh3stgsf253m4vweu7nkhtmw"

// Bucket creates an empty bucket on the emulator, removed with the test.
func Bucket(tb testing.TB, cfg aws.Config) string {
	tb.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "lists-test-" + hex.EncodeToString(b[:])
	c := lists.NewS3Client(cfg)
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(name)})
		if err == nil {
			for _, o := range out.Contents {
				_, _ = c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(name), Key: o.Key})
			}
		}
		_, _ = c.DeleteBucket(context.Background(), &s3.DeleteBucketInput{Bucket: aws.String(name)})
	})
	return name
}

// KMSKey creates a symmetric key on the emulator and returns its ARN.
func KMSKey(tb testing.TB, cfg aws.Config) string {
	tb.Helper()
	out, err := kms.NewFromConfig(cfg).CreateKey(context.Background(), &kms.CreateKeyInput{Description: aws.String("lists test")})
	if err != nil {
		tb.Fatal(err)
	}
	return aws.ToString(out.KeyMetadata.Arn)
}

// Sources is a folder of small source files: OFAC (served over HTTP), UN and one crypto
// address file (read through file://). Edit the files to make a new publication.
type Sources struct {
	OFACDir, UNFile, CryptoFile string
	PEPUSDir, PEPAUDir          string // set by WithPEP
	URLs                        lists.SourceURLs
}

// MiniSources copies the parsers' small test files (shared/sanctions/testdata) into a
// temporary folder and serves them.
func MiniSources(tb testing.TB) *Sources {
	tb.Helper()
	root, err := stack.FindRoot()
	if err != nil {
		tb.Fatal(err)
	}
	testdata := filepath.Join(root, "shared", "sanctions", "testdata")
	dir := tb.TempDir()
	s := &Sources{OFACDir: filepath.Join(dir, "ofac"), UNFile: filepath.Join(dir, "un", sanctions.UNFileName),
		CryptoFile: filepath.Join(dir, "crypto", "sanctioned_addresses_XBT.txt")}
	for _, f := range []string{sanctions.OFACFileSDN, sanctions.OFACFileAlt, sanctions.OFACFileAdd, sanctions.OFACFileComments} {
		copyFile(tb, filepath.Join(testdata, "ofac-mini", f), filepath.Join(s.OFACDir, f))
	}
	copyFile(tb, filepath.Join(testdata, "un-mini.xml"), s.UNFile)
	WriteFile(tb, s.CryptoFile, SanctionedXBT+"\n")
	srv := httptest.NewServer(http.FileServer(http.Dir(s.OFACDir)))
	tb.Cleanup(srv.Close)
	s.URLs = lists.SourceURLs{
		OFACSDN: srv.URL + "/sdn.csv", OFACAlt: srv.URL + "/alt.csv", OFACAdd: srv.URL + "/add.csv",
		OFACComments: srv.URL + "/sdn_comments.csv",
		UN:           "file://" + s.UNFile,
		Crypto:       []string{"file://" + s.CryptoFile},
	}
	return s
}

// WithPEP adds the PEP parsers' small test files (US Congress and executive, Australian
// federal politicians) to the sources, read from a temporary copy.
func (s *Sources) WithPEP(tb testing.TB) *Sources {
	tb.Helper()
	root, err := stack.FindRoot()
	if err != nil {
		tb.Fatal(err)
	}
	testdata := filepath.Join(root, "shared", "sanctions", "testdata")
	s.PEPUSDir, s.PEPAUDir = filepath.Join(tb.TempDir(), "pep-us"), filepath.Join(tb.TempDir(), "pep-au")
	for _, f := range []string{sanctions.PEPUSFileCurrent, sanctions.PEPUSFileExecutive} {
		copyFile(tb, filepath.Join(testdata, "pep-us-mini", f), filepath.Join(s.PEPUSDir, f))
	}
	for _, f := range []string{sanctions.PEPAUFileAll, sanctions.PEPAUFileMinistry, sanctions.PEPAUFileCabinet} {
		copyFile(tb, filepath.Join(testdata, "pep-au-mini", f), filepath.Join(s.PEPAUDir, f))
	}
	s.URLs.PEPUSLegislators = "file://" + filepath.Join(s.PEPUSDir, sanctions.PEPUSFileCurrent)
	s.URLs.PEPUSExecutive = "file://" + filepath.Join(s.PEPUSDir, sanctions.PEPUSFileExecutive)
	s.URLs.PEPAUAll = "file://" + filepath.Join(s.PEPAUDir, sanctions.PEPAUFileAll)
	s.URLs.PEPAUMinistry = "file://" + filepath.Join(s.PEPAUDir, sanctions.PEPAUFileMinistry)
	s.URLs.PEPAUCabinet = "file://" + filepath.Join(s.PEPAUDir, sanctions.PEPAUFileCabinet)
	return s
}

// WriteFile writes a file, creating its folder.
func WriteFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		tb.Fatal(err)
	}
	WriteFile(tb, to, string(b))
}

// ObjectExists reports whether key is in the bucket, with its server-side encryption.
func ObjectExists(tb testing.TB, cfg aws.Config, bucket, key string) (bool, s3types.ServerSideEncryption) {
	tb.Helper()
	out, err := lists.NewS3Client(cfg).HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return false, ""
	}
	return true, out.ServerSideEncryption
}
