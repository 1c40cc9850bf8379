package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Tally is an upsert of an aggregate item: numbers added (DynamoDB ADD, so concurrent
// tallies all count), strings added to string sets, attributes set only when the item
// does not have them yet, and a TTL. The item is created by the first tally; it carries
// no version (aggregates are never read-modify-written).
type Tally struct {
	Entity    string
	Add       map[string]int64
	AddToSet  map[string][]string
	SetAbsent map[string]string // SET a = if_not_exists(a, v): first-seen values
	Set       map[string]string // SET a = v: last-seen values
	ExpiresAt time.Time         // zero: no TTL
}

// Tally adds an aggregate upsert to the transaction. Attribute names must not start with
// an underscore; store attributes (keys, entity, version) cannot be tallied, except the
// GSI keys, which SetAbsent and Set may write (an item that joins an index on its first
// tally).
func (t *Tx) Tally(key Key, tl Tally) *Tx {
	in, err := tallyUpdate(key, tl)
	if err != nil {
		return t.add("tally", key, types.TransactWriteItem{}, err)
	}
	in.TableName = &t.s.table
	return t.add("tally", key, types.TransactWriteItem{Update: in}, nil)
}

func tallyUpdate(key Key, tl Tally) (*types.Update, error) {
	if err := key.Validate(); err != nil {
		return nil, err
	}
	if tl.Entity == "" {
		return nil, errors.New("tally without an entity type")
	}
	names := map[string]string{"#_e": AttrType}
	values := map[string]types.AttributeValue{":_e": &types.AttributeValueMemberS{Value: tl.Entity}}
	sets := []string{"#_e = :_e"}
	var adds []string
	n := 0
	name := func(a string) (string, error) {
		switch a {
		case AttrPK, AttrSK, AttrType, AttrVersion, AttrExpiresAt, "":
			return "", fmt.Errorf("attribute %q cannot be tallied", a)
		}
		if strings.HasPrefix(a, "_") {
			return "", fmt.Errorf("attribute %q starts with an underscore", a)
		}
		n++
		p := fmt.Sprintf("#t%d", n)
		names[p] = a
		return p, nil
	}
	for _, a := range slices.Sorted(maps.Keys(tl.Add)) {
		p, err := name(a)
		if err != nil {
			return nil, err
		}
		v := ":v" + p[2:]
		values[v] = number(tl.Add[a])
		adds = append(adds, p+" "+v)
	}
	for _, a := range slices.Sorted(maps.Keys(tl.AddToSet)) {
		members := slices.Compact(slices.Sorted(slices.Values(tl.AddToSet[a])))
		if len(members) == 0 {
			continue
		}
		p, err := name(a)
		if err != nil {
			return nil, err
		}
		v := ":v" + p[2:]
		values[v] = &types.AttributeValueMemberSS{Value: members}
		adds = append(adds, p+" "+v)
	}
	for _, a := range slices.Sorted(maps.Keys(tl.SetAbsent)) {
		p, err := name(a)
		if err != nil {
			return nil, err
		}
		v := ":v" + p[2:]
		values[v] = &types.AttributeValueMemberS{Value: tl.SetAbsent[a]}
		sets = append(sets, p+" = if_not_exists("+p+", "+v+")")
	}
	for _, a := range slices.Sorted(maps.Keys(tl.Set)) {
		p, err := name(a)
		if err != nil {
			return nil, err
		}
		v := ":v" + p[2:]
		values[v] = &types.AttributeValueMemberS{Value: tl.Set[a]}
		sets = append(sets, p+" = "+v)
	}
	if !tl.ExpiresAt.IsZero() {
		names["#_x"] = AttrExpiresAt
		values[":_x"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(tl.ExpiresAt.Unix(), 10)}
		sets = append(sets, "#_x = if_not_exists(#_x, :_x)")
	}
	expr := "SET " + strings.Join(sets, ", ")
	if len(adds) > 0 {
		expr += " ADD " + strings.Join(adds, ", ")
	}
	return &types.Update{Key: key.av(), UpdateExpression: aws.String(expr), ExpressionAttributeNames: names, ExpressionAttributeValues: values}, nil
}
