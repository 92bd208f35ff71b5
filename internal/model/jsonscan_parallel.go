package model

import (
	"runtime"
	"sync"

	"github.com/j1hcl/j1hcl/internal/crash"
)

// parallelArrayMin is the element count from which ParallelArray spreads a list over the
// CPUs; below it, the goroutines cost more than they save. A variable for tests.
var parallelArrayMin = 4096

// ParallelArray is Array for long lists of independent elements, such as the objects of a
// state file: a quick structural pass finds where each element starts, then the elements
// are parsed on as many goroutines as there are CPUs, each with a scanner of its own. elem
// must read through the scanner it is given and may run concurrently for different indexes;
// in that case sized is called first, with the number of elements, so that elem can store
// each at its index.
// The outcome is Array's: the error returned is the one of the first element that has one,
// and a list the quick pass cannot delimit (malformed) or a short one is parsed by Array.
func (s *JSONScanner) ParallelArray(context string, sized func(n int), elem func(sc *JSONScanner, i int) error) error {
	workers := runtime.GOMAXPROCS(0)
	if s.Peek() != '[' || workers < 2 {
		return s.Array(context, func(i int) error { return elem(s, i) })
	}
	starts, end, ok := elementStarts(s.data, s.pos)
	if !ok || len(starts) < parallelArrayMin {
		return s.Array(context, func(i int) error { return elem(s, i) })
	}
	if err := s.enter(); err != nil {
		return err
	}
	sized(len(starts))
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
		crash.GoWait(&wg, func() {
			for i := lo; i < hi; i++ {
				sc.pos = starts[i]
				if err := elem(sc, i); err != nil {
					errs[w] = err
					return
				}
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
			return err
		}
	}
	s.pos = end
	s.depth--
	return nil
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
