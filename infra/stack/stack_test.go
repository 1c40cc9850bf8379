package stack

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/shared/emulator"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

func TestShortTagsBecomeLongForms(t *testing.T) {
	tpl, err := Parse([]byte(`
Parameters:
  Stage: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub chainguard-${Stage}-q
      Arn: !GetAtt Other.Arn
      Maybe: !If [IsProd, yes, !Ref AWS::NoValue]
  Other:
    Type: AWS::SQS::Queue
`))
	if err != nil {
		t.Fatal(err)
	}
	r := &Resolver{Template: tpl, Params: map[string]string{"Stage": "local"}, Region: "us-east-1", Account: "123456789012",
		Attr: func(id, attr string) (string, error) { return "arn:" + id + ":" + attr, nil }}
	got, err := r.Resolve(tpl.Resources["Q"].Properties)
	if err != nil {
		t.Fatal(err)
	}
	m := got.(map[string]any)
	if m["QueueName"] != "chainguard-local-q" {
		t.Errorf("QueueName = %v", m["QueueName"])
	}
	if m["Arn"] != "arn:Other:Arn" {
		t.Errorf("Arn = %v", m["Arn"])
	}
	if _, ok := m["Maybe"]; ok {
		t.Errorf("Fn::If to AWS::NoValue should drop the key, got %v", m["Maybe"])
	}
}

func TestUnknownIntrinsicIsAnError(t *testing.T) {
	tpl, err := Parse([]byte("Resources:\n  A:\n    Type: X\n    Properties:\n      P: {\"Fn::Magic\": 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&Resolver{Template: tpl}).Resolve(tpl.Resources["A"].Properties); err == nil {
		t.Fatal("expected an error for an unsupported intrinsic")
	}
}

func TestRepoTableIsCreatedWithItsIndexesAndTTL(t *testing.T) {
	cfg := emulator.TestConfig(t)
	name := TestTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	out, err := db.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(out.Table.GlobalSecondaryIndexes); n < 2 {
		t.Fatalf("table has %d GSIs, want at least 2", n)
	}
	ttl, err := db.DescribeTimeToLive(context.Background(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(ttl.TimeToLiveDescription.AttributeName) != "expiresAt" {
		t.Fatalf("TTL attribute = %v", aws.ToString(ttl.TimeToLiveDescription.AttributeName))
	}
}
