package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableSpec is the structural part of an AWS::DynamoDB::Table: keys, indexes and TTL.
type TableSpec struct {
	Input   *dynamodb.CreateTableInput
	TTLAttr string
}

type tableProps struct {
	AttributeDefinitions []struct {
		AttributeName string `yaml:"AttributeName"`
		AttributeType string `yaml:"AttributeType"`
	}
	KeySchema              []keyElem
	GlobalSecondaryIndexes []struct {
		IndexName  string
		KeySchema  []keyElem
		Projection struct {
			ProjectionType   string
			NonKeyAttributes []string
		}
	}
	TimeToLiveSpecification struct {
		AttributeName string
		Enabled       bool
	}
}

type keyElem struct {
	AttributeName string
	KeyType       string
}

// Table reads the structure of the table resource logicalID. Names, encryption and other
// deployment settings are left to the caller.
func (t *Template) Table(logicalID string) (TableSpec, error) {
	res, ok := t.Resources[logicalID]
	if !ok || res.Type != "AWS::DynamoDB::Table" {
		return TableSpec{}, fmt.Errorf("stack: no table %q in template", logicalID)
	}
	var p tableProps
	if err := remarshal(res.Properties, &p); err != nil {
		return TableSpec{}, fmt.Errorf("stack: table %s: %w", logicalID, err)
	}
	in := &dynamodb.CreateTableInput{BillingMode: types.BillingModePayPerRequest}
	for _, a := range p.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName), AttributeType: types.ScalarAttributeType(a.AttributeType),
		})
	}
	in.KeySchema = keySchema(p.KeySchema)
	for _, g := range p.GlobalSecondaryIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(g.IndexName),
			KeySchema: keySchema(g.KeySchema),
			Projection: &types.Projection{
				ProjectionType:   types.ProjectionType(g.Projection.ProjectionType),
				NonKeyAttributes: g.Projection.NonKeyAttributes,
			},
		})
	}
	spec := TableSpec{Input: in}
	if p.TimeToLiveSpecification.Enabled {
		spec.TTLAttr = p.TimeToLiveSpecification.AttributeName
	}
	return spec, nil
}

func keySchema(ks []keyElem) []types.KeySchemaElement {
	out := make([]types.KeySchemaElement, 0, len(ks))
	for _, k := range ks {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)})
	}
	return out
}

// CreateTable creates the table under name with its indexes and TTL, and waits until it
// is active.
func CreateTable(ctx context.Context, db *dynamodb.Client, spec TableSpec, name string) error {
	in := *spec.Input
	in.TableName = aws.String(name)
	if _, err := db.CreateTable(ctx, &in); err != nil {
		var inUse *types.ResourceInUseException
		if !asErr(err, &inUse) {
			return fmt.Errorf("stack: create table %s: %w", name, err)
		}
	}
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, waitLimit); err != nil {
		return fmt.Errorf("stack: wait for table %s: %w", name, err)
	}
	if spec.TTLAttr != "" {
		_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName:               aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(spec.TTLAttr), Enabled: aws.Bool(true)},
		})
		if err != nil && !isTTLAlreadyOn(err) {
			return fmt.Errorf("stack: enable TTL on %s: %w", name, err)
		}
	}
	return nil
}

// TestTable creates a fresh table shaped like the template's single table, for one test,
// and deletes it when the test ends. It returns the table name.
func TestTable(tb testing.TB, cfg aws.Config) string {
	tb.Helper()
	tpl, err := LoadRepoTemplate()
	if err != nil {
		tb.Fatal(err)
	}
	ids := tpl.ByType("AWS::DynamoDB::Table")
	if len(ids) != 1 {
		tb.Fatalf("stack: expected one table in template.yaml, found %v", ids)
	}
	spec, err := tpl.Table(ids[0])
	if err != nil {
		tb.Fatal(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "test-" + hex.EncodeToString(b[:])
	db := dynamodb.NewFromConfig(cfg)
	if err := CreateTable(context.Background(), db, spec, name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}
