package lang

import (
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

var csvDecodeCases = []string{
	"id,name\na,A\nb,B\n",
	"id,name\r\na,A\r\nb,B",
	"id,name\n",
	"id,name",
	"id\n\n\na\n",
	"id,note\n1,\"quoted, with comma\"\n2,\"two\nlines\"\n3,\"a \"\"quote\"\"\"\n",
	"id,name\ncafe\u0301,caf\u00e9\n",
	"id,name\na\n",
	"id,name\na,b,c\n",
	"id,name\na,\"unterminated\n",
	"id,name\na,b\"c\n",
	"id,id\na,b\n",
	"caf\u00e9,cafe\u0301\na,b\n",
	"id,name\na,A\nb,B\nc,C\nd,D\ne,E\nf,F\ng,G\nh,H\n",
	// A bad row at the end, so that in parts only the last part fails.
	"id,name\na,A\nb,B\nc,C\nd,D\ne,E\nf,F\ng,G\nh\n",
	"id,name\na,A\nb,B\nc,C\nd,D\ne,E\nf,F\ng,G\nh,H\"I\n",
	"",
	"\n",
	" id , name \n x , y \n",
}

// TestCSVDecodeMatchesCty: csvdecode gives cty's value or cty's error for every document.
func TestCSVDecodeMatchesCty(t *testing.T) {
	for _, src := range csvDecodeCases {
		t.Run(src, func(t *testing.T) { compareCSVDecode(t, src) })
	}
}

// compareCSVDecode compares csvdecode with cty's on src, reading the rows in one part and,
// whatever their size, in parts on several goroutines.
func compareCSVDecode(t *testing.T, src string) {
	t.Helper()
	arg := []cty.Value{cty.StringVal(src)}
	want, wantErr := stdlib.CSVDecodeFunc.Call(arg)
	defer func(min int) { csvSplitMin = min }(csvSplitMin)
	for _, splitMin := range []int{1 << 30, 1} {
		csvSplitMin = splitMin
		got, gotErr := csvDecodeFunc.Call(arg)
		switch {
		case (gotErr == nil) != (wantErr == nil):
			t.Fatalf("split from %d bytes: csvdecode: error %v, cty's: %v", splitMin, gotErr, wantErr)
		case gotErr != nil && gotErr.Error() != wantErr.Error():
			t.Fatalf("split from %d bytes: csvdecode: error %q, cty's: %q", splitMin, gotErr, wantErr)
		case gotErr == nil && (!got.RawEquals(want) || !got.Type().Equals(want.Type())):
			t.Fatalf("split from %d bytes: csvdecode gave %#v, cty %#v", splitMin, got, want)
		}
		compareCSVTable(t, arg[0].AsString(), want, wantErr)
	}
}

// compareCSVTable holds decodeCSVTable to csvdecode's result on src (want, or the error
// wantErr): it reads a document exactly when csvdecode does, into the same rows, field by
// field and whole.
func compareCSVTable(t *testing.T, src string, want cty.Value, wantErr error) {
	t.Helper()
	table, ok := decodeCSVTable(src)
	if ok != (wantErr == nil) {
		t.Fatalf("decodeCSVTable read it: %v; csvdecode's error: %v", ok, wantErr)
	}
	if !ok {
		return
	}
	if n := want.LengthInt(); table.rows() != n {
		t.Fatalf("decodeCSVTable read %d rows, csvdecode %d", table.rows(), n)
	}
	for i, it := 0, want.ElementIterator(); it.Next(); i++ {
		_, row := it.Element()
		got := csvRow{table, i}
		if obj := got.object(); !obj.RawEquals(row) || !obj.Type().Equals(row.Type()) {
			t.Fatalf("row %d: %#v, csvdecode's %#v", i, obj, row)
		}
		for name := range row.Type().AttributeTypes() {
			if v, ok := got.field(name); !ok || !v.RawEquals(row.GetAttr(name)) {
				t.Fatalf("row %d, field %q: %#v (%v), csvdecode's %#v", i, name, v, ok, row.GetAttr(name))
			}
		}
		if v, ok := got.field("no such column"); ok {
			t.Fatalf("row %d has a field that is no column: %#v", i, v)
		}
	}
}

// TestSplitCSVRows: the parts put back together are the rows, there are at most n, each but
// the last ends with a newline outside quoted fields, and reading the parts one after the
// other gives the records reading the whole gives.
func TestSplitCSVRows(t *testing.T) {
	var big strings.Builder
	for i := range 2000 {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&big, "%d,plain\n", i)
		case 1:
			fmt.Fprintf(&big, "%d,\"two\nlines, \"\"quoted\"\"\"\r\n", i)
		case 2:
			fmt.Fprintf(&big, "%d,\"\n\n\n\"\n\n", i)
		default:
			fmt.Fprintf(&big, "%d,\"\"\n", i)
		}
	}
	cases := append([]string{big.String(), "", "\n", "a,b", "a,b\n", "\"\n\n\n\n\"", "a,\"b\nc\n"}, csvDecodeCases...)
	for ci, rows := range cases {
		for n := 1; n <= 7; n++ {
			parts := splitCSVRows(rows, n, 1)
			if strings.Join(parts, "") != rows {
				t.Fatalf("case %d, n=%d: the parts do not make the rows", ci, n)
			}
			if len(parts) > max(n, 1) {
				t.Fatalf("case %d, n=%d: %d parts", ci, n, len(parts))
			}
			for _, p := range parts[:len(parts)-1] {
				if !strings.HasSuffix(p, "\n") || strings.Count(p, `"`)%2 != 0 {
					t.Fatalf("case %d, n=%d: a part of %d bytes ending %q is cut inside a quoted field or a line", ci, n, len(p), p[max(0, len(p)-20):])
				}
			}
			whole, wholeErr := readCSV(rows)
			var joined [][]string
			var joinedErr error
			for _, p := range parts {
				recs, err := readCSV(p)
				joined, joinedErr = append(joined, recs...), errors.Join(joinedErr, err)
			}
			if (wholeErr == nil) != (joinedErr == nil) || wholeErr == nil && fmt.Sprint(whole) != fmt.Sprint(joined) {
				t.Fatalf("case %d, n=%d: the parts read %q (%v), the whole %q (%v)", ci, n, joined, joinedErr, whole, wholeErr)
			}
		}
	}
	if got := len(splitCSVRows(big.String(), 2, 1)); got != 2 {
		t.Errorf("%d parts of a large document for 2 CPUs, want 2", got)
	}
	if got := len(splitCSVRows(big.String(), 2, big.Len()+1)); got != 1 {
		t.Errorf("%d parts of a document under the minimum size, want 1", got)
	}
}

func readCSV(s string) ([][]string, error) {
	cr := csv.NewReader(strings.NewReader(s))
	cr.FieldsPerRecord = -1
	return cr.ReadAll()
}

// TestCSVDecodeUnknown: an unknown document gives cty's unknown result.
func TestCSVDecodeUnknown(t *testing.T) {
	arg := []cty.Value{cty.UnknownVal(cty.String)}
	got, err := csvDecodeFunc.Call(arg)
	want, wantErr := stdlib.CSVDecodeFunc.Call(arg)
	if err != nil || wantErr != nil || !got.RawEquals(want) {
		t.Fatalf("csvdecode(unknown) = %#v, %v; cty's %#v, %v", got, err, want, wantErr)
	}
}

// FuzzCSVDecode compares csvdecode with cty's on arbitrary documents.
func FuzzCSVDecode(f *testing.F) {
	for _, src := range csvDecodeCases {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		compareCSVDecode(t, src)
	})
}
