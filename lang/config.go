package lang

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Integration is the evaluated integration block.
type Integration struct {
	// Type is the integration type: kebab-case (a custom definition's) or snake_case.
	Type string
	// InstanceID and Scope identify the target; at most one is set here (the command line or
	// environment may supply one later).
	InstanceID string
	Scope      string
	// KeyPrefix prefixes default entity keys; it defaults to Type.
	KeyPrefix string
	// SyncMode is "DIFF", "PATCH" or "" (not set).
	SyncMode string
	Rules    Rules
	// DeclRange is the block's header.
	DeclRange hcl.Range
	// Ranges locates the attributes that were written, by name.
	Ranges map[string]hcl.Range
}

// Rules is the integration's rules { } block: severities as written, for the validate stage
// to interpret.
type Rules struct {
	Strict      bool
	Severities  map[string]RuleSetting
	StrictRange *hcl.Range
}

// RuleSetting is one `CODE = "off|warning|error"` line.
type RuleSetting struct {
	Value string
	Range hcl.Range
}

// Config is a loaded and evaluated configuration.
type Config struct {
	Dir string
	// Files are the parsed files by name, for diagnostic snippets.
	Files       map[string]*hcl.File
	Integration Integration
	// Graph is the desired graph, in declaration order.
	Graph *model.Graph
	// Imports are the import blocks, in declaration order: objects of the configuration to
	// adopt from the live graph by _key.
	Imports []Import
	// Moves are the moved blocks, in declaration order: renamed blocks and instances. An
	// entity's default _key already follows them (see model.Object.DefaultKeyFrom).
	Moves []Move
	// State says where the state lives and how it is encrypted (backend.go).
	State StateSettings

	blocks    map[string]*objectBlock // by address: the block of each object (see origin)
	protected map[string]bool
}

// Load reads, parses and evaluates the configuration in opts.Dir. Diagnostics may hold
// warnings when the configuration is usable; with errors, the Config is partial (Files is
// always set, for rendering the diagnostics).
//
// No diagnostic holds the value of a sensitive variable (see redactDiagnostics).
func Load(opts Options) (cfg *Config, diags hcl.Diagnostics) {
	var secrets []string
	defer func() { diags = redactDiagnostics(diags, secrets) }()
	cfg = &Config{Dir: opts.Dir, Files: map[string]*hcl.File{}, Graph: &model.Graph{}}
	paths, read, err := configSources(opts)
	if err != nil {
		return cfg, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read configuration directory", Detail: fmt.Sprintf("%s. Run j1hcl in a directory with .hcl files, or pass -chdir=DIR.", err)}}
	}
	if len(paths) == 0 {
		return cfg, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No configuration files", Detail: fmt.Sprintf("%s holds no *.hcl or *.hcl.json files. Create one (j1hcl init writes a starter main.hcl), or pass -chdir=DIR.", opts.Dir)}}
	}
	files, blocks, diags := loadFiles(paths, read)
	for i, f := range files {
		if f != nil {
			// Diagnostics need only the source text: the syntax tree goes block by block
			// (readBlocks, then each block's release once evaluated).
			cfg.Files[paths[i]] = &hcl.File{Bytes: f.Bytes}
		}
	}
	if diags.HasErrors() {
		return cfg, diags
	}
	decls, moreDiags := decodeFiles(files, blocks)
	diags = append(diags, moreDiags...)
	if diags.HasErrors() {
		return cfg, diags
	}
	funcs := Functions(opts.Dir)
	vars, moreDiags := evalVariables(decls, opts, funcs)
	diags = append(diags, moreDiags...)
	secrets = sensitiveText(sensitiveValues(decls, vars))
	if diags.HasErrors() {
		return cfg, diags
	}
	cfg.State.Files = cfg.Files
	cfg.State.Backend, moreDiags = decodeBackend(decls.backends)
	diags = append(diags, moreDiags...)
	cfg.State.Encryption, moreDiags = decodeEncryption(decls.encryptions, vars, funcs)
	diags = append(diags, moreDiags...)
	if cfg.State.Encryption != nil {
		secrets = append(secrets, cfg.State.Encryption.Passphrase)
	}
	if diags.HasErrors() {
		return cfg, diags
	}
	order, moreDiags := buildGraph(decls)
	diags = append(diags, moreDiags...)
	if diags.HasErrors() {
		return cfg, diags
	}
	e := &evaluator{funcs: funcs, varObj: cty.ObjectVal(vars), movedTo: decls.movedTo}
	cfg.Imports, moreDiags = decls.evalImports(&hcl.EvalContext{Variables: map[string]cty.Value{"var": e.varObj}, Functions: funcs})
	diags = append(diags, moreDiags...)
	for _, m := range decls.moves {
		cfg.Moves = append(cfg.Moves, m.Move)
	}
	for _, n := range order {
		switch {
		case n.integ != nil:
			moreDiags = e.evalIntegration(n)
		case n.local != nil:
			moreDiags = e.evalLocal(n)
		case n.obj != nil:
			moreDiags = e.evalObjectBlock(n)
			n.obj.release()
		}
		diags = append(diags, moreDiags...)
		if diags.HasErrors() {
			return cfg, diags
		}
	}
	cfg.Integration = e.integ
	cfg.blocks = make(map[string]*objectBlock, len(decls.objects))
	cfg.protected = map[string]bool{}
	for _, b := range decls.objects {
		// References are resolved: let the collector have the cty copies of the graph.
		b.value = cty.NilVal
		cfg.blocks[b.addr] = b
		if b.preventDestroy {
			cfg.protected[b.addr] = true
		}
		for _, o := range b.instances {
			cfg.Graph.Add(o)
		}
	}
	if len(cfg.Imports) > 0 || len(decls.moves) > 0 {
		addrs := make(map[string]bool, cfg.Graph.Len())
		for _, o := range cfg.Graph.All() {
			addrs[o.Address] = true
		}
		diags = append(diags, checkImportInstances(cfg.Imports, addrs)...)
		diags = append(diags, decls.checkMoveInstances(addrs)...)
	}
	return cfg, diags
}

// origin returns the block that declared an object of the configuration, found by its
// address (the block's, with the instance key of a for_each block), or nil. Block labels are
// identifiers, so the key starts at the first '['. A table of the blocks rather than one of
// the objects: a handful of blocks can make a million objects.
func (c *Config) origin(o *model.Object) *objectBlock {
	addr := o.Address
	if i := strings.IndexByte(addr, '['); i >= 0 {
		addr = addr[:i]
	}
	return c.blocks[addr]
}

// Range locates a property of an object of the configuration (see validate.Locator).
func (c *Config) Range(o *model.Object, prop string) *hcl.Range {
	b := c.origin(o)
	if b == nil {
		return nil
	}
	attr := func(name string) *hcl.Range {
		if r, ok := b.attrRange(name); ok {
			return &r
		}
		return nil
	}
	switch prop {
	case "":
		return b.defRange.Ptr()
	case model.PropFromKey:
		return firstRange(attr("from"), b.defRange.Ptr())
	case model.PropToKey:
		return firstRange(attr("to"), b.defRange.Ptr())
	case model.PropMapping:
		return firstRange(attr("target"), attr("from"), b.defRange.Ptr())
	}
	// A property written as an attribute (meta-arguments other than _key, _type and _class are
	// never payload properties), else a key of properties = { … }, else the properties
	// attribute when the key was computed; defaults point at the block.
	if r := attr(prop); r != nil {
		return r
	}
	if r, ok := b.propKeyRanges[prop]; ok {
		return r.Ptr()
	}
	switch prop {
	case model.PropKey, model.PropType, model.PropDisplayName:
		return b.defRange.Ptr()
	}
	return firstRange(attr("properties"), b.defRange.Ptr())
}

// Written reports whether a property was written in the configuration rather than filled in
// by a default (_key, _type, displayName).
func (c *Config) Written(o *model.Object, prop string) bool {
	b := c.origin(o)
	if b == nil {
		return true
	}
	switch prop {
	case model.PropKey, model.PropType, model.PropDisplayName:
		if _, ok := b.attrRange(prop); ok {
			return true
		}
		_, inProps := b.propKeyRanges[prop]
		return inProps
	}
	return true
}

// Protected reports whether the object at a state address belongs to a block with
// lifecycle { prevent_destroy = true }.
func (c *Config) Protected(address string) bool {
	if i := strings.IndexByte(address, '['); i >= 0 {
		address = address[:i]
	}
	return c.protected[address]
}

var integrationModes = []string{"DIFF", "PATCH"}

func (e *evaluator) evalIntegration(n *node) hcl.Diagnostics {
	ib := n.integ
	ctx := e.context(n)
	in := Integration{DeclRange: ib.block.DefRange, Ranges: map[string]hcl.Range{}}
	var diags hcl.Diagnostics
	str := func(name string, dst *string) {
		a, ok := ib.attrs[name]
		if !ok {
			return
		}
		in.Ranges[name] = a.Expr.Range()
		v, d := a.Expr.Value(ctx)
		diags = append(diags, d...)
		if d.HasErrors() {
			return
		}
		v, _ = v.Unmark()
		if v.IsNull() {
			return
		}
		if v.Type() != cty.String {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + name, Detail: fmt.Sprintf("%s must be a string, not %s.", name, v.Type().FriendlyName()), Subject: a.Expr.Range().Ptr()})
			return
		}
		*dst = v.AsString()
	}
	str("type", &in.Type)
	str("instance_id", &in.InstanceID)
	str("scope", &in.Scope)
	str("key_prefix", &in.KeyPrefix)
	str("sync_mode", &in.SyncMode)
	if diags.HasErrors() {
		return diags
	}
	if !ValidIntegrationType(in.Type) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid integration type",
			Detail:  fmt.Sprintf("type %q must be the integration type in kebab-case (a custom definition's type, e.g. \"my-billing-acme\") or snake_case (e.g. \"acme_hr\").", in.Type),
			Subject: rangePtr(in.Ranges, "type", ib.block.DefRange)})
	}
	if in.InstanceID != "" && in.Scope != "" {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Both instance_id and scope set",
			Detail:  "An integration targets either an integration instance (instance_id) or an API scope (scope), not both. Remove one.",
			Subject: rangePtr(in.Ranges, "scope", ib.block.DefRange)})
	}
	if in.SyncMode != "" {
		mode := strings.ToUpper(in.SyncMode)
		if mode != "DIFF" && mode != "PATCH" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid sync_mode",
				Detail:  fmt.Sprintf("sync_mode %q is not one of %s. j1hcl does not use CREATE_OR_UPDATE, CROSS_SCOPE or OVERRIDE.", in.SyncMode, strings.Join(integrationModes, ", ")),
				Subject: rangePtr(in.Ranges, "sync_mode", ib.block.DefRange)})
		}
		in.SyncMode = mode
	}
	if in.KeyPrefix == "" {
		in.KeyPrefix = in.Type
	}
	if ib.rules != nil {
		rules, rDiags := decodeRules(ib.rules)
		diags = append(diags, rDiags...)
		in.Rules = rules
	}
	e.integ = in
	return diags
}

func rangePtr(m map[string]hcl.Range, name string, fallback hcl.Range) *hcl.Range {
	if r, ok := m[name]; ok {
		return &r
	}
	return &fallback
}

func decodeRules(b *hcl.Block) (Rules, hcl.Diagnostics) {
	attrs, diags := b.Body.JustAttributes()
	rules := Rules{Severities: map[string]RuleSetting{}}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		a := attrs[name]
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if name == "strict" {
			if v.Type() != cty.Bool || v.IsNull() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid strict value", Detail: "strict must be true or false.", Subject: a.Expr.Range().Ptr()})
				continue
			}
			rules.Strict = v.True()
			rules.StrictRange = a.Expr.Range().Ptr()
			continue
		}
		if v.Type() != cty.String || v.IsNull() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid rule severity", Detail: fmt.Sprintf("%s must be \"off\", \"warning\" or \"error\".", name), Subject: a.Expr.Range().Ptr()})
			continue
		}
		rules.Severities[strings.ToUpper(name)] = RuleSetting{Value: v.AsString(), Range: a.Range}
	}
	return rules, diags
}
