package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Increment atomically adds one to the counter item under key (creating it at 1) and
// returns the new count. The item expires at expiresAt (TTL), so a counter per time
// window cleans itself up. Counters are not versioned: concurrent increments all count.
func (s *Store) Increment(ctx context.Context, key Key, entity string, expiresAt time.Time) (int64, error) {
	if err := key.Validate(); err != nil {
		return 0, err
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:        &s.table,
		Key:              key.av(),
		UpdateExpression: aws.String("ADD #_n :_one SET #_e = :_entity, #_x = if_not_exists(#_x, :_exp)"),
		ExpressionAttributeNames: map[string]string{
			"#_n": "count", "#_e": AttrType, "#_x": AttrExpiresAt,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":_one":    &types.AttributeValueMemberN{Value: "1"},
			":_entity": &types.AttributeValueMemberS{Value: entity},
			":_exp":    &types.AttributeValueMemberN{Value: strconv.FormatInt(expiresAt.Unix(), 10)},
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("store: increment %s/%s: %w", key.PK, key.SK, err)
	}
	n, ok := out.Attributes["count"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("store: increment %s/%s: no count returned", key.PK, key.SK)
	}
	return strconv.ParseInt(n.Value, 10, 64)
}
