package lang

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	yaml "github.com/zclconf/go-cty-yaml"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
	yamlnodes "gopkg.in/yaml.v3"

	"github.com/j1hcl/j1hcl/internal/model"
)

// Limits of the decoding functions. Their input often comes from files a pull request can
// change, so a small document must not be able to take minutes or gigabytes.
const (
	// MaxDecodeDepth is the deepest nesting of lists and maps that jsondecode and
	// yamldecode accept.
	MaxDecodeDepth = MaxNesting
	// MaxYAMLAliasValues is how many values YAML aliases (*name, and << merge keys) may add
	// to a document when expanded: a 1 KB "billion laughs" document would otherwise expand
	// to gigabytes.
	MaxYAMLAliasValues = 1_000_000
	// MaxFileSize is the largest file that file and templatefile read.
	MaxFileSize = 512 << 20
)

// boundedDecoder wraps a cty decoding function with a check of its source text that runs
// before the decoder sees it.
func boundedDecoder(inner function.Function, check func(src string) error) function.Function {
	return function.New(&function.Spec{
		Description: inner.Description(),
		Params:      []function.Parameter{{Name: "src", Type: cty.String}},
		Type: func(args []cty.Value) (cty.Type, error) {
			if !args[0].IsKnown() {
				return cty.DynamicPseudoType, nil
			}
			if err := check(args[0].AsString()); err != nil {
				return cty.NilType, function.NewArgError(0, err)
			}
			return inner.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return inner.Call(args)
		},
	})
}

var (
	jsonDecodeFunc = jsonDecoderFunc(stdlib.JSONDecodeFunc, checkJSONData)
	yamlDecodeFunc = boundedDecoder(yaml.YAMLDecodeFunc, checkYAMLData)
)

// checkJSONData bounds a JSON document's nesting and number literals.
func checkJSONData(src string) error {
	s := newSourceScanner("src.json", []byte(src), true)
	s.plainStrings = true
	s.scan()
	if len(s.diags) > 0 {
		d := s.diags[0]
		if d.Summary == "Nesting too deep" {
			return fmt.Errorf("the JSON document is nested more than %d levels deep (line %d, column %d); flatten it", MaxDecodeDepth, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		return fmt.Errorf("the JSON document has a number out of range at line %d, column %d: %s", d.Subject.Start.Line, d.Subject.Start.Column, d.Detail)
	}
	return nil
}

var yamlNumber = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?$`)

// checkYAMLData parses a YAML document into nodes (aliases stay references there) and
// bounds its depth, what its aliases expand to, and its number literals.
func checkYAMLData(src string) error {
	var doc yamlnodes.Node
	if err := yamlnodes.Unmarshal([]byte(src), &doc); err != nil {
		if strings.Contains(err.Error(), "exceeded max depth") {
			return fmt.Errorf("the YAML document is nested more than %d levels deep; flatten it", MaxDecodeDepth)
		}
		return fmt.Errorf("invalid YAML: %w", err)
	}
	c := yamlChecker{sizes: map[*yamlnodes.Node]int{}}
	own := c.walk(&doc, 0)
	if c.err != nil {
		return c.err
	}
	if added := c.expanded - own; added > MaxYAMLAliasValues {
		return fmt.Errorf("the YAML document's aliases expand to more than %d values; a document that repeats its anchors this much is refused (it may be an alias bomb). Write the values out, or use fewer aliases", MaxYAMLAliasValues)
	}
	return nil
}

type yamlChecker struct {
	// sizes memoizes how many values an anchored node expands to (-1 while it is walked).
	sizes    map[*yamlnodes.Node]int
	expanded int // values of the document with aliases expanded
	err      error
}

// walk returns how many nodes n has as written, and adds what it expands to to c.expanded.
func (c *yamlChecker) walk(n *yamlnodes.Node, depth int) int {
	if c.err != nil || n == nil {
		return 0
	}
	if depth > MaxDecodeDepth {
		c.err = fmt.Errorf("the YAML document is nested more than %d levels deep (line %d); flatten it", MaxDecodeDepth, n.Line)
		return 0
	}
	if n.Kind == yamlnodes.AliasNode {
		c.expanded += c.size(n.Alias, depth)
		return 1
	}
	// Plain scalars that look like numbers, whatever tag YAML 1.2 gives them: the decoder
	// follows YAML 1.1, which reads more of them as numbers.
	if n.Kind == yamlnodes.ScalarNode && n.Style == 0 && yamlNumber.MatchString(n.Value) {
		_, err := model.NormalizeNumber(json.Number(strings.ReplaceAll(n.Value, "_", "")))
		if err != nil && !strings.HasPrefix(err.Error(), "invalid number") { // only size matters here
			c.err = fmt.Errorf("line %d: %w", n.Line, err)
			return 0
		}
	}
	c.expanded++
	own := 1
	for _, child := range n.Content {
		own += c.walk(child, depth+1)
	}
	return own
}

// size is how many values n expands to, aliases included, memoized per node.
func (c *yamlChecker) size(n *yamlnodes.Node, depth int) int {
	if n == nil || c.err != nil {
		return 0
	}
	if s, ok := c.sizes[n]; ok {
		if s < 0 {
			c.err = errors.New("the YAML document has an anchor that contains an alias of itself")
			return 0
		}
		return s
	}
	if depth > MaxDecodeDepth {
		c.err = fmt.Errorf("the YAML document's aliases nest it more than %d levels deep (line %d)", MaxDecodeDepth, n.Line)
		return 0
	}
	c.sizes[n] = -1
	s := 1
	for _, child := range n.Content {
		if child.Kind == yamlnodes.AliasNode {
			s += c.size(child.Alias, depth+1)
		} else {
			s += c.size(child, depth+1)
		}
		if s > 2*MaxYAMLAliasValues { // stop counting: the document is refused anyway
			break
		}
	}
	c.sizes[n] = s
	return s
}

// toNumberFunc is tonumber with the number limits of JSON input: converting
// "2e22221010" exactly would take big.Float tens of seconds.
var toNumberFunc = func() function.Function {
	inner := stdlib.MakeToFunc(cty.Number)
	return function.New(&function.Spec{
		Description: inner.Description(),
		Params: []function.Parameter{{
			Name: "v", Type: cty.DynamicPseudoType,
			AllowNull: true, AllowMarked: true, AllowDynamicType: true,
		}},
		Type: func(args []cty.Value) (cty.Type, error) {
			v, _ := args[0].Unmark()
			if v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
				s := strings.TrimSpace(v.AsString())
				if _, err := model.NormalizeNumber(json.Number(s)); err != nil && !strings.HasPrefix(err.Error(), "invalid number") {
					return cty.NilType, function.NewArgError(0, err)
				}
			}
			return inner.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return inner.Call(args)
		},
	})
}()
