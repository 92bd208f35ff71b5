package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// unifiedContext is the number of unchanged lines shown around each change.
const unifiedContext = 3

// UnifiedDiff writes a unified diff (as `diff -u` prints it) of two texts, computed in
// process with go-diff's line mode. Equal texts write nothing.
func UnifiedDiff(w io.Writer, oldName, newName, a, b string) error {
	if a == b {
		return nil
	}
	lines := diffLines(a, b)
	if _, err := fmt.Fprintf(w, "--- %s\n+++ %s\n", oldName, newName); err != nil {
		return err
	}
	for start := 0; start < len(lines); {
		// Find the next change.
		for start < len(lines) && lines[start].op == diffmatchpatch.DiffEqual {
			start++
		}
		if start == len(lines) {
			break
		}
		lo := max(0, start-unifiedContext)
		// Extend the hunk while changes are within 2*context lines of each other.
		end, lastChange := start, start
		for end < len(lines) {
			if lines[end].op != diffmatchpatch.DiffEqual {
				lastChange = end
			} else if end-lastChange > 2*unifiedContext {
				break
			}
			end++
		}
		hi := min(len(lines), lastChange+1+unifiedContext)
		oldStart, newStart := lines[lo].oldLine, lines[lo].newLine
		oldCount, newCount := 0, 0
		for _, l := range lines[lo:hi] {
			if l.op != diffmatchpatch.DiffInsert {
				oldCount++
			}
			if l.op != diffmatchpatch.DiffDelete {
				newCount++
			}
		}
		if _, err := fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(oldStart, oldCount), hunkRange(newStart, newCount)); err != nil {
			return err
		}
		for _, l := range lines[lo:hi] {
			prefix := " "
			switch l.op {
			case diffmatchpatch.DiffInsert:
				prefix = "+"
			case diffmatchpatch.DiffDelete:
				prefix = "-"
			}
			text := l.text
			noEOL := !strings.HasSuffix(text, "\n")
			if _, err := fmt.Fprintf(w, "%s%s", prefix, strings.TrimSuffix(text, "\n")); err != nil {
				return err
			}
			io.WriteString(w, "\n")
			if noEOL {
				io.WriteString(w, "\\ No newline at end of file\n")
			}
		}
		start = hi
	}
	return nil
}

func hunkRange(start, count int) string {
	if count == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if count == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, count)
}

type diffLine struct {
	op               diffmatchpatch.Operation
	text             string
	oldLine, newLine int // 0-based line numbers before this line
}

// diffLines runs a line-level diff and flattens it to one entry per line.
func diffLines(a, b string) []diffLine {
	dmp := diffmatchpatch.New()
	ca, cb, lineArray := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lineArray)
	var out []diffLine
	oldLine, newLine := 0, 0
	for _, d := range diffs {
		for _, text := range splitKeepNewline(d.Text) {
			out = append(out, diffLine{op: d.Type, text: text, oldLine: oldLine, newLine: newLine})
			if d.Type != diffmatchpatch.DiffInsert {
				oldLine++
			}
			if d.Type != diffmatchpatch.DiffDelete {
				newLine++
			}
		}
	}
	return out
}

func splitKeepNewline(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}
