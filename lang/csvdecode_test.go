package lang

import (
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

func compareCSVDecode(t *testing.T, src string) {
	t.Helper()
	arg := []cty.Value{cty.StringVal(src)}
	got, gotErr := csvDecodeFunc.Call(arg)
	want, wantErr := stdlib.CSVDecodeFunc.Call(arg)
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("csvdecode: error %v, cty's: %v", gotErr, wantErr)
	case gotErr != nil && gotErr.Error() != wantErr.Error():
		t.Fatalf("csvdecode: error %q, cty's: %q", gotErr, wantErr)
	case gotErr == nil && (!got.RawEquals(want) || !got.Type().Equals(want.Type())):
		t.Fatalf("csvdecode gave %#v, cty %#v", got, want)
	}
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
