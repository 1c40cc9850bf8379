package emulator_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/chainfi/chainguard/shared/emulator"
)

// streamReader reads a table's stream from its start, one GetRecords at a time.
type streamReader struct {
	t        *testing.T
	streams  *dynamodbstreams.Client
	iterator *string
}

func newStreamReader(t *testing.T, db *dynamodb.Client, table string) *streamReader {
	t.Helper()
	ctx := context.Background()
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	streams := dynamodbstreams.NewFromConfig(emulator.TestConfig(t))
	stream, err := streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: desc.Table.LatestStreamArn})
	if err != nil {
		t.Fatalf("describe stream: %v", err)
	}
	if len(stream.StreamDescription.Shards) != 1 {
		t.Fatalf("%d shards, want 1", len(stream.StreamDescription.Shards))
	}
	it, err := streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: desc.Table.LatestStreamArn, ShardId: stream.StreamDescription.Shards[0].ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		t.Fatalf("shard iterator: %v", err)
	}
	return &streamReader{t: t, streams: streams, iterator: it.ShardIterator}
}

// next returns the events since the last call, as "EVENT SK".
func (r *streamReader) next() []string {
	r.t.Helper()
	out, err := r.streams.GetRecords(context.Background(), &dynamodbstreams.GetRecordsInput{ShardIterator: r.iterator})
	if err != nil {
		r.t.Fatalf("get records: %v", err)
	}
	r.iterator = out.NextShardIterator
	var events []string
	for _, rec := range out.Records {
		sk := rec.Dynamodb.Keys["SK"].(*streamtypes.AttributeValueMemberS).Value
		events = append(events, string(rec.EventName)+" "+sk)
	}
	return events
}

// TestStreams checks that a table's stream carries its writes in order, that a
// cancelled transaction leaves no record, and that reading resumes where it stopped.
func TestStreams(t *testing.T) {
	db, _ := client(t)
	ctx := context.Background()
	table := newTable(t, db, &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages})
	r := newStreamReader(t, db, table)

	put(t, db, table, row{pk: "ACC#a", sk: "MOV#1"}.item())
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: keyOf("ACC#a", "MOV#1"),
		UpdateExpression: aws.String("SET amount = :n"), ExpressionAttributeValues: vals(":n", "5")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: keyOf("ACC#a", "MOV#1")}); err != nil {
		t.Fatal(err)
	}
	cancelled := []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: row{pk: "ACC#a", sk: "MOV#cancelled"}.item()}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: keyOf("ACC#a", "MOV#absent"), ConditionExpression: aws.String("attribute_exists(PK)")}},
	}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: cancelled}); err == nil {
		t.Fatal("the transaction with a failing condition committed")
	}
	committed := []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: row{pk: "ACC#a", sk: "MOV#2"}.item()}},
		{Put: &types.Put{TableName: aws.String(table), Item: row{pk: "ACC#a", sk: "MOV#3"}.item()}},
	}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: committed}); err != nil {
		t.Fatal(err)
	}

	want := []string{"INSERT MOV#1", "MODIFY MOV#1", "REMOVE MOV#1", "INSERT MOV#2", "INSERT MOV#3"}
	if got := r.next(); !slices.Equal(got, want) {
		t.Errorf("records %v, want %v", got, want)
	}
	if got := r.next(); len(got) != 0 {
		t.Errorf("records %v after reading all, want none", got)
	}
	put(t, db, table, row{pk: "ACC#a", sk: "MOV#4"}.item())
	if got, want := r.next(), []string{"INSERT MOV#4"}; !slices.Equal(got, want) {
		t.Errorf("records %v, want %v", got, want)
	}
}
