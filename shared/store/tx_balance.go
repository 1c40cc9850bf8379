package store

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Bounds limit the value an Adjust may leave in its attribute. Nil means unbounded.
type Bounds struct {
	Min *big.Int // checked on a decrease: the result must stay >= Min
	Max *big.Int // checked on an increase: the result must stay <= Max
}

// Adjust adds delta (non-zero, any sign) to the number attribute attr of the item under
// key with DynamoDB ADD, so concurrent adjustments all count, without touching a version:
// for balances, which many transactions move at once. An absent item is created from
// init; init's other attributes (entity type, owner, index keys) are set on every write
// and so must be fixed for the key.
//
// Bounds become the item's condition, evaluated on the stored value before the addition
// (DynamoDB conditions cannot add): a decrease with b.Min needs attr >= Min-delta, an
// increase with b.Max needs attr <= Max-delta. An absent attribute counts as zero, so a
// debit of a balance never written fails when Min is zero and passes when Min is low
// enough. A failed bound cancels the transaction with ErrConditionFailed on this item.
// Numbers are exact in DynamoDB up to 38 digits: keep the bounds below 10^38.
func (t *Tx) Adjust(key Key, init Entity, attr string, delta *big.Int, b Bounds) *Tx {
	up, err := t.adjustUpdate(key, init, attr, delta, b)
	return t.add("adjust", key, types.TransactWriteItem{Update: up}, err)
}

func (t *Tx) adjustUpdate(key Key, init Entity, attr string, delta *big.Int, b Bounds) (*types.Update, error) {
	switch {
	case delta == nil || delta.Sign() == 0:
		return nil, errors.New("adjust by zero")
	case reserved(attr) || strings.HasPrefix(attr, "#"):
		return nil, fmt.Errorf("cannot adjust attribute %q", attr)
	}
	m, err := encode(key, init, -1)
	if err != nil {
		return nil, err
	}
	delete(m, AttrPK)
	delete(m, AttrSK)
	delete(m, attr)
	names := map[string]string{"#_a": attr}
	values := map[string]types.AttributeValue{":_d": &types.AttributeValueMemberN{Value: delta.String()}}
	var sets []string
	for i, name := range sortedKeys(m) {
		n, v := fmt.Sprintf("#_s%d", i), fmt.Sprintf(":_s%d", i)
		names[n], values[v] = name, m[name]
		sets = append(sets, n+" = "+v)
	}
	expr := "ADD #_a :_d"
	if len(sets) > 0 {
		expr = "SET " + strings.Join(sets, ", ") + " " + expr
	}
	up := &types.Update{
		TableName:                           &t.s.table,
		Key:                                 key.av(),
		UpdateExpression:                    aws.String(expr),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	switch {
	case delta.Sign() < 0 && b.Min != nil:
		need := new(big.Int).Sub(b.Min, delta) // Min - delta: stored >= need keeps the result >= Min
		values[":_need"] = &types.AttributeValueMemberN{Value: need.String()}
		up.ConditionExpression = aws.String(boundCond(need.Sign() <= 0, "#_a >= :_need"))
	case delta.Sign() > 0 && b.Max != nil:
		room := new(big.Int).Sub(b.Max, delta)
		values[":_room"] = &types.AttributeValueMemberN{Value: room.String()}
		up.ConditionExpression = aws.String(boundCond(room.Sign() >= 0, "#_a <= :_room"))
	}
	return up, nil
}

// boundCond is a bound's condition: an absent attribute counts as zero, so it passes
// when zero itself is within the bound.
func boundCond(zeroPasses bool, cmp string) string {
	if zeroPasses {
		return "attribute_not_exists(#_a) OR " + cmp
	}
	return cmp
}
