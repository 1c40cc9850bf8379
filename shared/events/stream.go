package events

import (
	"fmt"

	lambda "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// StreamImage converts a DynamoDB stream image as Lambda delivers it (aws-lambda-go's
// types) to the SDK's, which the store decodes.
func StreamImage(m map[string]lambda.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		av, err := attributeValue(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func attributeValue(v lambda.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case lambda.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case lambda.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case lambda.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case lambda.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case lambda.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case lambda.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case lambda.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case lambda.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case lambda.DataTypeList:
		l := v.List()
		out := make([]types.AttributeValue, len(l))
		for i, e := range l {
			av, err := attributeValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = av
		}
		return &types.AttributeValueMemberL{Value: out}, nil
	case lambda.DataTypeMap:
		m, err := StreamImage(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unknown attribute type %v", v.DataType())
}
