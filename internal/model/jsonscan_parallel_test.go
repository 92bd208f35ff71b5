package model

import (
	"errors"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// parseList parses a top-level list with Array or ParseArray (every list parallel: the
// minimum is 1), and what follows it: the values, or the error with its offset.
func parseList(data []byte, parallel bool) ([]any, string) {
	s := NewJSONScanner(data)
	var list []any
	var err error
	if parallel {
		list, err = ParseArray(s, "the list", func(sc *JSONScanner, _ int) (any, error) { return sc.Value() })
	} else {
		list = []any{} // as ParseArray gives an empty list
		err = s.Array("the list", func(int) error {
			v, err := s.Value()
			list = append(list, v)
			return err
		})
	}
	if err == nil {
		err = s.End()
	}
	var je *JSONError
	if errors.As(err, &je) {
		return nil, je.Error() + " at " + strconv.Itoa(je.Offset)
	}
	if err != nil {
		return nil, err.Error()
	}
	return list, ""
}

// withParallelLists makes every list of a test parallel, on at least 4 goroutines.
func withParallelLists(t testing.TB) {
	min, procs := parallelArrayMin, runtime.GOMAXPROCS(max(4, runtime.GOMAXPROCS(0)))
	parallelArrayMin = 1
	t.Cleanup(func() { parallelArrayMin = min; runtime.GOMAXPROCS(procs) })
}

var parallelArrayCases = []string{
	`[]`, ` [ ] `, `[1]`, `[1,2,3,4,5,6,7,8,9]`,
	`[{"a":[1,2,{"b":"]"}]},{"c":"\"],["},"x",null,true,false,-1.5e3]`,
	`[{"a":1},{"a":2},{"a":3},{"a":4},{"a":5}]`,
	`[1,]`, `[,1]`, `[1,,2]`, `[1 2]`, `[1,2 3,4]`, `[1,2,3`, `[1,2,"3]`, `[{]}`, `[[1,2],[3,]]`,
	`[1,2,{"a":1,"a":2},4,{"b":1,"b":2}]`, `[1,2,3,4,tru,5]`, `["\u00zz",1,2,3]`, `[1,2,3,"\x01"]`,
	`[1,2,3] x`, `[1,2,3]]`, `[` + strings.Repeat(`[`, 20) + strings.Repeat(`]`, 20) + `,1,2,3]`,
	`["a\\",1,"b\\\"",2,3,4]`,
}

// TestParseArrayMatchesArray: whatever the input, ParseArray gives Array's values and
// Array's first error, at the same offset.
func TestParseArrayMatchesArray(t *testing.T) {
	withParallelLists(t)
	for _, in := range parallelArrayCases {
		want, wantErr := parseList([]byte(in), false)
		got, gotErr := parseList([]byte(in), true)
		if gotErr != wantErr || !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nparallel %v, %q\nsequential %v, %q", in, got, gotErr, want, wantErr)
		}
	}
}

// TestElementStarts: the quick pass delimits the elements of well-formed lists and gives up
// on the unterminated.
func TestElementStarts(t *testing.T) {
	for _, tt := range []struct {
		in     string
		starts []int
		ok     bool
	}{
		{`[]`, nil, true},
		{`[1, "a,]", {"b": [2, 3]}]`, []int{1, 4, 11}, true},
		{`["\"", 2]`, []int{1, 7}, true},
		{`[1, 2`, nil, false},
		{`["]`, nil, false},
		{`[{]`, nil, false},
		{`[1}`, nil, false},
	} {
		starts, _, ok := elementStarts([]byte(tt.in), 0)
		if ok != tt.ok || !reflect.DeepEqual(starts, tt.starts) {
			t.Errorf("%s: starts %v, %v; want %v, %v", tt.in, starts, ok, tt.starts, tt.ok)
		}
	}
}

func FuzzParseArray(f *testing.F) {
	for _, in := range parallelArrayCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		withParallelLists(t)
		want, wantErr := parseList(data, false)
		got, gotErr := parseList(data, true)
		if gotErr != wantErr || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nparallel %v, %q\nsequential %v, %q", data, got, gotErr, want, wantErr)
		}
	})
}
