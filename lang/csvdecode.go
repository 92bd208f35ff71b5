package lang

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"

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

// decodeCSV reads src, whose header the return type retType describes.
func decodeCSV(src string, retType cty.Type) (cty.Value, error) {
	ety := retType.ElementType()
	cr := csv.NewReader(strings.NewReader(src))
	cr.FieldsPerRecord = len(ety.AttributeTypes())
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return cty.NilVal, err
	}
	header = append([]string(nil), header...)
	rows := make([]cty.Value, 0, strings.Count(src, "\n"))
	for {
		cols, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return cty.NilVal, err
		}
		vals := make(map[string]cty.Value, len(cols))
		for i, s := range cols {
			vals[header[i]] = cty.StringVal(s)
		}
		rows = append(rows, cty.ObjectVal(vals))
	}
	if len(rows) == 0 {
		return cty.ListValEmpty(ety), nil
	}
	return cty.ListVal(rows), nil
}
