package model

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// sharedObject is the object a test offers for sharing: a host whose properties cover every
// kind of value a payload holds.
func sharedObject() *Object {
	return &Object{Kind: KindEntity, Address: `entity.host.all["web-1"]`, Props: Properties{
		"_key":      "inv:host:web-1",
		"_class":    "Host",
		"name":      "web \"one\"",
		"count":     json.Number("12"),
		"ratio":     json.Number("1.5"),
		"big":       json.Number("1000000000000000000000"),
		"isManaged": true,
		"isPublic":  false,
		"retired":   nil,
		"tags":      []any{"a", json.Number("2"), false},
		"none":      []any{},
		"_mapping":  map[string]any{"sourceEntityKey": "k", "targetEntity": map[string]any{"_class": "Team"}},
	}}
}

const sharedText = `{"_key": "inv:host:web-1", "_class": "Host", "name": "web \"one\"",
	"count": 12, "ratio": 1.5, "big": 1000000000000000000000, "isManaged": true, "isPublic": false, "retired": null,
	"tags": ["a", 2, false], "none": [],
	"_mapping": {"sourceEntityKey": "k", "targetEntity": {"_class": "Team"}}}`

// TestValueShared checks that ValueShared returns the offered properties exactly when the text
// decodes to them, and otherwise what Value returns, errors included.
func TestValueShared(t *testing.T) {
	replace := func(old, new string) string {
		if !strings.Contains(sharedText, old) {
			t.Fatalf("the test text has no %q", old)
		}
		return strings.Replace(sharedText, old, new, 1)
	}
	tests := []struct {
		name   string
		text   string
		shared bool
	}{
		{"same", sharedText, true},
		{"other spacing", strings.NewReplacer(", ", ",\n\t ", ": ", " :\r\n").Replace(sharedText), true},
		{"escaped string value", replace(`"Host"`, `"\u0048ost"`), true},
		{"number spelled otherwise", replace(`1.5`, `1.50`), true},
		{"exponent", replace(`1000000000000000000000`, `1e21`), true},
		{"integer spelled as a fraction", replace(`12`, `12.0`), true},
		{"other string", replace(`"Host"`, `"Hosts"`), false},
		{"other number", replace(`12`, `13`), false},
		{"number for a string", replace(`"Host"`, `1`), false},
		{"string for a number", replace(`12`, `"12"`), false},
		{"true for false", replace(`false,`, `true,`), false},
		{"null for a value", replace(`true`, `null`), false},
		{"value for null", replace(`null`, `0`), false},
		{"shorter list", replace(`["a", 2, false]`, `["a", 2]`), false},
		{"longer list", replace(`["a", 2, false]`, `["a", 2, false, false]`), false},
		{"list for an empty one", replace(`[]`, `[1]`), false},
		{"object for a list", replace(`[]`, `{}`), false},
		{"nested difference", replace(`"Team"`, `"User"`), false},
		{"nested extra member", replace(`{"_class": "Team"}`, `{"_class": "Team", "x": 1}`), false},
		{"missing member", replace(`"isPublic": false, `, ``), false},
		{"extra member", replace(`"retired": null,`, `"retired": null, "extra": 1,`), false},
		{"member renamed", replace(`"retired"`, `"retire"`), false},
		{"member given twice instead of another", replace(`"isPublic": false`, `"isManaged": true`), false},
		{"escaped member name", replace(`"isPublic"`, `"is\u0050ublic"`), false},
		{"member given twice, escaped", replace(`"isPublic": false`, `"is\u004danaged": true`), false},
		{"member given twice, escaped first", strings.Replace(replace(`"isManaged"`, `"is\u004danaged"`), `"isPublic": false`, `"isManaged": true`, 1), false},
		{"_key not first", `{"_class": "Host", "_key": "inv:host:web-1"}`, false},
		{"unknown _key", replace(`inv:host:web-1`, `inv:host:web-2`), false},
		{"_key not a string", `{"_key": 1}`, false},
		{"not an object", `["inv:host:web-1"]`, false},
		{"empty object", `{}`, false},
		{"bad number", replace(`12`, `012`), false},
		{"bad literal", replace(`true`, `tru`), false},
		{"truncated", sharedText[:len(sharedText)-1], false},
		{"missing colon", replace(`"count": 12`, `"count" 12`), false},
		{"missing comma", replace(`"count": 12,`, `"count": 12`), false},
		{"control character", replace(`"Host"`, "\"Ho\tst\""), false},
	}
	// Shared by a scanner that normalizes numbers, not by one keeping them as written.
	normalizedOnly := map[string]bool{"number spelled otherwise": true, "exponent": true, "integer spelled as a fraction": true}
	o := sharedObject()
	sh := NewSharing([]*Object{o})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, verbatim := range []bool{false, true} {
				want, wantErr := NewJSONScanner([]byte(tt.text)).valueWith(verbatim)
				s := NewJSONScanner([]byte(tt.text))
				if verbatim {
					s.KeepNumbers()
				}
				cur := 0
				got, shared, err := s.ValueShared(sh, &cur)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Fatalf("verbatim %v: error %v, Value's is %v", verbatim, err, wantErr)
				}
				if err != nil {
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("verbatim %v: got %#v, Value gives %#v", verbatim, got, want)
				}
				if s.pos != len(tt.text) {
					t.Errorf("verbatim %v: stopped at %d of %d", verbatim, s.pos, len(tt.text))
				}
				wantShared := tt.shared && !(verbatim && normalizedOnly[tt.name])
				if (shared != nil) != wantShared {
					t.Fatalf("verbatim %v: shared %v, want %v", verbatim, shared != nil, wantShared)
				}
				if shared != nil && (shared != o || reflect.ValueOf(got).UnsafePointer() != reflect.ValueOf(o.Props).UnsafePointer()) {
					t.Fatalf("verbatim %v: shared a copy, not the offered object", verbatim)
				}
			}
		})
	}
}

// valueWith is Value on a scanner keeping numbers as written, or not.
func (s *JSONScanner) valueWith(verbatim bool) (any, error) {
	if verbatim {
		s.KeepNumbers()
	}
	return s.Value()
}

// TestValueSharedNilList checks that a list offered as nil is not shared for "[]": Value
// decodes an empty list, which is written back as [] where nil would be null.
func TestValueSharedNilList(t *testing.T) {
	o := &Object{Props: Properties{"_key": "k", "tags": []any(nil)}}
	s := NewJSONScanner([]byte(`{"_key": "k", "tags": []}`))
	cur := 0
	v, shared, err := s.ValueShared(NewSharing([]*Object{o}), &cur)
	if err != nil || shared != nil || !reflect.DeepEqual(v, map[string]any{"_key": "k", "tags": []any{}}) {
		t.Fatalf("got %#v, shared %v, err %v", v, shared != nil, err)
	}
}

// TestValueSharedManyMembers checks objects around the number of members matches follows.
func TestValueSharedManyMembers(t *testing.T) {
	for _, n := range []int{maxSharedMembers - 1, maxSharedMembers, maxSharedMembers + 1} {
		props := Properties{"_key": "k"}
		text := `{"_key": "k"`
		for i := 1; i < n; i++ {
			props[fmt.Sprintf("p%02d", i)] = json.Number(fmt.Sprint(i))
			text += fmt.Sprintf(`, "p%02d": %d`, i, i)
		}
		text += "}"
		s := NewJSONScanner([]byte(text))
		cur := 0
		v, shared, err := s.ValueShared(NewSharing([]*Object{{Props: props}}), &cur)
		if err != nil || !reflect.DeepEqual(v, map[string]any(props)) {
			t.Fatalf("%d members: got %v, err %v", n, v, err)
		}
		if (shared != nil) != (n <= maxSharedMembers) {
			t.Errorf("%d members: shared %v", n, shared != nil)
		}
	}
}

// TestSharingFind checks lookups in order, out of order and of keys not offered, from any
// position, and that the first of two objects with one _key is the one offered.
func TestSharingFind(t *testing.T) {
	var objs []*Object
	for _, k := range []string{"m", "c", "d", "a", "x", "b", "c"} { // runs: [m] [c d] [a x] [b c]
		objs = append(objs, &Object{Address: k + fmt.Sprint(len(objs)), Props: Properties{"_key": k}})
	}
	sh := NewSharing(objs)
	if want := []string{"a", "b", "c", "d", "m", "x"}; !slices.Equal(sh.keys, want) {
		t.Fatalf("keys %v, want %v", sh.keys, want)
	}
	for start := 0; start <= len(sh.keys)+1; start++ {
		for _, key := range []string{"", "a", "b", "bb", "c", "d", "e", "m", "x", "z"} {
			cur := start
			o := sh.find(key, &cur)
			want := slices.Index(sh.keys, key)
			switch {
			case want < 0 && o != nil:
				t.Errorf("find(%q) from %d = %v, want nil", key, start, o.Address)
			case want >= 0 && (o == nil || o.Key() != key):
				t.Errorf("find(%q) from %d = %v, want the object of %q", key, start, o, key)
			case want >= 0 && cur != want+1:
				t.Errorf("find(%q) from %d left the position at %d, want %d", key, start, cur, want+1)
			}
		}
	}
	cur := 0
	if o := sh.find("c", &cur); o.Address != "c1" {
		t.Errorf(`find("c") = %s, want the first object of "c" (c1)`, o.Address)
	}
}

// TestSortRuns checks the sort against slices.SortStableFunc on inputs of few and many runs,
// ties included.
func TestSortRuns(t *testing.T) {
	type item struct{ key, seq int }
	byKey := func(a, b item) int { return a.key - b.key }
	inputs := map[string][]int{
		"empty":          {},
		"one":            {1},
		"sorted":         {1, 2, 2, 3, 4, 5, 6, 7, 8, 9},
		"two runs":       {5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7},
		"three runs":     {7, 8, 9, 10, 11, 12, 13, 1, 2, 3, 4, 5, 6, 20, 21, 0, 1, 2, 3, 4},
		"reversed":       {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
		"many short":     {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4},
		"equal keys":     {2, 2, 2, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2},
		"long and short": {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0},
	}
	for name, keys := range inputs {
		t.Run(name, func(t *testing.T) {
			var got []item
			for i, k := range keys {
				got = append(got, item{k, i})
			}
			want := slices.Clone(got)
			slices.SortStableFunc(want, byKey)
			SortRuns(got, byKey)
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

// TestEqualPropertiesSameMap checks the shortcut for one map compared with itself, and that
// two maps are still compared by value.
func TestEqualPropertiesSameMap(t *testing.T) {
	a := Properties{"_key": "k", "n": json.Number("1.0")}
	b := Properties{"_key": "k", "n": json.Number("1")}
	c := Properties{"_key": "k", "n": json.Number("2")}
	if !EqualProperties(a, a) || !EqualProperties(a, b) || EqualProperties(a, c) || !EqualProperties(Properties{}, nil) {
		t.Fatal("EqualProperties disagrees with Equal")
	}
}

// TestValueSharedNameAsLongAsItsText checks a member name whose escapes and invalid UTF-8
// leave it as long as its text, given twice: Value refuses the object, and so must the match,
// which cannot compare such a name's text.
func TestValueSharedNameAsLongAsItsText(t *testing.T) {
	name := "a\"\"\uFFFD" // written a\"\"<0xff>: two bytes shorter, then two longer
	o := &Object{Props: Properties{"_key": "k", name: true, "b": true}}
	text := "{\"_key\": \"k\", \"a\\\"\\\"\xff\": true, \"a\\\"\\\"\xff\": true}"
	cur := 0
	_, shared, err := NewJSONScanner([]byte(text)).ValueShared(NewSharing([]*Object{o}), &cur)
	if err == nil || shared != nil {
		t.Fatalf("shared %v, err %v; want Value's error for a name given twice", shared != nil, err)
	}
}

// FuzzValueShared checks, for any text, that ValueShared returns what Value does, errors
// included, when offered the test's object and the object the text itself decodes to.
func FuzzValueShared(f *testing.F) {
	f.Add(sharedText)
	f.Add(`{"_key": "k", "a": [1, 2.50, "x"], "b": {"c": null}}`)
	f.Add(`{"_key": "k", "a": 1, "a": 1}`)
	f.Fuzz(func(t *testing.T, text string) {
		offered := []*Object{sharedObject()}
		if v, err := NewJSONScanner([]byte(text)).Value(); err == nil {
			if m, ok := v.(map[string]any); ok {
				offered = append(offered, &Object{Props: m})
			}
		}
		plain, sharing := NewJSONScanner([]byte(text)), NewJSONScanner([]byte(text))
		want, wantErr := plain.Value()
		cur := 0
		got, shared, err := sharing.ValueShared(NewSharing(offered), &cur)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("error %v, Value's is %v", err, wantErr)
		}
		if err == nil && sharing.pos != plain.pos {
			t.Fatalf("stopped at %d, Value at %d", sharing.pos, plain.pos)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v, Value gives %#v", got, want)
		}
		if shared != nil && !slices.Contains(offered, shared) {
			t.Fatal("shared an object that was not offered")
		}
	})
}
