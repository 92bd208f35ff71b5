package lang

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// TestEpochMS: timestamps and dates convert; anything else, ten characters long or not, is
// refused with the same message.
func TestEpochMS(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"2024-11-01", "1730419200000", ""},
		{"2024-11-01T00:00:00Z", "1730419200000", ""},
		{"2024-11-01T01:02:03.5+01:00", "1730419323500", ""},
		{"2024-13-01", "", `"2024-13-01" is neither an RFC 3339 timestamp (2024-11-01T00:00:00Z) nor a date (2024-11-01)`},
		{"yesterday!", "", `"yesterday!" is neither an RFC 3339 timestamp (2024-11-01T00:00:00Z) nor a date (2024-11-01)`},
		{"2024-11-01 00:00", "", `"2024-11-01 00:00" is neither an RFC 3339 timestamp (2024-11-01T00:00:00Z) nor a date (2024-11-01)`},
	}
	for _, tt := range tests {
		got, err := epochMSFunc.Call([]cty.Value{cty.StringVal(tt.in)})
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("epochms(%q): error %v, want %q", tt.in, err, tt.err)
			}
		case err != nil:
			t.Errorf("epochms(%q): %s", tt.in, err)
		case got.AsBigFloat().Text('f', -1) != tt.want:
			t.Errorf("epochms(%q) = %s, want %s", tt.in, got.AsBigFloat().Text('f', -1), tt.want)
		}
	}
}

// TestReadBounded: files of every size around the read buffer's margins come back whole.
func TestReadBounded(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, bytes.MinRead - 1, bytes.MinRead, bytes.MinRead + 1, 100_003} {
		want := bytes.Repeat([]byte("abcdefg\n"), n/8+1)[:n]
		p := filepath.Join(dir, fmt.Sprintf("f%d", n))
		if err := os.WriteFile(p, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readBounded(p, filepath.Base(p))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("readBounded of %d bytes: %d bytes, %v", n, len(got), err)
		}
	}
}
