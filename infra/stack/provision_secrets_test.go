package stack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/chainfi/chainguard/shared/emulator"
)

func TestSecretsAreGeneratedAsCloudFormationDoesAndKeptOnReprovisioning(t *testing.T) {
	tpl, err := Parse([]byte(`
Resources:
  Key:
    Type: AWS::SecretsManager::Secret
    Properties:
      Name: !Sub ${AWS::StackName}-key
      Description: a generated key
      GenerateSecretString:
        PasswordLength: 64
        ExcludePunctuation: true
        ExcludeCharacters: "aeiouAEIOU"
  Login:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        SecretStringTemplate: '{"username":"svc"}'
        GenerateStringKey: password
        PasswordLength: 20
  Given:
    Type: AWS::SecretsManager::Secret
    Properties:
      SecretString: fixed-value
  Consumer:
    Type: AWS::SQS::Queue
    Properties:
      Tags:
        - Key: secret
          Value: !Ref Key
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg := emulator.TestConfig(t)
	opt := Options{StackName: "secrettest"}
	d, err := Provision(context.Background(), cfg, tpl, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Skipped) != 0 {
		t.Fatalf("skipped: %v", d.Skipped)
	}
	sm := secretsmanager.NewFromConfig(cfg)
	value := func(id string) string {
		t.Helper()
		ref := d.Resources[id].Ref
		if !strings.HasPrefix(ref, "arn:aws:secretsmanager:") || d.Resources[id].Attrs["Id"] != ref {
			t.Fatalf("%s: !Ref = %q, want its ARN", id, ref)
		}
		out, err := sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(ref)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.SecretString)
	}

	key := value("Key")
	if len(key) != 64 || strings.ContainsAny(key, "aeiouAEIOU !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") {
		t.Errorf("generated key %q: want 64 letters and digits without vowels", key)
	}
	var login map[string]string
	if err := json.Unmarshal([]byte(value("Login")), &login); err != nil || login["username"] != "svc" || len(login["password"]) != 20 {
		t.Errorf("templated secret = %v, %v", login, err)
	}
	if v := value("Given"); v != "fixed-value" {
		t.Errorf("given secret = %q", v)
	}

	again, err := Provision(context.Background(), cfg, tpl, opt)
	if err != nil {
		t.Fatalf("second provisioning: %v", err)
	}
	if again.Resources["Key"].Ref != d.Resources["Key"].Ref || value("Key") != key {
		t.Errorf("reprovisioning replaced the secret or its value")
	}
}
