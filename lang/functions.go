package lang

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	yaml "github.com/zclconf/go-cty-yaml"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Functions returns the function table of a configuration rooted at dir. Every function is
// deterministic: there is no timestamp() or uuid(), so a plan is reproducible. File functions
// read only inside dir (after resolving symbolic links).
func Functions(dir string) map[string]function.Function {
	fsys := &confinedFS{root: dir}
	funcs := map[string]function.Function{
		"abs":                    stdlib.AbsoluteFunc,
		"ceil":                   stdlib.CeilFunc,
		"chomp":                  stdlib.ChompFunc,
		"chunklist":              stdlib.ChunklistFunc,
		"coalesce":               stdlib.CoalesceFunc,
		"coalescelist":           stdlib.CoalesceListFunc,
		"compact":                stdlib.CompactFunc,
		"concat":                 stdlib.ConcatFunc,
		"contains":               containsFunc,
		"csvdecode":              csvDecodeFunc,
		"distinct":               distinctFunc,
		"element":                stdlib.ElementFunc,
		"flatten":                stdlib.FlattenFunc,
		"floor":                  stdlib.FloorFunc,
		"format":                 stdlib.FormatFunc,
		"formatdate":             stdlib.FormatDateFunc,
		"formatlist":             stdlib.FormatListFunc,
		"indent":                 stdlib.IndentFunc,
		"join":                   stdlib.JoinFunc,
		"jsondecode":             jsonDecodeFunc,
		"jsonencode":             stdlib.JSONEncodeFunc,
		"keys":                   stdlib.KeysFunc,
		"length":                 lengthFunc,
		"log":                    stdlib.LogFunc,
		"lookup":                 lookupFunc,
		"lower":                  stdlib.LowerFunc,
		"max":                    stdlib.MaxFunc,
		"merge":                  stdlib.MergeFunc,
		"min":                    stdlib.MinFunc,
		"parseint":               stdlib.ParseIntFunc,
		"pow":                    stdlib.PowFunc,
		"range":                  stdlib.RangeFunc,
		"regex":                  stdlib.RegexFunc,
		"regexall":               stdlib.RegexAllFunc,
		"regex_replace":          stdlib.RegexReplaceFunc,
		"replace":                replaceFunc,
		"reverse":                stdlib.ReverseListFunc,
		"setintersection":        stdlib.SetIntersectionFunc,
		"setproduct":             stdlib.SetProductFunc,
		"setsubtract":            stdlib.SetSubtractFunc,
		"setsymmetricdifference": stdlib.SetSymmetricDifferenceFunc,
		"setunion":               stdlib.SetUnionFunc,
		"signum":                 stdlib.SignumFunc,
		"slice":                  stdlib.SliceFunc,
		"sort":                   stdlib.SortFunc,
		"split":                  stdlib.SplitFunc,
		"strlen":                 stdlib.StrlenFunc,
		"strrev":                 stdlib.ReverseFunc,
		"substr":                 stdlib.SubstrFunc,
		"timeadd":                stdlib.TimeAddFunc,
		"title":                  stdlib.TitleFunc,
		"trim":                   stdlib.TrimFunc,
		"trimprefix":             stdlib.TrimPrefixFunc,
		"trimspace":              stdlib.TrimSpaceFunc,
		"trimsuffix":             stdlib.TrimSuffixFunc,
		"upper":                  stdlib.UpperFunc,
		"values":                 stdlib.ValuesFunc,
		"zipmap":                 stdlib.ZipmapFunc,

		"tostring": stdlib.MakeToFunc(cty.String),
		"tonumber": toNumberFunc,
		"tobool":   stdlib.MakeToFunc(cty.Bool),
		"tolist":   fastTo(stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)), cty.List(cty.DynamicPseudoType)),
		"toset":    fastTo(stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), cty.Set(cty.DynamicPseudoType)),
		"tomap":    fastTo(stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)), cty.Map(cty.DynamicPseudoType)),

		"try": tryfunc.TryFunc,
		"can": tryfunc.CanFunc,

		"yamldecode": yamlDecodeFunc,
		"yamlencode": yaml.YAMLEncodeFunc,

		"file":       fileFunc(fsys),
		"fileexists": fileExistsFunc(fsys),
		"fileset":    fileSetFunc(fsys),

		"epochms":     epochMSFunc,
		"uuidv5":      uuidV5Func,
		"sha256":      sha256Func,
		"startswith":  stringPredicate(strings.HasPrefix, "prefix"),
		"endswith":    stringPredicate(strings.HasSuffix, "suffix"),
		"strcontains": stringPredicate(strings.Contains, "substr"),
		"alltrue":     boolFold(true),
		"anytrue":     boolFold(false),
	}
	for name, f := range funcs {
		funcs[name] = fastParams(f)
	}
	funcs["setunion"] = setOperation(funcs["setunion"], unionOp)
	funcs["setintersection"] = setOperation(funcs["setintersection"], intersectionOp)
	funcs["setsubtract"] = setOperation(funcs["setsubtract"], subtractOp)
	funcs["templatefile"] = templateFileFunc(fsys, funcs)
	return funcs
}

// confinedFS resolves paths for the file functions and refuses anything outside root: a pull
// request must not be able to print a CI secret (../secret, /proc/self/environ) into a plan.
type confinedFS struct {
	root string

	once     sync.Once
	realRoot string
	rootErr  error

	mu    sync.Mutex
	cache map[string][]byte
}

func (c *confinedFS) resolve(p string) (string, error) {
	c.once.Do(func() {
		abs, err := filepath.Abs(c.root)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		c.realRoot, c.rootErr = abs, err
	})
	if c.rootErr != nil {
		return "", fmt.Errorf("configuration directory: %w", c.rootErr)
	}
	full := p
	if !filepath.IsAbs(full) {
		full = filepath.Join(c.realRoot, p)
	}
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			// Check the lexical path so a missing file outside is still reported as outside.
			if !within(c.realRoot, filepath.Clean(full)) {
				return "", outsideError(p)
			}
			return "", fmt.Errorf("no file %q in the configuration directory", p)
		}
		return "", err
	}
	if !within(c.realRoot, real) {
		return "", outsideError(p)
	}
	return real, nil
}

func outsideError(p string) error {
	return fmt.Errorf("%q is outside the configuration directory; file functions may only read files inside it (after resolving symbolic links)", p)
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func (c *confinedFS) read(p string) ([]byte, error) {
	real, err := c.resolve(p)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	data, ok := c.cache[real]
	c.mu.Unlock()
	if ok {
		return data, nil
	}
	data, err = readBounded(real, p)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.cache == nil {
		c.cache = map[string][]byte{}
	}
	c.cache[real] = data
	c.mu.Unlock()
	return data, nil
}

// readBounded reads a regular file of at most MaxFileSize bytes: a named pipe would block
// and a huge file would exhaust memory.
func readBounded(real, name string) ([]byte, error) {
	// Stat before opening: opening a named pipe blocks until something writes to it.
	st, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", name, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is not a regular file; file functions read only regular files", name)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%q has %d bytes, more than the %d MiB file functions read", name, st.Size(), MaxFileSize>>20)
	}
	f, err := os.Open(real)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", name, err)
	}
	defer f.Close()
	// Room for the size found by Stat, so that reading copies the file once.
	buf := bytes.NewBuffer(make([]byte, 0, st.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize+1)); err != nil {
		return nil, fmt.Errorf("read %q: %w", name, err)
	}
	data := buf.Bytes()
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%q grew past %d MiB while it was read", name, MaxFileSize>>20)
	}
	return data, nil
}

func fileFunc(fsys *confinedFS) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a file inside the configuration directory as a UTF-8 string.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			data, err := fsys.read(args[0].AsString())
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			return cty.StringVal(string(data)), nil
		},
	})
}

func fileExistsFunc(fsys *confinedFS) function.Function {
	return function.New(&function.Spec{
		Description: "Reports whether a regular file exists inside the configuration directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			real, err := fsys.resolve(p)
			if err != nil {
				if strings.Contains(err.Error(), "outside the configuration") {
					return cty.NilVal, function.NewArgError(0, err)
				}
				return cty.False, nil
			}
			st, err := os.Stat(real)
			if err != nil {
				return cty.False, nil
			}
			if !st.Mode().IsRegular() {
				return cty.NilVal, function.NewArgErrorf(0, "%q is not a regular file", p)
			}
			return cty.True, nil
		},
	})
}

func fileSetFunc(fsys *confinedFS) function.Function {
	return function.New(&function.Spec{
		Description: "Lists the files under a directory inside the configuration directory that match a glob (** matches any number of directories).",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}, {Name: "pattern", Type: cty.String}},
		Type:        function.StaticReturnType(cty.Set(cty.String)),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			base, pattern := args[0].AsString(), args[1].AsString()
			real, err := fsys.resolve(base)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			if _, err := path.Match(strings.ReplaceAll(pattern, "**", "*"), ""); err != nil {
				return cty.NilVal, function.NewArgErrorf(1, "invalid pattern %q: %s", pattern, err)
			}
			var matches []cty.Value
			err = filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.Type().IsRegular() {
					return nil
				}
				rel, err := filepath.Rel(real, p)
				if err != nil {
					return err
				}
				rel = filepath.ToSlash(rel)
				if globMatch(strings.Split(pattern, "/"), strings.Split(rel, "/")) {
					matches = append(matches, cty.StringVal(rel))
				}
				return nil
			})
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			if len(matches) == 0 {
				return cty.SetValEmpty(cty.String), nil
			}
			return cty.SetVal(matches), nil
		},
	})
}

// globMatch matches path segments against pattern segments; "**" matches zero or more
// segments.
func globMatch(pattern, segs []string) bool {
	for len(pattern) > 0 {
		if pattern[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if globMatch(pattern[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pattern[0], segs[0]); !ok {
			return false
		}
		pattern, segs = pattern[1:], segs[1:]
	}
	return len(segs) == 0
}

func templateFileFunc(fsys *confinedFS, funcs map[string]function.Function) function.Function {
	return function.New(&function.Spec{
		Description: "Renders a template file inside the configuration directory with the given variables.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}, {Name: "vars", Type: cty.DynamicPseudoType}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			data, err := fsys.read(p)
			if err != nil {
				return cty.NilVal, function.NewArgError(0, err)
			}
			vars := args[1]
			if !vars.Type().IsObjectType() && !vars.Type().IsMapType() {
				return cty.NilVal, function.NewArgErrorf(1, "vars must be an object or map, not %s", vars.Type().FriendlyName())
			}
			if diags := checkTemplate(p, data); diags.HasErrors() {
				return cty.NilVal, function.NewArgErrorf(0, "template %s: %s", p, diags.Error())
			}
			expr, diags := hclsyntax.ParseTemplate(data, p, hcl.InitialPos)
			if diags.HasErrors() {
				return cty.NilVal, function.NewArgErrorf(0, "template %s: %s", p, diags.Error())
			}
			ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: map[string]function.Function{}}
			for k, f := range funcs {
				if k != "templatefile" { // no recursion
					ctx.Functions[k] = f
				}
			}
			for it := vars.ElementIterator(); it.Next(); {
				k, v := it.Element()
				if !hclsyntax.ValidIdentifier(k.AsString()) {
					return cty.NilVal, function.NewArgErrorf(1, "template variable %q is not a valid identifier", k.AsString())
				}
				ctx.Variables[k.AsString()] = v
			}
			for _, tr := range expr.Variables() {
				if _, ok := ctx.Variables[tr.RootName()]; !ok {
					return cty.NilVal, function.NewArgErrorf(1, "template %s uses variable %q, which vars does not set", p, tr.RootName())
				}
			}
			val, diags := expr.Value(ctx)
			if diags.HasErrors() {
				return cty.NilVal, function.NewArgErrorf(0, "template %s: %s", p, diags.Error())
			}
			val, err = convertString(val)
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "template %s: %s", p, err)
			}
			return val, nil
		},
	})
}

func convertString(v cty.Value) (cty.Value, error) {
	if v.Type() == cty.String {
		return v, nil
	}
	return cty.NilVal, fmt.Errorf("result is %s, not a string", v.Type().FriendlyName())
}

// epochMSFunc converts an RFC 3339 timestamp, or a YYYY-MM-DD date taken as UTC midnight, to
// epoch milliseconds: the integration guide's representation of every *On property.
var epochMSFunc = function.New(&function.Spec{
	Description: "Converts an RFC 3339 timestamp or a YYYY-MM-DD date (UTC midnight) to epoch milliseconds.",
	Params:      []function.Parameter{{Name: "timestamp", Type: cty.String}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		s := args[0].AsString()
		// A date is ten characters, shorter than any RFC 3339 timestamp: trying it first
		// spares the timestamp parser's error value for every date.
		layouts := [2]string{time.RFC3339Nano, time.DateOnly}
		if len(s) == len(time.DateOnly) {
			layouts[0], layouts[1] = layouts[1], layouts[0]
		}
		for _, layout := range layouts {
			if t, err := time.Parse(layout, s); err == nil {
				return cty.NumberVal(new(big.Float).SetInt64(t.UnixMilli())), nil
			}
		}
		return cty.NilVal, function.NewArgErrorf(0, "%q is neither an RFC 3339 timestamp (2024-11-01T00:00:00Z) nor a date (2024-11-01)", s)
	},
})

var uuidNamespaces = map[string]uuid.UUID{
	"dns":  uuid.NameSpaceDNS,
	"url":  uuid.NameSpaceURL,
	"oid":  uuid.NameSpaceOID,
	"x500": uuid.NameSpaceX500,
}

// uuidV5Func makes a name-based (SHA-1) UUID: a stable key from a stable name.
var uuidV5Func = function.New(&function.Spec{
	Description: `Returns the version 5 UUID of name in namespace ("dns", "url", "oid", "x500" or a UUID).`,
	Params:      []function.Parameter{{Name: "namespace", Type: cty.String}, {Name: "name", Type: cty.String}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		nsName := args[0].AsString()
		ns, ok := uuidNamespaces[nsName]
		if !ok {
			var err error
			if ns, err = uuid.Parse(nsName); err != nil {
				names := make([]string, 0, len(uuidNamespaces))
				for n := range uuidNamespaces {
					names = append(names, n)
				}
				sort.Strings(names)
				return cty.NilVal, function.NewArgErrorf(0, "namespace %q is neither one of %s nor a UUID", nsName, strings.Join(names, ", "))
			}
		}
		return cty.StringVal(uuid.NewSHA1(ns, []byte(args[1].AsString())).String()), nil
	},
})

var sha256Func = function.New(&function.Spec{
	Description: "Returns the hex SHA-256 digest of a string's UTF-8 bytes.",
	Params:      []function.Parameter{{Name: "str", Type: cty.String}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		sum := sha256.Sum256([]byte(args[0].AsString()))
		return cty.StringVal(hex.EncodeToString(sum[:])), nil
	},
})

func stringPredicate(f func(s, x string) bool, second string) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: second, Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.BoolVal(f(args[0].AsString(), args[1].AsString())), nil
		},
	})
}

// boolFold makes alltrue (all=true) and anytrue (all=false).
func boolFold(all bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			for it := args[0].ElementIterator(); it.Next(); {
				_, v := it.Element()
				if v.IsNull() {
					return cty.NilVal, function.NewArgErrorf(0, "list contains null")
				}
				if v.True() != all {
					return cty.BoolVal(!all), nil
				}
			}
			return cty.BoolVal(all), nil
		},
	})
}
