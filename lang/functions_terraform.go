package lang

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Functions whose cty standard-library versions behave differently from Terraform's
// functions of the same name. Users write Terraform, so these follow Terraform (the README
// lists them).

// lengthFunc is Terraform's length: the number of elements of a collection or structural
// value, or the number of characters (grapheme clusters) of a string; cty's length rejects
// strings.
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the number of elements of a list, set, map, tuple or object, or the number of characters of a string.",
	Params: []function.Parameter{{
		Name:             "value",
		Type:             cty.DynamicPseudoType,
		AllowDynamicType: true,
		AllowUnknown:     true,
		AllowMarked:      true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		if ty == cty.String || ty == cty.DynamicPseudoType || ty.IsCollectionType() || ty.IsTupleType() || ty.IsObjectType() {
			return cty.Number, nil
		}
		return cty.Number, errors.New("argument must be a string, a collection type, or a structural type")
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v, marks := args[0].Unmark()
		ty := v.Type()
		switch {
		case ty.IsTupleType():
			return cty.NumberIntVal(int64(len(ty.TupleElementTypes()))).WithMarks(marks), nil
		case ty.IsObjectType():
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))).WithMarks(marks), nil
		case !v.IsKnown():
			return cty.UnknownVal(cty.Number).WithMarks(marks), nil
		case ty == cty.String:
			n, err := stdlib.Strlen(v)
			return n.WithMarks(marks), err
		}
		return v.Length().WithMarks(marks), nil
	},
})

// replaceFunc is Terraform's replace: a substring written between slashes ("/[0-9]+/") is a
// regular expression, and the replacement may use its captures ($1); otherwise every
// occurrence of the substring is replaced, as cty's replace does.
var replaceFunc = function.New(&function.Spec{
	Description: "Replaces each occurrence of substr in str with replace; a substr between slashes is a regular expression.",
	Params: []function.Parameter{
		{Name: "str", Type: cty.String},
		{Name: "substr", Type: cty.String},
		{Name: "replace", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		str, substr, repl := args[0].AsString(), args[1].AsString(), args[2].AsString()
		if len(substr) > 1 && substr[0] == '/' && substr[len(substr)-1] == '/' {
			re, err := regexp.Compile(substr[1 : len(substr)-1])
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(1, "invalid regular expression %s: %s", substr, err)
			}
			return cty.StringVal(re.ReplaceAllString(str, repl)), nil
		}
		return cty.StringVal(strings.ReplaceAll(str, substr, repl)), nil
	},
})

// lookupFunc is Terraform's lookup, whose default is optional (without it, a missing key is
// an error); cty's lookup requires the default.
var lookupFunc = function.New(&function.Spec{
	Description: stdlib.LookupFunc.Description(),
	Params: []function.Parameter{
		{Name: "inputMap", Type: cty.DynamicPseudoType, AllowMarked: true},
		{Name: "key", Type: cty.String, AllowMarked: true},
	},
	VarParam: &function.Parameter{Name: "default", Type: cty.DynamicPseudoType, AllowMarked: true, AllowNull: true},
	Type: func(args []cty.Value) (cty.Type, error) {
		switch len(args) {
		case 3:
			return stdlib.LookupFunc.ReturnTypeForValues(args)
		case 2:
			return lookupType(args)
		}
		return cty.NilType, fmt.Errorf("lookup takes two or three arguments, not %d", len(args))
	},
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		if len(args) == 3 {
			return stdlib.LookupFunc.Call(args)
		}
		return lookupValue(args)
	},
})

// lookupType is the result type of lookup without a default.
func lookupType(args []cty.Value) (cty.Type, error) {
	ty := args[0].Type()
	k, _ := args[1].Unmark()
	switch {
	case ty.IsMapType():
		return ty.ElementType(), nil
	case ty.IsObjectType() && k.IsKnown():
		if !ty.HasAttribute(k.AsString()) {
			return cty.NilType, function.NewArgErrorf(1, "lookup failed to find key %q", k.AsString())
		}
		return ty.AttributeType(k.AsString()), nil
	case ty.IsObjectType() || ty == cty.DynamicPseudoType:
		return cty.DynamicPseudoType, nil
	}
	return cty.NilType, function.NewArgErrorf(0, "lookup() requires a map as the first argument")
}

// lookupValue indexes a map or object by key; a missing key is an error.
func lookupValue(args []cty.Value) (cty.Value, error) {
	m, mMarks := args[0].Unmark()
	k, kMarks := args[1].Unmark()
	if !m.IsKnown() || !k.IsKnown() {
		return cty.DynamicVal, nil
	}
	key := k.AsString()
	missing := function.NewArgErrorf(1, "lookup failed to find key %q", key)
	switch {
	case m.IsNull():
		return cty.NilVal, missing
	case m.Type().IsObjectType():
		if !m.Type().HasAttribute(key) {
			return cty.NilVal, missing
		}
		return m.GetAttr(key).WithMarks(mMarks, kMarks), nil
	case !m.HasIndex(cty.StringVal(key)).True():
		return cty.NilVal, missing
	}
	return m.Index(cty.StringVal(key)).WithMarks(mMarks, kMarks), nil
}
