package lang

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/j1hcl/j1hcl/internal/model"
)

// MaxNesting is the deepest nesting of brackets, parentheses, braces, string templates,
// template directives, chained conditionals and unary operators accepted in configuration,
// variable and template text. HCL's parser and evaluator recurse once per level, so text
// nested tens of thousands of levels deep would overflow the Go stack; no hand-written
// configuration comes near this limit.
const MaxNesting = 256

// CheckNesting scans HCL native (or, for a name ending in .json, JSON) source and reports an
// error at the first place where nesting passes MaxNesting. It runs before parsing and never
// recurses, so it is safe on any input; callers that parse untrusted text with hclsyntax,
// hcljson or hclwrite call it first and skip parsing when it reports an error.
func CheckNesting(filename string, src []byte) hcl.Diagnostics {
	s := newSourceScanner(filename, src, false)
	s.scan()
	return s.diags
}

// checkSource is CheckNesting plus the size limits of number literals (see
// model.NormalizeNumber): every text lang parses goes through it.
func checkSource(filename string, src []byte) hcl.Diagnostics {
	s := newSourceScanner(filename, src, true)
	s.scan()
	return s.diags
}

// checkTemplate checks a template's text (templatefile, or a JSON string) the same way.
func checkTemplate(filename string, src []byte) hcl.Diagnostics {
	s := newSourceScanner(filename, src, true)
	s.template = true
	s.scan()
	return s.diags
}

// frame kinds of the scanner's stack.
const (
	frameParen   = iota // ( … )
	frameBracket        // [ … ]
	frameBrace          // { … }
	frameString         // " … " (a template)
	frameHeredoc        // <<EOT … EOT (a template)
	frameInterp         // ${ … } or %{ … }
	frameJSONString
)

type frame struct {
	kind   int
	marker string // heredoc end marker
	// extra counts levels that have no closing token: conditionals chained in this frame
	// (a ? b : c ? d : …), unary operators (!!!!x) and open template directives.
	extra int
}

type sourceScanner struct {
	filename string
	src      []byte
	numbers  bool
	template bool
	json     bool
	// plainStrings says JSON strings are data, not HCL templates (jsondecode).
	plainStrings bool

	pos   hcl.Pos
	stack []frame
	extra int // the sum of every frame's extra
	diags hcl.Diagnostics
}

func newSourceScanner(filename string, src []byte, numbers bool) *sourceScanner {
	return &sourceScanner{filename: filename, src: src, numbers: numbers, json: strings.HasSuffix(filename, ".json"), pos: hcl.InitialPos}
}

func (s *sourceScanner) depth() int { return len(s.stack) + s.extra }

// advance moves past n bytes, keeping line and column.
func (s *sourceScanner) advance(n int) {
	for i := 0; i < n && s.pos.Byte < len(s.src); i++ {
		c := s.src[s.pos.Byte]
		s.pos.Byte++
		if c == '\n' {
			s.pos.Line++
			s.pos.Column = 1
		} else if c < 0x80 || c >= 0xC0 { // count UTF-8 lead bytes only
			s.pos.Column++
		}
	}
}

func (s *sourceScanner) peek(off int) byte {
	if i := s.pos.Byte + off; i < len(s.src) {
		return s.src[i]
	}
	return 0
}

func (s *sourceScanner) hasPrefix(p string) bool {
	return strings.HasPrefix(string(s.src[s.pos.Byte:min(len(s.src), s.pos.Byte+len(p))]), p)
}

// tooDeep records the nesting error at the current position; scanning stops.
func (s *sourceScanner) tooDeep() {
	end := s.pos
	end.Byte++
	end.Column++
	s.diags = append(s.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Nesting too deep",
		Detail: fmt.Sprintf("The text is nested more than %d levels deep here (brackets, braces, parentheses, templates, chained conditionals or unary operators). j1hcl refuses such input before parsing it, because parsing it would exhaust the stack. Flatten the structure, e.g. move inner parts into locals.",
			MaxNesting),
		Subject: &hcl.Range{Filename: s.filename, Start: s.pos, End: end},
	})
}

func (s *sourceScanner) push(f frame) bool {
	s.stack = append(s.stack, f)
	if s.depth() > MaxNesting {
		s.tooDeep()
		return false
	}
	return true
}

func (s *sourceScanner) pop() {
	if n := len(s.stack); n > 0 {
		s.extra -= s.stack[n-1].extra
		s.stack = s.stack[:n-1]
	}
}

// addExtra adds a level without a closing token to the innermost frame.
func (s *sourceScanner) addExtra() bool {
	if len(s.stack) == 0 {
		s.stack = append(s.stack, frame{kind: frameBrace}) // the file's body
	}
	s.stack[len(s.stack)-1].extra++
	s.extra++
	if s.depth() > MaxNesting {
		s.tooDeep()
		return false
	}
	return true
}

// resetExtra forgets the chained levels of the innermost frame: a comma or a new line ends
// the expression that had them.
func (s *sourceScanner) resetExtra() {
	if n := len(s.stack); n > 0 {
		s.extra -= s.stack[n-1].extra
		s.stack[n-1].extra = 0
	}
}

func (s *sourceScanner) top() int {
	if len(s.stack) == 0 {
		return -1
	}
	return s.stack[len(s.stack)-1].kind
}

func (s *sourceScanner) scan() {
	switch {
	case s.json:
		s.scanJSON()
	case s.template:
		s.stack = append(s.stack, frame{kind: frameHeredoc, marker: "\x00"}) // never ends
		s.scanNative()
	default:
		s.scanNative()
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanNative walks HCL native syntax: expressions, quoted templates, heredocs, comments.
func (s *sourceScanner) scanNative() {
	for s.pos.Byte < len(s.src) && len(s.diags) == 0 {
		switch s.top() {
		case frameString:
			s.scanTemplateByte(false)
			continue
		case frameHeredoc:
			s.scanTemplateByte(true)
			continue
		}
		c := s.peek(0)
		switch {
		case c == '#' || c == '/' && s.peek(1) == '/':
			for s.pos.Byte < len(s.src) && s.peek(0) != '\n' {
				s.advance(1)
			}
		case c == '/' && s.peek(1) == '*':
			s.advance(2)
			for s.pos.Byte < len(s.src) && !(s.peek(0) == '*' && s.peek(1) == '/') {
				s.advance(1)
			}
			s.advance(2)
		case c == '"':
			if s.push(frame{kind: frameString}) {
				s.advance(1)
			}
		case c == '<' && s.peek(1) == '<' && s.startHeredoc():
		case c == '(' || c == '[' || c == '{':
			kind := frameBrace
			switch c {
			case '(':
				kind = frameParen
			case '[':
				kind = frameBracket
			}
			if s.push(frame{kind: kind}) {
				s.advance(1)
			}
		case c == ')' || c == ']' || c == '}':
			s.pop()
			s.advance(1)
		case c == ',':
			s.resetExtra()
			s.advance(1)
		case c == '\n':
			if k := s.top(); k == -1 || k == frameBrace {
				s.resetExtra()
			}
			s.advance(1)
		case c == '?' || c == '!' && s.peek(1) != '=' || c == '-' && s.unaryMinus():
			if s.addExtra() {
				s.advance(1)
			}
		case isDigit(c) && (s.pos.Byte == 0 || !isIdentByte(s.src[s.pos.Byte-1]) && s.src[s.pos.Byte-1] != '.'):
			s.number(s.nativeNumberLength())
		case isIdentByte(c):
			for s.pos.Byte < len(s.src) && isIdentByte(s.peek(0)) {
				s.advance(1)
			}
		default:
			s.advance(1)
		}
	}
}

// unaryMinus reports whether the '-' at the current position follows an operator or an
// opening token rather than an operand, so it negates what follows.
func (s *sourceScanner) unaryMinus() bool {
	for i := s.pos.Byte - 1; i >= 0; i-- {
		switch c := s.src[i]; c {
		case ' ', '\t', '\r':
			continue
		case ')', ']', '}', '"':
			return false
		default:
			return !isIdentByte(c)
		}
	}
	return true
}

// startHeredoc pushes a heredoc frame when "<<" or "<<-" starts one, and moves past its
// opening line.
func (s *sourceScanner) startHeredoc() bool {
	i := s.pos.Byte + 2
	if i < len(s.src) && s.src[i] == '-' {
		i++
	}
	j := i
	for j < len(s.src) && isIdentByte(s.src[j]) {
		j++
	}
	if j == i || j >= len(s.src) || (s.src[j] != '\n' && s.src[j] != '\r') {
		return false
	}
	if !s.push(frame{kind: frameHeredoc, marker: string(s.src[i:j])}) {
		return true
	}
	for s.pos.Byte < len(s.src) && s.peek(0) != '\n' {
		s.advance(1)
	}
	s.advance(1)
	return true
}

// scanTemplateByte handles one step inside a quoted string or heredoc.
func (s *sourceScanner) scanTemplateByte(heredoc bool) {
	f := &s.stack[len(s.stack)-1]
	if heredoc && s.atLineStart() {
		line := s.src[s.pos.Byte:]
		if nl := strings.IndexByte(string(line), '\n'); nl >= 0 {
			line = line[:nl]
		}
		if strings.TrimSpace(string(line)) == f.marker {
			s.advance(len(line))
			s.pop()
			return
		}
	}
	c := s.peek(0)
	switch {
	case !heredoc && c == '\\':
		s.advance(2)
	case !heredoc && (c == '"' || c == '\n'):
		s.pop()
		s.advance(1)
	case (c == '$' || c == '%') && s.peek(1) == c && s.peek(2) == '{':
		s.advance(3) // $${ and %%{ are literal
	case c == '$' && s.peek(1) == '{':
		if s.push(frame{kind: frameInterp}) {
			s.advance(2)
		}
	case c == '%' && s.peek(1) == '{':
		s.directive(f)
	default:
		s.advance(1)
	}
}

// directive handles %{ … }: if and for open a level that endif and endfor close.
func (s *sourceScanner) directive(tmpl *frame) {
	i := s.pos.Byte + 2
	for i < len(s.src) && (s.src[i] == ' ' || s.src[i] == '\t' || s.src[i] == '~') {
		i++
	}
	j := i
	for j < len(s.src) && isIdentByte(s.src[j]) {
		j++
	}
	switch string(s.src[i:j]) {
	case "if", "for":
		tmpl.extra++
		s.extra++
	case "endif", "endfor":
		if tmpl.extra > 0 {
			tmpl.extra--
			s.extra--
		}
	}
	if s.push(frame{kind: frameInterp}) {
		s.advance(2)
	}
}

func (s *sourceScanner) atLineStart() bool {
	return s.pos.Byte == 0 || s.src[s.pos.Byte-1] == '\n'
}

// nativeNumberLength is the length of the number literal at the current position.
func (s *sourceScanner) nativeNumberLength() int {
	i := s.pos.Byte
	digits := func() {
		for i < len(s.src) && isDigit(s.src[i]) {
			i++
		}
	}
	digits()
	if i+1 < len(s.src) && s.src[i] == '.' && isDigit(s.src[i+1]) {
		i++
		digits()
	}
	if i < len(s.src) && (s.src[i] == 'e' || s.src[i] == 'E') {
		j := i + 1
		if j < len(s.src) && (s.src[j] == '+' || s.src[j] == '-') {
			j++
		}
		if j < len(s.src) && isDigit(s.src[j]) {
			i = j
			digits()
		}
	}
	return i - s.pos.Byte
}

// number checks the number literal of n bytes at the current position and moves past it.
func (s *sourceScanner) number(n int) {
	start := s.pos
	lit := string(s.src[start.Byte : start.Byte+n])
	s.advance(n)
	if !s.numbers {
		return
	}
	if _, err := model.NormalizeNumber(json.Number(lit)); err != nil {
		s.diags = append(s.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Number out of range",
			Detail:   fmt.Sprintf("This number literal is refused: %s. JupiterOne stores numbers as 64-bit floats, so write a value within their range (or a string, if the digits matter).", err),
			Subject:  &hcl.Range{Filename: s.filename, Start: start, End: s.pos},
		})
	}
}

// scanJSON walks JSON syntax: strings (whose text HCL reads as templates), numbers and
// the brackets and braces of arrays and objects.
func (s *sourceScanner) scanJSON() {
	for s.pos.Byte < len(s.src) && len(s.diags) == 0 {
		c := s.peek(0)
		switch {
		case c == '"':
			s.jsonString()
		case c == '[' || c == '{':
			if s.push(frame{kind: frameBrace}) {
				s.advance(1)
			}
		case c == ']' || c == '}':
			s.pop()
			s.advance(1)
		case c == '-' || isDigit(c):
			i := s.pos.Byte
			if c == '-' {
				i++
			}
			for i < len(s.src) && (isDigit(s.src[i]) || strings.IndexByte(".eE+-", s.src[i]) >= 0) {
				i++
			}
			s.number(i - s.pos.Byte)
		default:
			s.advance(1)
		}
	}
}

// jsonString moves past a JSON string. Its text is an HCL template when it holds ${ or %{,
// so that text is checked too, with the nesting around it counted.
func (s *sourceScanner) jsonString() {
	start := s.pos
	i := s.pos.Byte + 1
	interp := false
	for i < len(s.src) && s.src[i] != '"' && s.src[i] != '\n' {
		if s.src[i] == '\\' {
			i++
		} else if (s.src[i] == '$' || s.src[i] == '%') && i+1 < len(s.src) && s.src[i+1] == '{' {
			interp = true
		}
		i++
	}
	end := min(i+1, len(s.src))
	s.advance(end - s.pos.Byte)
	if !interp || s.plainStrings {
		return
	}
	var text string
	if err := json.Unmarshal(s.src[start.Byte:end], &text); err != nil {
		return // the JSON parser reports it
	}
	inner := newSourceScanner(s.filename, []byte(text), s.numbers)
	inner.json = false
	inner.stack = append(inner.stack, frame{kind: frameHeredoc, marker: "\x00"})
	for range s.depth() {
		inner.stack = append(inner.stack, frame{kind: frameBrace}) // the JSON around the string
	}
	inner.scanNative()
	for _, d := range inner.diags {
		// Positions inside the decoded text do not map back to the file: point at the string.
		d.Subject = &hcl.Range{Filename: s.filename, Start: start, End: s.pos}
		s.diags = append(s.diags, d)
	}
}
