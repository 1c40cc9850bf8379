package stack

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// generateSecretString is CloudFormation's GenerateSecretString: GetRandomPassword's
// parameters, plus a JSON template the password is put into under GenerateStringKey.
type generateSecretString struct {
	PasswordLength          *int64
	ExcludeCharacters       *string
	ExcludeNumbers          *bool
	ExcludePunctuation      *bool
	ExcludeUppercase        *bool
	ExcludeLowercase        *bool
	IncludeSpace            *bool
	RequireEachIncludedType *bool
	SecretStringTemplate    string
	GenerateStringKey       string
}

// secret creates an AWS::SecretsManager::Secret: its SecretString, or one generated the
// way CloudFormation does (GetRandomPassword with the GenerateSecretString settings).
// !Ref and !GetAtt Id give the ARN, as in CloudFormation. A secret that already exists
// keeps its value: provisioning again must not rotate a key that running functions hold.
func (p *provisioner) secret(ctx context.Context, id string, props map[string]any) (Physical, error) {
	sm := secretsmanager.NewFromConfig(p.cfg)
	name := p.name(props, "Name", id)
	value, err := secretValue(ctx, sm, props)
	if err != nil {
		return Physical{}, err
	}
	in := &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)}
	if v := scalar(props["Description"]); v != "" {
		in.Description = aws.String(v)
	}
	if v := scalar(props["KmsKeyId"]); v != "" {
		in.KmsKeyId = aws.String(v)
	}
	out, err := sm.CreateSecret(ctx, in)
	var exists *smtypes.ResourceExistsException
	switch {
	case asErr(err, &exists):
		d, err := sm.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
		if err != nil {
			return Physical{}, fmt.Errorf("describe the existing secret: %w", err)
		}
		return secretPhysical(aws.ToString(d.ARN)), nil
	case err != nil:
		return Physical{}, err
	}
	return secretPhysical(aws.ToString(out.ARN)), nil
}

func secretPhysical(arn string) Physical {
	return Physical{Ref: arn, Attrs: map[string]string{"Id": arn}}
}

func secretValue(ctx context.Context, sm *secretsmanager.Client, props map[string]any) (string, error) {
	if v, ok := props["SecretString"]; ok {
		return scalar(v), nil
	}
	var gen generateSecretString
	if v, ok := props["GenerateSecretString"]; ok {
		if err := remarshal(v, &gen); err != nil {
			return "", fmt.Errorf("GenerateSecretString: %w", err)
		}
	}
	out, err := sm.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{
		PasswordLength: gen.PasswordLength, ExcludeCharacters: gen.ExcludeCharacters,
		ExcludeNumbers: gen.ExcludeNumbers, ExcludePunctuation: gen.ExcludePunctuation,
		ExcludeUppercase: gen.ExcludeUppercase, ExcludeLowercase: gen.ExcludeLowercase,
		IncludeSpace: gen.IncludeSpace, RequireEachIncludedType: gen.RequireEachIncludedType,
	})
	if err != nil {
		return "", fmt.Errorf("generate the secret: %w", err)
	}
	password := aws.ToString(out.RandomPassword)
	if gen.SecretStringTemplate == "" {
		return password, nil
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(gen.SecretStringTemplate), &doc); err != nil || gen.GenerateStringKey == "" {
		return "", fmt.Errorf("GenerateSecretString: SecretStringTemplate must be a JSON object and GenerateStringKey set")
	}
	doc[gen.GenerateStringKey] = password
	b, err := json.Marshal(doc)
	return string(b), err
}
