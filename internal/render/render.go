// Package render turns plans, diagnostics and graphs into text, markdown, JSON, DOT and Mermaid.
//
// Every function writes to an io.Writer and takes its options as values: render knows nothing
// of files, terminals or HTTP. The human formats of a plan (text, compact, markdown) and its
// JSON are all rendered from the same plan.Plan, so they never disagree.
//
// Values that come from users (property values, keys, addresses, labels) are escaped before
// they reach a human format: control and format characters are shown as \uXXXX escapes, so
// a value cannot move the cursor of a terminal, forge a line of a plan or hide text with bidi
// overrides (JSON output escapes control characters as JSON does). Properties a plan or object
// marks sensitive are shown as "(sensitive value)" in every format, JSON included.
package render

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SensitiveValue replaces the value of a sensitive property in every output format.
const SensitiveValue = "(sensitive value)"

// TextOptions control the human-readable terminal formats (plan text, compact plan,
// diagnostics, state).
type TextOptions struct {
	// Color adds ANSI colours: green +, yellow ~, red -, bold headers. Off, the output
	// contains no escape sequence at all.
	Color bool
	// Width wraps prose (introductions, warnings, explanations) to this many columns when
	// greater than zero. Plan blocks and diffs are never wrapped.
	Width int
}

// ANSI escape sequences. Only palette methods use them, and only when colour is on.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// Palette styles text when colour is on and passes it through unchanged when it is off. It is
// the one colour scheme of j1hcl's output: commands style their own lines with it too.
type Palette struct{ on bool }

// NewPalette returns the palette for colour on or off.
func NewPalette(on bool) Palette { return Palette{on: on} }

// Bold, Red, Green and Yellow style s.
func (p Palette) Bold(s string) string   { return p.bold(s) }
func (p Palette) Red(s string) string    { return p.red(s) }
func (p Palette) Green(s string) string  { return p.green(s) }
func (p Palette) Yellow(s string) string { return p.yellow(s) }

type palette = Palette

func (p palette) style(code, s string) string {
	if !p.on || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (p palette) bold(s string) string   { return p.style(ansiBold, s) }
func (p palette) red(s string) string    { return p.style(ansiRed, s) }
func (p palette) green(s string) string  { return p.style(ansiGreen, s) }
func (p palette) yellow(s string) string { return p.style(ansiYellow, s) }

// symbol returns a change symbol in its colour.
func (p palette) symbol(sym byte) string {
	switch sym {
	case symCreate:
		return p.green("+")
	case symUpdate:
		return p.yellow("~")
	case symDelete:
		return p.red("-")
	}
	return string(sym)
}

// The change symbols of plan output.
const (
	symCreate = '+'
	symUpdate = '~'
	symDelete = '-'
)

// output buffers writes and remembers the first error, so rendering code reads as a sequence
// of writes with one error check at the end.
type output struct {
	w   *bufio.Writer
	err error
}

func newOutput(w io.Writer) *output { return &output{w: bufio.NewWriterSize(w, 64<<10)} }

func (o *output) str(s string) {
	if o.err == nil {
		_, o.err = o.w.WriteString(s)
	}
}

func (o *output) line(parts ...string) {
	for _, s := range parts {
		o.str(s)
	}
	o.str("\n")
}

func (o *output) flush() error {
	if o.err != nil {
		return o.err
	}
	return o.w.Flush()
}

const spaces = "                                                                "

// writePad writes n spaces to b.
func writePad(b *strings.Builder, n int) {
	for n > len(spaces) {
		b.WriteString(spaces)
		n -= len(spaces)
	}
	if n > 0 {
		b.WriteString(spaces[:n])
	}
}

func pad(n int) string {
	if n <= len(spaces) {
		return spaces[:max(n, 0)]
	}
	return strings.Repeat(" ", n)
}

// wrap breaks prose into lines of at most width columns at spaces (a longer word stays whole)
// and indents every line by indent. Width <= 0 only indents. Existing line breaks are kept.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	for i, para := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(indent)
		if width <= 0 {
			b.WriteString(para)
			continue
		}
		avail := width - utf8.RuneCountInString(indent)
		col := 0
		for j, word := range strings.Fields(para) {
			n := utf8.RuneCountInString(word)
			if j > 0 {
				if col+1+n > avail {
					b.WriteByte('\n')
					b.WriteString(indent)
					col = 0
				} else {
					b.WriteByte(' ')
					col++
				}
			}
			b.WriteString(word)
			col += n
		}
	}
	return b.String()
}

// itoa spells a count for people: thousands separated by commas (18,000), as GitHub and
// Terraform users read them.
func itoa(n int) string { return formatCount(n) }

// formatCount spells n with a comma between groups of three digits: 9004 -> 9,004.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if len(s) <= 3 {
		if neg {
			return "-" + s
		}
		return s
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	first := len(s) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(s[:first])
	for i := first; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Plural returns singular when n is 1 and pluralForm otherwise: "1 entity", "2 entities".
func Plural(n int, singular, pluralForm string) string {
	if n == 1 {
		return singular
	}
	return pluralForm
}

// plural returns "1 object" or "N objects".
func Count(n int, singular, pluralForm string) string {
	return itoa(n) + " " + Plural(n, singular, pluralForm)
}
