package rules

import (
	"errors"
	"reflect"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// The CEL types of the variables movement, source and destination. They are declared
// through a small type provider of our own rather than ext.NativeTypes: field reads are a
// switch-free table lookup resolved at plan time instead of reflection, and
// movement.amount can be an exact decimal.
var (
	movementType = cel.ObjectType("rules.Movement")
	partyType    = cel.ObjectType("rules.Party")
)

// movementObj is a movement prepared once per evaluation: amounts parsed once, field
// values built on first read and kept (an evaluation is single-goroutine), so that 50
// rules reading a field box it once.
type movementObj struct {
	m           Movement
	amount      decimal
	valueUSD    float64
	hasValueUSD bool
	vals        [16]ref.Val
}

// partyObj is a party prepared once per evaluation.
type partyObj struct {
	p             Party
	jurisdictions ref.Val
	vals          [16]ref.Val
}

func newMovementObj(m Movement) (*movementObj, error) {
	amount, err := parseDecimal(m.Amount)
	if err != nil {
		return nil, err
	}
	o := &movementObj{m: m, amount: amount}
	if m.ValueUSD != "" {
		v, err := parseDecimal(m.ValueUSD)
		if err != nil {
			return nil, err
		}
		o.valueUSD, o.hasValueUSD = v.approx, true
	}
	return o, nil
}

func newPartyObj(p Party) *partyObj {
	js := p.Jurisdictions
	if js == nil {
		js = []string{}
	}
	return &partyObj{p: p, jurisdictions: types.NewStringList(types.DefaultTypeAdapter, js)}
}

// field describes one field of an object: its CEL type and how to read it.
type field struct {
	name string
	typ  *types.Type
	get  func(obj any) ref.Val
}

var movementFields = []field{
	{"id", types.StringType, func(o any) ref.Val { return types.String(o.(*movementObj).m.ID) }},
	{"kind", types.StringType, func(o any) ref.Val { return types.String(o.(*movementObj).m.Kind) }},
	{"direction", types.StringType, func(o any) ref.Val { return types.String(o.(*movementObj).m.Kind.Direction()) }},
	{"asset", types.StringType, func(o any) ref.Val { return types.String(o.(*movementObj).m.Asset) }},
	{"chain", types.StringType, func(o any) ref.Val { return types.String(o.(*movementObj).m.Chain) }},
	{"amount", decimalType, func(o any) ref.Val { return o.(*movementObj).amount }},
	{"valueUsd", types.DoubleType, func(o any) ref.Val { return types.Double(o.(*movementObj).valueUSD) }},
	{"hasValueUsd", types.BoolType, func(o any) ref.Val { return types.Bool(o.(*movementObj).hasValueUSD) }},
	{"occurredAt", types.TimestampType, func(o any) ref.Val { return types.Timestamp{Time: o.(*movementObj).m.OccurredAt} }},
	{"txHash", types.StringType, func(o any) ref.Val { return types.String(o.(*movementObj).m.TxHash) }},
}

var partyFields = []field{
	{"type", types.StringType, func(o any) ref.Val { return types.String(o.(*partyObj).p.Type) }},
	{"vaultId", types.StringType, func(o any) ref.Val { return types.String(o.(*partyObj).p.VaultID) }},
	{"chain", types.StringType, func(o any) ref.Val { return types.String(o.(*partyObj).p.Chain) }},
	{"address", types.StringType, func(o any) ref.Val { return types.String(o.(*partyObj).p.Address) }},
	{"userId", types.StringType, func(o any) ref.Val { return types.String(o.(*partyObj).p.UserID) }},
	{"jurisdictions", types.NewListType(types.StringType), func(o any) ref.Val { return o.(*partyObj).jurisdictions }},
	{"country", types.StringType, func(o any) ref.Val { return types.String(o.(*partyObj).p.Country) }},
	{"riskTier", types.StringType, func(o any) ref.Val { return types.String(o.(*partyObj).p.RiskTier) }},
	{"sanctioned", types.BoolType, func(o any) ref.Val { return types.Bool(o.(*partyObj).p.Sanctioned) }},
}

// objectDef is one object type as the provider serves it.
type objectDef struct {
	typ    *types.Type
	names  []string
	fields map[string]*types.FieldType
	index  map[string]field
}

func newObjectDef(typ *types.Type, fs []field) *objectDef {
	if len(fs) > len(movementObj{}.vals) {
		panic("rules: more fields than the memo holds")
	}
	d := &objectDef{typ: typ, fields: map[string]*types.FieldType{}, index: map[string]field{}}
	for i, f := range fs {
		raw := f.get
		get := func(o any) ref.Val {
			var vals *[16]ref.Val
			switch x := o.(type) {
			case *movementObj:
				vals = &x.vals
			case *partyObj:
				vals = &x.vals
			default:
				return raw(o)
			}
			if v := vals[i]; v != nil {
				return v
			}
			v := raw(o)
			vals[i] = v
			return v
		}
		f.get = get
		d.names = append(d.names, f.name)
		d.index[f.name] = f
		d.fields[f.name] = &types.FieldType{
			Type: f.typ,
			// Every field is always present (empty string, zero, false): has() is true.
			IsSet:   func(any) bool { return true },
			GetFrom: func(o any) (any, error) { return get(o), nil },
		}
	}
	return d
}

// provider serves the object types on top of the standard registry. Objects cannot be
// constructed in an expression (NewValue refuses, and Compile rejects the syntax).
type provider struct {
	types.Provider
	objects map[string]*objectDef
}

func newProvider(base types.Provider) *provider {
	return &provider{Provider: base, objects: map[string]*objectDef{
		movementType.TypeName(): newObjectDef(movementType, movementFields),
		partyType.TypeName():    newObjectDef(partyType, partyFields),
		// Declared without fields so that movement.amount.x is "undefined field", not an
		// internal resolution failure.
		decimalType.TypeName(): newObjectDef(decimalType, nil),
		listType.TypeName():    newObjectDef(listType, nil),
	}}
}

func (p *provider) FindStructType(name string) (*types.Type, bool) {
	if d, ok := p.objects[name]; ok {
		return types.NewTypeTypeWithParam(d.typ), true
	}
	return p.Provider.FindStructType(name)
}

func (p *provider) FindStructFieldNames(name string) ([]string, bool) {
	if d, ok := p.objects[name]; ok {
		return d.names, true
	}
	return p.Provider.FindStructFieldNames(name)
}

func (p *provider) FindStructFieldType(name, fieldName string) (*types.FieldType, bool) {
	if d, ok := p.objects[name]; ok {
		f, ok := d.fields[fieldName]
		return f, ok
	}
	return p.Provider.FindStructFieldType(name, fieldName)
}

func (p *provider) NewValue(name string, fields map[string]ref.Val) ref.Val {
	if _, ok := p.objects[name]; ok {
		return types.NewErr("%s cannot be constructed in a rule", name)
	}
	return p.Provider.NewValue(name, fields)
}

// object is the CEL value of movement, source or destination. Value() is the prepared
// Go object that the field readers take.
type object struct {
	def *objectDef
	ptr any
}

var _ traits.Indexer = object{}

func (o object) ConvertToNative(reflect.Type) (any, error) {
	return nil, errors.New("rule objects do not leave CEL")
}

func (o object) ConvertToType(t ref.Type) ref.Val {
	if t == types.TypeType {
		return o.def.typ
	}
	return types.NewErr("type conversion error from '%s' to '%s'", o.def.typ, t)
}

func (o object) Equal(other ref.Val) ref.Val {
	x, ok := other.(object)
	if !ok || x.def != o.def {
		return types.False
	}
	switch a := o.ptr.(type) {
	case *movementObj:
		return types.Bool(reflect.DeepEqual(a.m, x.ptr.(*movementObj).m))
	case *partyObj:
		return types.Bool(reflect.DeepEqual(a.p, x.ptr.(*partyObj).p))
	}
	return types.False
}

func (o object) Type() ref.Type { return o.def.typ }
func (o object) Value() any     { return o.ptr }

// Get serves field reads that reach the object dynamically (through dyn()).
func (o object) Get(index ref.Val) ref.Val {
	name, ok := index.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(index)
	}
	f, ok := o.def.index[string(name)]
	if !ok {
		return types.NewErr("no such key: %s", name)
	}
	return f.get(o.ptr)
}
