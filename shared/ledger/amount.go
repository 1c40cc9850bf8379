package ledger

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Amount is an exact integer number of an asset's smallest unit (satoshi, wei, ...),
// signed. It is immutable: every operation returns a new Amount, so copies never share
// state. The zero value is zero.
//
// Amounts are arbitrary-precision because int64 is too small for some assets (2^63 wei is
// 9.2 ETH); what the ledger accepts is bounded by MaxAmount instead, which keeps every
// stored balance within DynamoDB's 38 exact digits.
type Amount struct{ i *big.Int }

// MaxAmount bounds every entry and every balance (in absolute value): 10^36-1 units.
var MaxAmount = func() Amount {
	m := new(big.Int).Exp(big.NewInt(10), big.NewInt(36), nil)
	return Amount{m.Sub(m, big.NewInt(1))}
}()

// AmountOf is n units.
func AmountOf(n int64) Amount { return Amount{big.NewInt(n)} }

// ParseAmount reads a decimal integer: an optional '-', then digits without leading
// zeros. No fractions, exponents, spaces or '+': an amount is always in the smallest unit.
func ParseAmount(s string) (Amount, error) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || len(digits) > 60 || (len(digits) > 1 && digits[0] == '0') {
		return Amount{}, fmt.Errorf("ledger: %q is not an integer amount", s)
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return Amount{}, fmt.Errorf("ledger: %q is not an integer amount", s)
		}
	}
	i, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return Amount{}, fmt.Errorf("ledger: %q is not an integer amount", s)
	}
	return Amount{i}, nil
}

func (a Amount) big() *big.Int {
	if a.i == nil {
		return new(big.Int)
	}
	return a.i
}

// Big is a copy of the amount as a big.Int.
func (a Amount) Big() *big.Int { return new(big.Int).Set(a.big()) }

// Add is a+b.
func (a Amount) Add(b Amount) Amount { return Amount{new(big.Int).Add(a.big(), b.big())} }

// Sub is a-b.
func (a Amount) Sub(b Amount) Amount { return Amount{new(big.Int).Sub(a.big(), b.big())} }

// Neg is -a.
func (a Amount) Neg() Amount { return Amount{new(big.Int).Neg(a.big())} }

// Abs is |a|.
func (a Amount) Abs() Amount { return Amount{new(big.Int).Abs(a.big())} }

// Sign is -1, 0 or +1.
func (a Amount) Sign() int { return a.big().Sign() }

// IsZero reports whether a is zero.
func (a Amount) IsZero() bool { return a.Sign() == 0 }

// Cmp compares a and b (-1, 0, +1).
func (a Amount) Cmp(b Amount) int { return a.big().Cmp(b.big()) }

// Equal reports whether a == b.
func (a Amount) Equal(b Amount) bool { return a.Cmp(b) == 0 }

// String is the decimal form.
func (a Amount) String() string { return a.big().String() }

// InRange reports whether |a| <= MaxAmount.
func (a Amount) InRange() bool { return a.Abs().Cmp(MaxAmount) <= 0 }

// MarshalJSON writes the amount as a JSON string: clients in JavaScript lose precision
// on numbers above 2^53.
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON reads a JSON string or an integer JSON number (no fraction, no exponent).
func (a *Amount) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := ParseAmount(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// MarshalDynamoDBAttributeValue stores the amount as a DynamoDB number.
func (a Amount) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberN{Value: a.String()}, nil
}

// UnmarshalDynamoDBAttributeValue reads a number or a string.
func (a *Amount) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	var s string
	switch v := av.(type) {
	case *types.AttributeValueMemberN:
		s = v.Value
	case *types.AttributeValueMemberS:
		s = v.Value
	case *types.AttributeValueMemberNULL:
		*a = Amount{}
		return nil
	default:
		return fmt.Errorf("ledger: amount stored as %T", av)
	}
	if i, ok := new(big.Int).SetString(s, 10); ok {
		*a = Amount{i}
		return nil
	}
	// DynamoDB may render a number in another form than it was written ("1E+3").
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() {
		return fmt.Errorf("ledger: stored amount %q is not an integer", s)
	}
	*a = Amount{new(big.Int).Set(r.Num())}
	return nil
}
