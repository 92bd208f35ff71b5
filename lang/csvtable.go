package lang

import (
	"encoding/csv"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// An inventory is usually read as { for h in csvdecode(file("hosts.csv")) : h.id => h }, so
// the rows become for_each instances and each.value.NAME reads one field of a row. As cty
// builds it, each row is an object: a map of its values and two maps of its type (the second
// a copy of the first), and the list of them compares every row's type with the first's.
// For a million rows that is most of the time and memory csvdecode takes. A {for ...} over
// csvdecode(...) therefore reads the document into a csvTable, the fields row after row; an
// instance keeps its row (csvRow), whose fields the fast path reads by name, and whose cty
// object is built only when an expression takes the row whole. The values are the ones
// csvdecode gives; anything the table does not read exactly as csvdecode would (a bad or
// duplicate header, a row of the wrong length, invalid quoting) goes to csvdecode itself.

// csvTable is a CSV document read into its fields.
type csvTable struct {
	names  []string       // the header, normalized as cty normalizes attribute names
	column map[string]int // the position of each name
	fields []string       // row after row, len(names) fields each
}

// rows returns the number of rows.
func (t *csvTable) rows() int { return len(t.fields) / len(t.names) }

// csvRow is one row of a csvTable.
type csvRow struct {
	t *csvTable
	i int
}

// field returns the row's field name as csvdecode's object has it (name normalized, as
// attrSteps gives it); ok is false when the header has no such name.
func (r csvRow) field(name string) (v cty.Value, ok bool) {
	c, ok := r.t.column[name]
	if !ok {
		return cty.NilVal, false
	}
	return cty.StringVal(r.t.fields[r.i*len(r.t.names)+c]), true
}

// object returns the row as csvdecode gives it: an object of strings.
func (r csvRow) object() cty.Value {
	vals := make(map[string]cty.Value, len(r.t.names))
	for c, name := range r.t.names {
		vals[name] = cty.StringVal(r.t.fields[r.i*len(r.t.names)+c])
	}
	return cty.ObjectVal(vals)
}

// isCSVDecode reports whether f is the csvdecode of Functions.
func isCSVDecode(f function.Function) bool { return f == csvDecodeFunc }

// decodeCSVTable reads src into a table; ok is false when csvdecode would fail or build
// something else (no header, a column name twice, also after normalization, a row whose
// length differs from the header's, invalid CSV). Rows of a large document are read in
// parts on all CPUs, as decodeCSV reads them.
func decodeCSVTable(src string) (*csvTable, bool) {
	cr := csv.NewReader(strings.NewReader(src))
	header, err := cr.Read()
	if err != nil || len(header) == 0 {
		return nil, false
	}
	t := &csvTable{names: make([]string, len(header)), column: make(map[string]int, len(header))}
	for i, name := range header {
		// csvdecode refuses a name written twice; cty cannot build an object of two names
		// that only differ before normalization.
		norm := cty.NormalizeString(name)
		if _, twice := t.column[norm]; twice {
			return nil, false
		}
		t.names[i], t.column[norm] = norm, i
	}
	fields, err := readCSVRowsInParts(src[cr.InputOffset():], func(part string) ([]string, error) {
		return csvFields(part, len(header))
	})
	if err != nil {
		return nil, false
	}
	t.fields = fields
	return t, true
}

// csvFields reads rows, records of n fields each, into their fields, one after another.
func csvFields(rows string, n int) ([]string, error) {
	fields := make([]string, 0, n*(strings.Count(rows, "\n")+1))
	err := eachCSVRecord(rows, n, func(rec []string) { fields = append(fields, rec...) })
	return fields, err
}
