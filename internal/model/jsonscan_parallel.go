package model

import (
	"runtime"
	"sync"

	"github.com/j1hcl/j1hcl/internal/crash"
)

// parallelArrayMin is the element count from which ParseArray spreads a list over the CPUs;
// below it, the goroutines cost more than they save. A variable for tests.
var parallelArrayMin = 4096

// ParseArray parses a list whose elements stand alone, such as the objects of a state file,
// with elem, and returns the elements in order (an empty list as an empty, non-nil slice).
// A long list is parsed on as many goroutines as there are CPUs: a quick structural pass
// finds where each element starts, and each goroutine parses its share with a scanner of
// its own, which elem must read through (elem may run concurrently for different indexes).
// The outcome is Array's: the error returned is the one of the first element that has one,
// and a list the quick pass cannot delimit (malformed) or a short one is parsed by Array.
func ParseArray[T any](s *JSONScanner, context string, elem func(s *JSONScanner, i int) (T, error)) ([]T, error) {
	return ParseArrayPer(s, context, func() func(s *JSONScanner, i int) (T, error) { return elem })
}

// ParseArrayPer is ParseArray for an element parser with state of its own, such as a
// position in a sorted list: newElem is called once for each goroutine, and the parser it
// returns parses that goroutine's share of the list, a range of consecutive elements, in order.
func ParseArrayPer[T any](s *JSONScanner, context string, newElem func() func(s *JSONScanner, i int) (T, error)) ([]T, error) {
	workers := runtime.GOMAXPROCS(0)
	var starts []int
	end, ok := 0, false
	if s.Peek() == '[' && workers > 1 {
		starts, end, ok = elementStarts(s.data, s.pos)
	}
	if !ok || len(starts) < parallelArrayMin {
		elem := newElem()
		list := []T{}
		err := s.Array(context, func(i int) error {
			v, err := elem(s, i)
			list = append(list, v)
			return err
		})
		if err != nil {
			return nil, err
		}
		return list, nil
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	list := make([]T, len(starts))
	chunk := (len(starts) + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(starts))
		if lo >= hi {
			break
		}
		sc := &JSONScanner{data: s.data, pos: starts[lo], depth: s.depth, names: make(map[string]string, 64),
			strings: new([stringCacheSize]cachedString), verbatim: s.verbatim}
		elem := newElem()
		crash.GoWait(&wg, func() {
			for i := lo; i < hi; i++ {
				sc.pos = starts[i]
				v, err := elem(sc, i)
				if err != nil {
					errs[w] = err
					return
				}
				list[i] = v
				// What Array checks after each element: the quick pass found a ',' or the
				// closing ']' next, but the element may have ended early (say "1 2").
				if c := sc.Peek(); c != ',' && c != ']' {
					errs[w] = sc.Unexpected("after a list element (want ',' or ']')")
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs { // chunks are in order: the first error is the first element's
		if err != nil {
			return nil, err
		}
	}
	s.pos = end
	s.depth--
	return list, nil
}

// elementStarts finds, for the array whose '[' is at data[open], the offset where each
// element starts and the offset just past its ']'. It only follows strings and brackets, so
// it is quick and lenient: ok is false when it cannot delimit the elements, and a true one
// only promises that the elements sit between commas at the array's level. An empty array
// has no starts.
func elementStarts(data []byte, open int) (starts []int, end int, ok bool) {
	i := skipJSONSpace(data, open+1)
	if i < len(data) && data[i] == ']' {
		return nil, i + 1, true
	}
	starts = append(starts, i)
	depth := 0
	for i < len(data) {
		switch data[i] {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
			if i >= len(data) {
				return nil, 0, false
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth > 0 {
				depth--
			} else if data[i] == ']' {
				return starts, i + 1, true
			} else {
				return nil, 0, false
			}
		case ',':
			if depth == 0 {
				i = skipJSONSpace(data, i+1)
				starts = append(starts, i)
				continue
			}
		}
		i++
	}
	return nil, 0, false
}

func skipJSONSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}
