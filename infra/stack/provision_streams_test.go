package stack

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/emulator"
)

const streamTemplate = `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: streams}
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub ${Stage}-audit
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: PK, AttributeType: S}]
      KeySchema: [{AttributeName: PK, KeyType: HASH}]
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
  Plain:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub ${Stage}-plain
      AttributeDefinitions: [{AttributeName: PK, AttributeType: S}]
      KeySchema: [{AttributeName: PK, KeyType: HASH}]
  Failed:
    Type: AWS::SQS::Queue
    Properties: {QueueName: !Sub "${Stage}-sealer-failed"}
  Sealer:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/none/
      Handler: bootstrap
      Runtime: provided.al2023
      Events:
        Audit:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 25
            MaximumBatchingWindowInSeconds: 2
            FilterCriteria:
              Filters:
                - Pattern: '{"eventName":["INSERT"],"dynamodb":{"NewImage":{"entity":{"S":["audit_record"]}}}}'
            FunctionResponseTypes: [ReportBatchItemFailures]
            MaximumRetryAttempts: 3
            BisectBatchOnFunctionError: true
            DestinationConfig:
              OnFailure:
                Destination: !GetAtt Failed.Arn
        Defaults:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: LATEST
            Enabled: false
`

func TestDynamoDBStreamSourcesAreProvisioned(t *testing.T) {
	tpl, err := Parse([]byte(streamTemplate))
	if err != nil {
		t.Fatal(err)
	}
	cfg := emulator.TestConfig(t)
	d, err := Provision(context.Background(), cfg, tpl, Options{Params: map[string]string{"Stage": "streams"}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	arn := d.Resources["Table"].Attrs["StreamArn"]
	if !strings.Contains(arn, ":table/streams-audit/stream/") {
		t.Fatalf("StreamArn = %q, want the table's latest stream", arn)
	}
	if _, ok := d.Resources["Plain"].Attrs["StreamArn"]; ok {
		t.Errorf("a table without StreamSpecification has a StreamArn")
	}
	if len(d.Streams) != 2 {
		t.Fatalf("streams = %+v", d.Streams)
	}
	cases := []struct {
		name string
		got  StreamSource
		want StreamSource
	}{
		{"every property of a full event source is carried", d.Streams[0], StreamSource{
			FunctionID: "Sealer", Source: "Sealer.Audit", StreamARN: arn, StartingPosition: "TRIM_HORIZON", BatchSize: 25,
			BatchingWindow: 2 * time.Second, Filters: []string{`{"eventName":["INSERT"],"dynamodb":{"NewImage":{"entity":{"S":["audit_record"]}}}}`},
			ReportBatchItemFailures: true, MaximumRetryAttempts: 3, BisectBatchOnFunctionError: true,
			OnFailureARN: d.Resources["Failed"].Attrs["Arn"], OnFailureURL: d.Resources["Failed"].Ref, Enabled: true,
		}},
		{"an event source without options gets Lambda's defaults", d.Streams[1], StreamSource{
			FunctionID: "Sealer", Source: "Sealer.Defaults", StreamARN: arn, StartingPosition: "LATEST", BatchSize: 100,
			MaximumRetryAttempts: -1, Enabled: false,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("got  %+v\nwant %+v", c.got, c.want)
			}
		})
	}

	t.Run("a second run reuses the table and its stream", func(t *testing.T) {
		again, err := Provision(context.Background(), cfg, tpl, Options{Params: map[string]string{"Stage": "streams"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := again.Resources["Table"].Attrs["StreamArn"]; got != arn {
			t.Errorf("StreamArn %q, then %q", arn, got)
		}
	})
}

func TestABadStreamEventSourceIsRefused(t *testing.T) {
	cases := []struct {
		name, props, want string
	}{
		{"a missing stream", `{StartingPosition: LATEST}`, "no Stream"},
		{"an unknown starting position", `{Stream: "arn:aws:dynamodb:us-east-1:1:table/t/stream/x", StartingPosition: AT_TIMESTAMP}`, "StartingPosition"},
		{"a pattern that is not JSON", `{Stream: "arn:aws:dynamodb:us-east-1:1:table/t/stream/x", StartingPosition: LATEST, FilterCriteria: {Filters: [{Pattern: "{eventName"}]}}`, "not a JSON object"},
		{"a destination that is not a queue", `{Stream: "arn:aws:dynamodb:us-east-1:1:table/t/stream/x", StartingPosition: LATEST, DestinationConfig: {OnFailure: {Destination: "arn:aws:sns:us-east-1:1:topic"}}}`, "only SQS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := Parse([]byte("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: x/\n      Events:\n        S:\n          Type: DynamoDB\n          Properties: " + c.props + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Provision(context.Background(), emulator.TestConfig(t), tpl, Options{StackName: "bad-streams"})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one that mentions %q", err, c.want)
			}
		})
	}
}
