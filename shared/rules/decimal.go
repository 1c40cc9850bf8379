package rules

import (
	"errors"
	"math"
	"math/big"
	"reflect"
	"strconv"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// decimalType is the CEL type of movement.amount and of decimal("..."): an exact decimal
// that orders against decimals, ints and doubles.
var decimalType = cel.ObjectType("decimal", traits.ComparerType)

// decimal is an exact decimal number. approx is its nearest double: comparisons decide on
// it when the two sides are clearly apart and fall back to exact rationals only when they
// are within a relative 1e-12 of each other, so the common case allocates nothing.
type decimal struct {
	text   string
	exact  *big.Rat
	approx float64
}

var errNotDecimal = errors.New("not an exact decimal")

// parseDecimal accepts an optional sign, digits and an optional fraction: "12", "-0.5",
// "1200.000000000000000001". No exponent, no fractions like "1/3", no spaces.
func parseDecimal(s string) (decimal, error) {
	if !isDecimal(s) {
		return decimal{}, errNotDecimal
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return decimal{}, errNotDecimal
	}
	f, _ := r.Float64()
	return decimal{text: s, exact: r, approx: f}, nil
}

func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		frac := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			frac++
		}
		if frac == 0 {
			return false
		}
	}
	return i == len(s) && len(s) <= 100
}

// ConvertToNative implements ref.Val: a decimal leaves CEL as its exact text.
func (d decimal) ConvertToNative(typeDesc reflect.Type) (any, error) {
	if typeDesc.Kind() == reflect.String {
		return d.text, nil
	}
	return nil, errors.New("decimal converts only to string")
}

// ConvertToType implements ref.Val.
func (d decimal) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.StringType:
		return types.String(d.text)
	case types.DoubleType:
		return types.Double(d.approx)
	case types.TypeType:
		return decimalType
	}
	return types.NewErr("type conversion error from decimal to '%s'", t)
}

// Equal implements ref.Val: equal when the two decimals are the same number ("1.50" equals "1.5").
func (d decimal) Equal(other ref.Val) ref.Val {
	o, ok := other.(decimal)
	if !ok {
		return types.False
	}
	return types.Bool(d.exact.Cmp(o.exact) == 0)
}

// Type implements ref.Val.
func (d decimal) Type() ref.Type { return decimalType }

// Value implements ref.Val.
func (d decimal) Value() any { return d.text }

// Compare implements traits.Comparer against decimals, ints, uints and doubles. A double is
// taken at its shortest decimal text (1000.1 as "1000.1"), which is what the rule's author
// wrote; taking its binary value instead would make 0.1 >= 0.1 false.
func (d decimal) Compare(other ref.Val) ref.Val {
	var g float64
	switch o := other.(type) {
	case decimal:
		if c, ok := quickCompare(d.approx, o.approx); ok {
			return c
		}
		return types.Int(d.exact.Cmp(o.exact))
	case types.Int:
		g = float64(o)
	case types.Uint:
		g = float64(o)
	case types.Double:
		g = float64(o)
		if math.IsNaN(g) {
			return types.NewErr("decimal compared with NaN")
		}
		if math.IsInf(g, 0) {
			return types.Int(-int(math.Copysign(1, g)))
		}
	default:
		return types.MaybeNoSuchOverloadErr(other)
	}
	if c, ok := quickCompare(d.approx, g); ok {
		return c
	}
	var r *big.Rat
	switch o := other.(type) {
	case types.Int:
		r = new(big.Rat).SetInt64(int64(o))
	case types.Uint:
		r = new(big.Rat).SetUint64(uint64(o))
	case types.Double:
		r, _ = new(big.Rat).SetString(strconv.FormatFloat(float64(o), 'g', -1, 64))
	}
	return types.Int(d.exact.Cmp(r))
}

// quickCompare decides when a and b, each within a relative 2^-53 of the exact value they
// stand for, are too far apart for rounding to matter.
func quickCompare(a, b float64) (ref.Val, bool) {
	diff := a - b
	scale := math.Max(math.Abs(a), math.Abs(b))
	if math.Abs(diff) <= scale*1e-12 {
		return nil, false
	}
	if diff < 0 {
		return types.IntNegOne, true
	}
	return types.IntOne, true
}
