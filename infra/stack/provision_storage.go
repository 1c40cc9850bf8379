package stack

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// bucket creates the bucket with the settings the template declares: versioning, default
// encryption, public access block, ownership controls and lifecycle rules. Their
// CloudFormation shapes match the S3 API's, so they are converted, not mapped by hand.
func (p *provisioner) bucket(ctx context.Context, id string, props map[string]any) (Physical, error) {
	name := p.name(props, "BucketName", id)
	b := aws.String(name)
	_, err := p.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b})
	var owned *s3types.BucketAlreadyOwnedByYou
	var exists *s3types.BucketAlreadyExists
	if err != nil && !asErr(err, &owned) && !asErr(err, &exists) {
		return Physical{}, err
	}
	if v, ok := props["VersioningConfiguration"]; ok {
		var cfg s3types.VersioningConfiguration
		if err := remarshal(v, &cfg); err != nil {
			return Physical{}, err
		}
		if _, err := p.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &cfg}); err != nil {
			return Physical{}, fmt.Errorf("versioning: %w", err)
		}
	}
	if v, ok := props["BucketEncryption"]; ok {
		var cfg struct {
			ServerSideEncryptionConfiguration []struct {
				// CloudFormation's name for the API's ApplyServerSideEncryptionByDefault.
				ServerSideEncryptionByDefault *s3types.ServerSideEncryptionByDefault
				BucketKeyEnabled              *bool
			}
		}
		if err := remarshal(v, &cfg); err != nil {
			return Physical{}, err
		}
		var rules []s3types.ServerSideEncryptionRule
		for _, r := range cfg.ServerSideEncryptionConfiguration {
			rules = append(rules, s3types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: r.ServerSideEncryptionByDefault, BucketKeyEnabled: r.BucketKeyEnabled})
		}
		_, err := p.s3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b,
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: rules}})
		if err != nil {
			return Physical{}, fmt.Errorf("encryption: %w", err)
		}
	}
	if v, ok := props["PublicAccessBlockConfiguration"]; ok {
		var cfg s3types.PublicAccessBlockConfiguration
		if err := remarshal(v, &cfg); err != nil {
			return Physical{}, err
		}
		if _, err := p.s3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: &cfg}); err != nil {
			return Physical{}, fmt.Errorf("public access block: %w", err)
		}
	}
	if v, ok := props["OwnershipControls"]; ok {
		var cfg s3types.OwnershipControls
		if err := remarshal(v, &cfg); err != nil {
			return Physical{}, err
		}
		if _, err := p.s3.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &cfg}); err != nil {
			return Physical{}, fmt.Errorf("ownership controls: %w", err)
		}
	}
	if v, ok := props["LifecycleConfiguration"]; ok {
		var cfg s3types.BucketLifecycleConfiguration
		if err := remarshal(lifecycleRules(v), &cfg); err != nil {
			return Physical{}, err
		}
		if _, err := p.s3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &cfg}); err != nil {
			return Physical{}, fmt.Errorf("lifecycle: %w", err)
		}
	}
	return Physical{Ref: name, Attrs: map[string]string{
		"Arn":                      "arn:aws:s3:::" + name,
		"DomainName":               name + ".s3.amazonaws.com",
		"RegionalDomainName":       name + ".s3." + p.d.Region + ".amazonaws.com",
		"DualStackDomainName":      name + ".s3.dualstack." + p.d.Region + ".amazonaws.com",
		"WebsiteURL":               "http://" + name + ".s3-website-" + p.d.Region + ".amazonaws.com",
		"BucketName":               name,
		"BucketRegionalDomainName": name + ".s3." + p.d.Region + ".amazonaws.com",
	}}, nil
}

// lifecycleRules converts CloudFormation's lifecycle shape to the API's: rules without a
// filter apply to the whole bucket (an empty prefix filter), and the noncurrent-version
// expiration is named differently.
func lifecycleRules(v any) any {
	m, _ := v.(map[string]any)
	rules, _ := m["Rules"].([]any)
	out := make([]any, 0, len(rules))
	for _, r := range rules {
		rule, _ := r.(map[string]any)
		conv := map[string]any{}
		for k, val := range rule {
			switch k {
			case "Id":
				conv["ID"] = val
			case "Prefix":
				conv["Filter"] = map[string]any{"Prefix": val}
			case "NoncurrentVersionExpirationInDays":
				conv["NoncurrentVersionExpiration"] = map[string]any{"NoncurrentDays": val}
			case "ExpirationInDays":
				conv["Expiration"] = map[string]any{"Days": val}
			default:
				conv[k] = val
			}
		}
		if _, ok := conv["Filter"]; !ok {
			conv["Filter"] = map[string]any{"Prefix": ""}
		}
		out = append(out, conv)
	}
	return map[string]any{"Rules": out}
}

// bucketPolicy stores the policy without its statements conditioned on
// aws:SecureTransport: moto enforces bucket policies, and the emulator speaks plain HTTP, so
// the template's deny-insecure-transport statement would refuse every local call. In AWS
// the statement stays in force; locally the other statements are kept and enforced.
func (p *provisioner) bucketPolicy(ctx context.Context, id string, props map[string]any) (Physical, error) {
	bucket := scalar(props["Bucket"])
	doc, _ := props["PolicyDocument"].(map[string]any)
	stmts, _ := doc["Statement"].([]any)
	var kept []any
	for _, st := range stmts {
		if !onTransport(st) {
			kept = append(kept, st)
		}
	}
	if len(kept) == 0 {
		p.skip(id, "AWS::S3::BucketPolicy", "only aws:SecureTransport statements, which plain-HTTP emulation cannot satisfy")
		return Physical{Ref: bucket, Attrs: map[string]string{}}, nil
	}
	local := map[string]any{}
	for k, v := range doc {
		local[k] = v
	}
	local["Statement"] = kept
	raw, err := json.Marshal(local)
	if err != nil {
		return Physical{}, err
	}
	if _, err := p.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(string(raw))}); err != nil {
		return Physical{}, err
	}
	return Physical{Ref: bucket, Attrs: map[string]string{}}, nil
}

// onTransport reports whether a policy statement depends on aws:SecureTransport.
func onTransport(st any) bool {
	m, _ := st.(map[string]any)
	cond, _ := m["Condition"].(map[string]any)
	for _, c := range cond {
		if kv, ok := c.(map[string]any); ok {
			if _, ok := kv["aws:SecureTransport"]; ok {
				return true
			}
		}
	}
	return false
}
