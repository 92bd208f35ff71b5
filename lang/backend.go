package lang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// Backend is the configuration's backend block: where the state lives. Its settings are
// literal values, as in Terraform (the state must be found before anything is evaluated);
// which kinds and settings exist is the state storage's business, not the language's.
type Backend struct {
	// Kind is the block's label: "local", "s3", "pg", "http", or anything else (refused
	// later, at DeclRange).
	Kind string
	// Settings are the attributes as strings (true/false for booleans, numbers as written).
	Settings map[string]BackendSetting
	// DeclRange is the block's header; KindRange its label.
	DeclRange hcl.Range
	KindRange hcl.Range
}

// BackendSetting is one attribute of the backend block.
type BackendSetting struct {
	Value string
	Range hcl.Range // the whole attribute
}

// Encryption is the configuration's encryption block: the passphrase that encrypts the
// state and saved plans. Never print Passphrase.
type Encryption struct {
	Passphrase string
	DeclRange  hcl.Range
}

var encryptionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "passphrase", Required: true}},
}

// decodeBackend reads the backend blocks; at most one is allowed.
func decodeBackend(blocks []*hcl.Block) (*Backend, hcl.Diagnostics) {
	if len(blocks) == 0 {
		return nil, nil
	}
	var diags hcl.Diagnostics
	for _, b := range blocks[1:] {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate backend block",
			Detail:   fmt.Sprintf("A configuration has at most one backend block; the first is at %s. Remove one of them.", blocks[0].DefRange),
			Subject:  b.DefRange.Ptr(),
		})
	}
	b := blocks[0]
	out := &Backend{Kind: b.Labels[0], Settings: map[string]BackendSetting{}, DeclRange: b.DefRange, KindRange: b.LabelRanges[0]}
	attrs, moreDiags := b.Body.JustAttributes()
	diags = append(diags, moreDiags...)
	for name, attr := range attrs {
		v, moreDiags := attr.Expr.Value(nil)
		if moreDiags.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Backend settings must be literal values",
				Detail:   fmt.Sprintf("%s of the backend block refers to something: the state is located before variables are read, so backend settings are written as literal values. Pass values that differ per environment or are secret with -backend-config=%s=VALUE or the backend's environment variables.", name, name),
				Subject:  attr.Expr.Range().Ptr(),
			})
			continue
		}
		s, err := convert.Convert(v, cty.String)
		if err != nil || s.IsNull() {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid backend setting",
				Detail:   fmt.Sprintf("%s must be a string, a number or a boolean.", name),
				Subject:  attr.Expr.Range().Ptr(),
			})
			continue
		}
		out.Settings[name] = BackendSetting{Value: s.AsString(), Range: attr.Range}
	}
	return out, diags
}

// decodeEncryption evaluates the encryption block (at most one) with the variables.
func decodeEncryption(blocks []*hcl.Block, vars map[string]cty.Value, funcs map[string]function.Function) (*Encryption, hcl.Diagnostics) {
	if len(blocks) == 0 {
		return nil, nil
	}
	var diags hcl.Diagnostics
	for _, b := range blocks[1:] {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Duplicate encryption block",
			Detail:   fmt.Sprintf("A configuration has at most one encryption block; the first is at %s. Remove one of them.", blocks[0].DefRange),
			Subject:  b.DefRange.Ptr(),
		})
	}
	b := blocks[0]
	content, moreDiags := b.Body.Content(encryptionSchema)
	diags = append(diags, moreDiags...)
	attr := content.Attributes["passphrase"]
	if attr == nil {
		return nil, diags
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}, Functions: funcs}
	v, moreDiags := attr.Expr.Value(ctx)
	if moreDiags.HasErrors() {
		return nil, append(diags, moreDiags...)
	}
	v, _ = v.Unmark()
	s, err := convert.Convert(v, cty.String)
	if err != nil || s.IsNull() || !s.IsKnown() || s.AsString() == "" {
		return nil, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid encryption passphrase",
			Detail:   "passphrase must be a non-empty string. Set it from a sensitive variable (passphrase = var.state_passphrase) and give the variable's value in the environment (J1HCL_VAR_state_passphrase), or leave the block out and set J1HCL_STATE_PASSPHRASE.",
			Subject:  attr.Expr.Range().Ptr(),
		})
	}
	return &Encryption{Passphrase: s.AsString(), DeclRange: b.DefRange}, diags
}

// stateSchema picks the blocks LoadStateSettings reads.
var stateSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "backend", LabelNames: []string{"kind"}},
	{Type: "encryption"},
	{Type: "variable", LabelNames: []string{"name"}},
}}

// StateSettings are what locating and opening the state needs of a configuration.
type StateSettings struct {
	Backend    *Backend    // nil: no backend block (the local state file)
	Encryption *Encryption // nil: no encryption block
	// Files are the parsed configuration files, for diagnostic snippets.
	Files map[string]*hcl.File
}

// LoadStateSettings reads only the backend and encryption blocks of the configuration in
// opts.Dir (and the variables, when an encryption block needs them), for commands that work
// on the state without planning. A directory without configuration files has neither.
func LoadStateSettings(opts Options) (*StateSettings, hcl.Diagnostics) {
	paths, read, err := configSources(opts)
	if err != nil || len(paths) == 0 {
		return &StateSettings{}, nil
	}
	files, diags := parseFiles(paths, read)
	if diags.HasErrors() {
		return nil, diags
	}
	// Only the blocks the state needs: a configuration with other problems still lets the
	// state commands work (plan and apply report those problems).
	decls := &declarations{varByName: map[string]*variableBlock{}}
	for _, f := range files {
		if f == nil {
			continue
		}
		content, _, moreDiags := f.Body.PartialContent(stateSchema)
		diags = append(diags, moreDiags...)
		for _, b := range content.Blocks {
			switch b.Type {
			case "backend":
				decls.backends = append(decls.backends, b)
			case "encryption":
				decls.encryptions = append(decls.encryptions, b)
			case "variable":
				diags = append(diags, decls.addVariable(b)...)
			}
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	out := &StateSettings{Files: map[string]*hcl.File{}}
	for i, f := range files {
		if f != nil {
			out.Files[paths[i]] = f
		}
	}
	var moreDiags hcl.Diagnostics
	out.Backend, moreDiags = decodeBackend(decls.backends)
	diags = append(diags, moreDiags...)
	if len(decls.encryptions) > 0 {
		funcs := Functions(opts.Dir)
		vars, moreDiags := evalVariables(decls, opts, funcs)
		diags = append(diags, moreDiags...)
		if moreDiags.HasErrors() {
			return nil, diags
		}
		out.Encryption, moreDiags = decodeEncryption(decls.encryptions, vars, funcs)
		diags = append(diags, moreDiags...)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return out, diags
}
