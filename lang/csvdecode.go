package lang

import (
	"encoding/csv"
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/j1hcl/j1hcl/internal/crash"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// csvDecodeFunc is cty's csvdecode with a cheaper read of the rows: one record buffer
// reused from row to row and the list allocated once. The values are cty's (a list of
// objects of strings, built the same way); on any error cty's function runs again, so the
// messages are its own.
var csvDecodeFunc = function.New(&function.Spec{
	Description:  stdlib.CSVDecodeFunc.Description(),
	Params:       []function.Parameter{{Name: "str", Type: cty.String}},
	Type:         stdlib.CSVDecodeFunc.ReturnTypeForValues,
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	Impl: func(args []cty.Value, retType cty.Type) (cty.Value, error) {
		if v, err := decodeCSV(args[0].AsString(), retType); err == nil {
			return v, nil
		}
		return stdlib.CSVDecodeFunc.Call(args)
	},
})

// decodeCSV reads src, whose header the return type retType describes. The rows of a large
// document are read in parts on all CPUs (see splitCSVRows); the list is the same.
func decodeCSV(src string, retType cty.Type) (cty.Value, error) {
	ety := retType.ElementType()
	cr := csv.NewReader(strings.NewReader(src))
	cr.FieldsPerRecord = len(ety.AttributeTypes())
	header, err := cr.Read()
	if err != nil {
		return cty.NilVal, err
	}
	header = slices.Clone(header)
	all, err := readCSVRowsInParts(src[cr.InputOffset():], func(part string) ([]cty.Value, error) {
		return csvRows(part, header)
	})
	if err != nil {
		return cty.NilVal, err
	}
	if len(all) == 0 {
		return cty.ListValEmpty(ety), nil
	}
	return cty.ListVal(all), nil
}

// readCSVRowsInParts reads rows, what follows a CSV document's header, with read: in parts
// on all CPUs when they are large (see splitCSVRows), one part otherwise. It joins the
// parts' lists in order, or their errors.
func readCSVRowsInParts[T any](rows string, read func(part string) ([]T, error)) ([]T, error) {
	parts := splitCSVRows(rows, runtime.GOMAXPROCS(0), csvSplitMin)
	lists := make([][]T, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		crash.GoWait(&wg, func() { lists[i], errs[i] = read(part) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(lists...), nil
}

// csvSplitMin is the size of the rows from which readCSVRowsInParts reads them in parts.
var csvSplitMin = 1 << 20

// splitCSVRows cuts the rows of a CSV document (what follows its header) into at most n
// parts of about the same size, each ending after a newline that is outside any quoted
// field, so that reading the parts one after the other gives the records the whole gives.
// In valid CSV a quote either opens or closes a quoted field or is one of a doubled pair
// inside one, so a position is outside every quoted field exactly when an even number of
// quotes precede it; in invalid CSV any cut is as good, since reading it fails either way.
// Rows shorter than minSize are one part.
func splitCSVRows(rows string, n, minSize int) []string {
	if n < 2 || len(rows) < minSize {
		return []string{rows}
	}
	var parts []string
	start, quotes := 0, 0 // quotes: the number of quotes in rows[start:i]
	for i := 0; len(parts) < n-1; {
		target := start + (len(rows)-start)/(n-len(parts))
		if target <= i {
			target = i
		}
		quotes += strings.Count(rows[i:target], `"`)
		i = target
		cut := -1
		for cut < 0 {
			nl := strings.IndexByte(rows[i:], '\n')
			if nl < 0 {
				break
			}
			quotes += strings.Count(rows[i:i+nl], `"`)
			i += nl + 1
			if quotes%2 == 0 {
				cut = i
			}
		}
		if cut < 0 || cut == len(rows) {
			break
		}
		parts = append(parts, rows[start:cut])
		start, quotes = cut, 0
	}
	return append(parts, rows[start:])
}

// csvRows reads rows, records of len(header) fields, into objects of the header's names.
func csvRows(rows string, header []string) ([]cty.Value, error) {
	out := make([]cty.Value, 0, strings.Count(rows, "\n")+1)
	// cty.ObjectVal copies the attributes it is given: one map serves every row (each sets
	// every name, every record having the header's length).
	vals := make(map[string]cty.Value, len(header))
	err := eachCSVRecord(rows, len(header), func(cols []string) {
		for i, s := range cols {
			vals[header[i]] = cty.StringVal(s)
		}
		out = append(out, cty.ObjectVal(vals))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachCSVRecord calls fn with each record of rows, which must have n fields each. The
// slice fn is given is reused for the next record: fn copies what it keeps.
func eachCSVRecord(rows string, n int, fn func(rec []string)) error {
	cr := csv.NewReader(strings.NewReader(rows))
	cr.FieldsPerRecord = n
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		fn(rec)
	}
}
