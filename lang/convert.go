package lang

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/internal/model"
)

// errMarked is toModel's error for a value that holds a mark: the caller unmarks it first.
var errMarked = errors.New("value is marked")

// toModel converts an unmarked, known cty value to its JSON-shaped payload form. Lists,
// tuples and sets become []any (a tuple keeps its element types, so ["a", 1] stays mixed for
// the validator to report); maps and objects become map[string]any.
func toModel(v cty.Value) (any, error) {
	if v.IsMarked() {
		return nil, errMarked
	}
	if !v.IsKnown() {
		return nil, fmt.Errorf("value is not known")
	}
	if v.IsNull() {
		return nil, nil
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return v.AsString(), nil
	case ty == cty.Number:
		return model.FormatBigFloat(v.AsBigFloat()), nil
	case ty == cty.Bool:
		return v.True(), nil
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType():
		out := make([]any, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			c, err := toModel(e)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	case ty.IsMapType() || ty.IsObjectType():
		out := make(map[string]any, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			c, err := toModel(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k.AsString(), err)
			}
			out[k.AsString()] = c
		}
		return out, nil
	}
	return nil, fmt.Errorf("values of type %s cannot be uploaded", ty.FriendlyName())
}

// toCty converts a JSON-shaped value back to cty (lists become tuples, maps objects), for the
// values references see.
func toCty(v any) (cty.Value, error) {
	switch x := v.(type) {
	case nil:
		return cty.NullVal(cty.DynamicPseudoType), nil
	case string:
		return cty.StringVal(x), nil
	case bool:
		return cty.BoolVal(x), nil
	case json.Number:
		f, _, err := big.ParseFloat(string(x), 10, 512, big.ToNearestEven)
		if err != nil {
			return cty.NilVal, err
		}
		return cty.NumberVal(f), nil
	case []any:
		if len(x) == 0 {
			return cty.EmptyTupleVal, nil
		}
		elems := make([]cty.Value, len(x))
		for i, e := range x {
			c, err := toCty(e)
			if err != nil {
				return cty.NilVal, err
			}
			elems[i] = c
		}
		return cty.TupleVal(elems), nil
	case map[string]any:
		if len(x) == 0 {
			return cty.EmptyObjectVal, nil
		}
		attrs := make(map[string]cty.Value, len(x))
		for k, e := range x {
			c, err := toCty(e)
			if err != nil {
				return cty.NilVal, err
			}
			attrs[k] = c
		}
		return cty.ObjectVal(attrs), nil
	}
	return cty.NilVal, fmt.Errorf("unsupported value of Go type %T", v)
}

// describeValue names a value's type (and the value, when short) for messages.
func describeValue(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	if v.Type() == cty.String {
		s := v.AsString()
		if len(s) > 40 {
			s = s[:39] + "…"
		}
		return fmt.Sprintf("the string %q", s)
	}
	return v.Type().FriendlyName()
}
