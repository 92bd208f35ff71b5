package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// EnvVarPrefix prefixes environment variables that set input variables: J1HCL_VAR_region=eu.
const EnvVarPrefix = "J1HCL_VAR_"

// SensitiveMark marks values derived from sensitive variables.
const SensitiveMark = "sensitive"

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"},
		{Name: "default"},
		{Name: "description"},
		{Name: "sensitive"},
		{Name: "nullable"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true},
		{Name: "error_message", Required: true},
	},
}

type variableBlock struct {
	name        string
	block       *hcl.Block
	typ         cty.Type
	defaults    *typeexpr.Defaults
	def         *hcl.Attribute
	description string
	sensitive   bool
	nullable    bool
	validations []*hcl.Block
}

func (d *declarations) addVariable(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	var diags hcl.Diagnostics
	if !hclsyntax.ValidIdentifier(name) {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid variable name", Detail: fmt.Sprintf("%q is not a valid identifier.", name), Subject: b.LabelRanges[0].Ptr()})
	}
	if prev, dup := d.varByName[name]; dup {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate variable", Detail: fmt.Sprintf("var.%s is already declared at %s.", name, prev.block.DefRange), Subject: b.DefRange.Ptr()})
	}
	content, moreDiags := b.Body.Content(variableSchema)
	diags = append(diags, moreDiags...)
	v := &variableBlock{name: name, block: b, typ: cty.DynamicPseudoType, nullable: true, validations: content.Blocks}
	if a, ok := content.Attributes["type"]; ok {
		ty, defaults, tyDiags := typeexpr.TypeConstraintWithDefaults(a.Expr)
		diags = append(diags, tyDiags...)
		if !tyDiags.HasErrors() {
			v.typ, v.defaults = ty, defaults
		}
	}
	for _, attr := range []struct {
		name string
		dst  *bool
	}{{"sensitive", &v.sensitive}, {"nullable", &v.nullable}} {
		if a, ok := content.Attributes[attr.name]; ok {
			val, valDiags := a.Expr.Value(nil)
			diags = append(diags, valDiags...)
			if valDiags.HasErrors() {
				continue
			}
			if val.Type() != cty.Bool || val.IsNull() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + attr.name + " value", Detail: fmt.Sprintf("%s must be true or false.", attr.name), Subject: a.Expr.Range().Ptr()})
				continue
			}
			*attr.dst = val.True()
		}
	}
	if a, ok := content.Attributes["description"]; ok {
		val, valDiags := a.Expr.Value(nil)
		diags = append(diags, valDiags...)
		if !valDiags.HasErrors() && val.Type() == cty.String && !val.IsNull() {
			v.description = val.AsString()
		}
	}
	v.def = content.Attributes["default"]
	d.varByName[name] = v
	d.variables = append(d.variables, v)
	return diags
}

// rawValue is a variable value before conversion to the declared type.
type rawValue struct {
	// expr is set for values written in HCL (var files, and -var/env values of non-string types).
	expr hcl.Expression
	// str is set for string-typed -var and environment values, taken literally.
	str    string
	isStr  bool
	source string // e.g. `-var "region=eu"`, or `environment variable J1HCL_VAR_region`
	rng    *hcl.Range
}

// Variable files read without -var-file, as Terraform reads terraform.tfvars and
// *.auto.tfvars: DefaultVarFile (or its .json form), then *.auto.j1vars and *.auto.j1vars.json
// in name order, all directly in the configuration directory.
const (
	DefaultVarFile = "j1hcl.j1vars"
	AutoVarSuffix  = ".auto.j1vars"
)

// AutoVarFiles lists the variable files of dir that are loaded automatically, in loading
// order (a later file overrides an earlier one; -var-file and -var override them all).
func AutoVarFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var defaults, auto []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		switch {
		case name == DefaultVarFile || name == DefaultVarFile+".json":
			defaults = append(defaults, name)
		case strings.HasSuffix(name, AutoVarSuffix) || strings.HasSuffix(name, AutoVarSuffix+".json"):
			auto = append(auto, name)
		}
	}
	sort.Strings(defaults) // j1hcl.j1vars before j1hcl.j1vars.json
	sort.Strings(auto)
	files := make([]string, 0, len(defaults)+len(auto))
	for _, name := range append(defaults, auto...) {
		files = append(files, filepath.Join(dir, name))
	}
	return files, nil
}

// collectVariableValues gathers values from the environment, variable files and -var flags;
// later sources override earlier ones: environment < automatic variable files (AutoVarFiles)
// < -var-file files < -var, each in command-line order.
func collectVariableValues(d *declarations, opts Options) (map[string]rawValue, hcl.Diagnostics) {
	raw := map[string]rawValue{}
	var diags hcl.Diagnostics

	envNames := make([]string, 0)
	env := map[string]string{}
	for _, kv := range opts.Environ {
		if !strings.HasPrefix(kv, EnvVarPrefix) {
			continue
		}
		name, value, _ := strings.Cut(strings.TrimPrefix(kv, EnvVarPrefix), "=")
		env[name] = value
		envNames = append(envNames, name)
	}
	sort.Strings(envNames)
	for _, name := range envNames {
		v, ok := d.varByName[name]
		if !ok {
			continue // the environment is shared with other tools: ignore what we do not declare
		}
		rv, moreDiags := literalValue(v, env[name], "environment variable "+EnvVarPrefix+name)
		diags = append(diags, moreDiags...)
		if !moreDiags.HasErrors() {
			raw[name] = rv
		}
	}

	autoFiles, err := AutoVarFiles(opts.Dir)
	if err != nil {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot list variable files", Detail: fmt.Sprintf("Listing %s for *.auto.j1vars files failed: %s.", opts.Dir, err)})
	}
	for _, path := range append(autoFiles, opts.VarFiles...) {
		src, err := os.ReadFile(path)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read variable file", Detail: fmt.Sprintf("Reading the variable file %s failed: %s.", path, err)})
			continue
		}
		f, moreDiags := ParseFile(path, src)
		diags = append(diags, moreDiags...)
		if moreDiags.HasErrors() {
			continue
		}
		attrs, moreDiags := f.Body.JustAttributes()
		diags = append(diags, moreDiags...)
		names := make([]string, 0, len(attrs))
		for n := range attrs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			a := attrs[n]
			if _, ok := d.varByName[n]; !ok {
				diags = append(diags, undeclaredVariable(n, d, a.NameRange.Ptr(), "the variable file "+path))
				continue
			}
			raw[n] = rawValue{expr: a.Expr, source: "variable file " + path, rng: a.Expr.Range().Ptr()}
		}
	}

	for _, arg := range opts.Vars {
		name, value, ok := strings.Cut(arg, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid -var option", Detail: fmt.Sprintf("The -var option %q is not of the form NAME=VALUE, e.g. -var 'region=eu'.", arg)})
			continue
		}
		v, ok := d.varByName[name]
		if !ok {
			diags = append(diags, undeclaredVariable(name, d, nil, "-var"))
			continue
		}
		rv, moreDiags := literalValue(v, value, varArgSource(v, value))
		diags = append(diags, moreDiags...)
		if !moreDiags.HasErrors() {
			raw[name] = rv
		}
	}
	return raw, diags
}

// varArgSource names a -var argument in diagnostics: the value of a sensitive variable is
// never shown, and a long one is shortened.
func varArgSource(v *variableBlock, value string) string {
	switch {
	case v.sensitive:
		value = "(sensitive value)"
	case len(value) > 60:
		value = value[:57] + "…"
	}
	return fmt.Sprintf("-var %q", v.name+"="+value)
}

func undeclaredVariable(name string, d *declarations, subject *hcl.Range, where string) *hcl.Diagnostic {
	names := make([]string, 0, len(d.varByName))
	for n := range d.varByName {
		names = append(names, n)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Value for undeclared variable",
		Detail:   fmt.Sprintf("%s sets %q, but the configuration declares no variable of that name.%s Declare it with a variable block, or remove the value.", where, name, didYouMean(name, names)),
		Subject:  subject,
	}
}

// literalValue interprets a -var or environment value: taken literally for string (and
// untyped) variables, parsed as an HCL expression for every other type, as Terraform does.
func literalValue(v *variableBlock, s, source string) (rawValue, hcl.Diagnostics) {
	if v.typ == cty.String || v.typ == cty.DynamicPseudoType {
		return rawValue{str: s, isStr: true, source: source}, nil
	}
	if diags := checkSource(source, []byte(s)); diags.HasErrors() {
		for _, d := range diags {
			d.Detail = fmt.Sprintf("The value from %s for var.%s: %s", source, v.name, d.Detail)
			d.Subject = nil // the range is inside the command-line text, not a file
		}
		return rawValue{}, diags
	}
	expr, diags := hclsyntax.ParseExpression([]byte(s), source, hcl.InitialPos)
	if diags.HasErrors() {
		return rawValue{}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid variable value",
			Detail:   fmt.Sprintf("The value from %s for var.%s (type %s) is not a valid expression: %s", source, v.name, typeexpr.TypeString(v.typ), diags.Error()),
		}}
	}
	return rawValue{expr: expr, source: source}, nil
}

// evalVariables resolves every declared variable to a value of its type, applies defaults,
// nullability and sensitivity, then checks validation blocks.
func evalVariables(d *declarations, opts Options, funcs map[string]function.Function) (map[string]cty.Value, hcl.Diagnostics) {
	raw, diags := collectVariableValues(d, opts)
	vals := make(map[string]cty.Value, len(d.variables))
	for _, v := range d.variables {
		val, moreDiags := variableValue(v, raw)
		diags = append(diags, moreDiags...)
		if moreDiags.HasErrors() {
			vals[v.name] = cty.DynamicVal
			continue
		}
		if v.sensitive {
			val = val.Mark(SensitiveMark)
		}
		vals[v.name] = val
	}
	if diags.HasErrors() {
		return vals, diags
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vals)}, Functions: funcs}
	for _, v := range d.variables {
		for _, vb := range v.validations {
			diags = append(diags, checkValidation(v, vb, ctx)...)
		}
	}
	return vals, diags
}

// sensitiveValues returns the values of the variables declared sensitive.
func sensitiveValues(d *declarations, vals map[string]cty.Value) []cty.Value {
	var out []cty.Value
	for _, v := range d.variables {
		if val, ok := vals[v.name]; ok && v.sensitive {
			out = append(out, val)
		}
	}
	return out
}

func variableValue(v *variableBlock, raw map[string]rawValue) (cty.Value, hcl.Diagnostics) {
	var val cty.Value
	var subject *hcl.Range
	source := ""
	if rv, ok := raw[v.name]; ok {
		source, subject = rv.source, rv.rng
		if rv.isStr {
			val = cty.StringVal(rv.str)
		} else {
			var diags hcl.Diagnostics
			val, diags = rv.expr.Value(nil)
			if diags.HasErrors() {
				if rv.rng != nil {
					return cty.NilVal, diags // a var file: the diagnostics point at it
				}
				return cty.NilVal, hcl.Diagnostics{{
					Severity: hcl.DiagError,
					Summary:  "Invalid value for variable",
					Detail:   fmt.Sprintf("The value from %s for var.%s (type %s) is not valid: %s Values of non-string types are written in HCL syntax, e.g. 3, [\"a\", \"b\"] or {env = \"prod\"}.", source, v.name, typeexpr.TypeString(v.typ), diagDetails(diags)),
					Subject:  v.block.DefRange.Ptr(),
				}}
			}
		}
	} else if v.def != nil {
		source, subject = "its default", v.def.Expr.Range().Ptr()
		var diags hcl.Diagnostics
		val, diags = v.def.Expr.Value(nil)
		if diags.HasErrors() {
			return cty.NilVal, diags
		}
	} else {
		return cty.NilVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No value for required variable",
			Detail:   fmt.Sprintf("var.%s has no default and no value was given. Set it with -var '%s=…', a -var-file, or the environment variable %s%s.", v.name, v.name, EnvVarPrefix, v.name),
			Subject:  v.block.DefRange.Ptr(),
		}}
	}
	if v.defaults != nil {
		val = v.defaults.Apply(val)
	}
	converted, err := convert.Convert(val, v.typ)
	if err != nil {
		return cty.NilVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("The value of var.%s from %s is not a valid %s: %s.", v.name, source, typeexpr.TypeString(v.typ), err),
			Subject:  firstRange(subject, v.block.DefRange.Ptr()),
		}}
	}
	if converted.IsNull() && !v.nullable {
		return cty.NilVal, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Required variable is null",
			Detail:   fmt.Sprintf("var.%s is declared nullable = false, but its value from %s is null. Give it a value.", v.name, source),
			Subject:  firstRange(subject, v.block.DefRange.Ptr()),
		}}
	}
	return converted, nil
}

func diagDetails(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		parts = append(parts, d.Detail)
	}
	return strings.Join(parts, " ")
}

func firstRange(rs ...*hcl.Range) *hcl.Range {
	for _, r := range rs {
		if r != nil {
			return r
		}
	}
	return nil
}

func checkValidation(v *variableBlock, vb *hcl.Block, ctx *hcl.EvalContext) hcl.Diagnostics {
	content, diags := vb.Body.Content(validationSchema)
	if diags.HasErrors() {
		return diags
	}
	condAttr, msgAttr := content.Attributes["condition"], content.Attributes["error_message"]
	cond, moreDiags := condAttr.Expr.Value(ctx)
	diags = append(diags, moreDiags...)
	if moreDiags.HasErrors() {
		return diags
	}
	cond, _ = cond.Unmark()
	if cond.IsNull() || cond.Type() != cty.Bool {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid validation condition", Detail: "The condition must be true or false.", Subject: condAttr.Expr.Range().Ptr(), Expression: condAttr.Expr, EvalContext: ctx})
	}
	if cond.True() {
		return diags
	}
	msg := fmt.Sprintf("var.%s is not valid.", v.name)
	if m, mDiags := msgAttr.Expr.Value(ctx); !mDiags.HasErrors() {
		m, marks := m.Unmark()
		switch {
		case m.Type() != cty.String || m.IsNull() || !m.IsKnown():
		case len(marks) > 0:
			// The message interpolates a sensitive value: it must not be printed.
			msg = fmt.Sprintf("var.%s is not valid. (The validation rule's error_message is not shown because it includes a sensitive value.)", v.name)
		default:
			msg = m.AsString()
		}
	}
	return append(diags, &hcl.Diagnostic{
		Severity:    hcl.DiagError,
		Summary:     "Invalid value for variable",
		Detail:      msg + "\n\nThis was checked by the validation rule at " + condAttr.Range.String() + ".",
		Subject:     condAttr.Expr.Range().Ptr(),
		Expression:  condAttr.Expr,
		EvalContext: ctx,
		Extra:       authoredDetail{},
	})
}
