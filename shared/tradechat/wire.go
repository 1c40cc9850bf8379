package tradechat

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/platform"
)

// EnvBucket names the attachments bucket.
const EnvBucket = "TRADE_ATTACHMENTS_BUCKET"

// FromPlatform builds the chat for a function: the attachments bucket from the
// environment, uploads encrypted under the platform's key (SSE-KMS).
func FromPlatform(d *platform.Deps, trades Trades) (*Service, error) {
	var env config.Env
	bucket := env.Required(EnvBucket)
	if err := env.Err(); err != nil {
		return nil, err
	}
	if d.Config.KeyID == "" {
		return nil, fmt.Errorf("%s is required: chat messages are stored encrypted", config.EnvKeyID)
	}
	enc, err := envelope.New(kms.NewFromConfig(d.AWS), d.Config.KeyID)
	if err != nil {
		return nil, err
	}
	s3c := lists.NewS3Client(d.AWS)
	return New(Service{Store: d.Store, Audit: d.Audit, Enc: enc, Trades: trades, S3: s3c, Presign: s3.NewPresignClient(s3c),
		Bucket: bucket, KMSKeyID: d.Config.KeyID}), nil
}
