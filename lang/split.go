package lang

import (
	"bytes"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Parsing a large native file in pieces. hclsyntax lexes a whole file into one token slice
// before parsing it; for a file of a thousand blocks that slice grows to tens of megabytes,
// copied each time it doubles and scanned by the collector while it lives. A file written
// as many top-level blocks (what import-json writes) is therefore cut between blocks, each
// piece parsed on its own from its exact start position, and the pieces' blocks joined into
// one body. Blocks of the plainest shape skip hclsyntax's lexer altogether (fastblock.go),
// and when Load parses, object blocks of that shape skip the syntax tree too (direct.go).
// Every range comes out identical to a whole-file parse; whenever a piece has any
// diagnostic, or the cutting scanner meets something it does not fully understand, the file
// is parsed whole, so diagnostics are exactly those of a whole-file parse.

// Chunking thresholds: files smaller than chunkMinFile are parsed whole; pieces hold at
// least chunkBytes of source (whole blocks).
// fastBlocks lets fastBlock parse the plainest blocks without hclsyntax (tests compare both).
var (
	chunkMinFile = 64 << 10
	chunkBytes   = 2 << 10
	fastBlocks   = true
)

// cut is a position between two top-level blocks: the start of the line after a block's
// closing brace.
type cut struct {
	byte, line int
}

// splitter mirrors hclsyntax's scanner (scan_tokens.rl) closely enough to know where it is
// outside every template, heredoc, comment and bracket. It tracks brace depth the way the
// scanner does (a "}" that matches an open "${" or "%{" returns to the template) and, in
// addition, parentheses and brackets.
type splitter struct {
	src  []byte
	i    int
	line int

	modes     []splitMode // the template stack; empty is the file's top level
	braces    int         // as the scanner counts them: every { and } outside templates
	retBraces []int       // brace counts at which a } ends an interpolation
	groups    int         // ( and [ minus ) and ]
}

// Kinds of splitMode.
const (
	modeMain    = iota // expression syntax inside ${ } or %{ }
	modeString         // a quoted template
	modeHeredoc        // a heredoc template
)

type splitMode struct {
	kind      int
	marker    []byte // heredoc end marker
	lineStart bool   // heredoc: the next byte starts a literal line (no interpolation yet)
}

// topLevelCuts returns the positions between top-level blocks of native source, in order,
// or ok false when the text holds anything the splitter does not model exactly (an
// unterminated string, heredoc or comment, a quoted newline, a non-ASCII heredoc marker,
// a closer without opener, a byte that is not UTF-8). Only a cut after "}" at the top level
// followed by optional spaces and a newline is reported.
//
// Text that is not UTF-8 is left to a whole parse because hclsyntax's scanner miscounts lines
// after such a byte (it can take the newline after it as part of the character, even in a
// comment), so pieces, which start counting afresh at each cut, would not reproduce its
// ranges.
func topLevelCuts(src []byte) (cuts []cut, ok bool) {
	if !utf8.Valid(src) {
		return nil, false
	}
	s := &splitter{src: src, line: 1}
	for s.i < len(src) {
		var good bool
		switch s.top() {
		case modeMain:
			good = s.mainByte(&cuts)
		case modeString:
			good = s.stringByte()
		case modeHeredoc:
			good = s.heredocByte()
		}
		if !good {
			return nil, false
		}
	}
	if len(s.modes) != 0 || s.braces != 0 || s.groups != 0 {
		return nil, false
	}
	return cuts, true
}

// top is the kind of syntax being scanned: the file's top level is main syntax.
func (s *splitter) top() int {
	if len(s.modes) == 0 {
		return modeMain
	}
	return s.modes[len(s.modes)-1].kind
}

func (s *splitter) newline() {
	s.line++
	s.i++
}

// mainByte scans one token-ish step of expression syntax (the top level, or inside ${ }).
func (s *splitter) mainByte(cuts *[]cut) bool {
	src := s.src
	switch c := src[s.i]; c {
	case '\n':
		s.newline()
	case '#':
		s.lineComment()
	case '/':
		switch {
		case s.i+1 < len(src) && src[s.i+1] == '/':
			s.lineComment()
		case s.i+1 < len(src) && src[s.i+1] == '*':
			end := bytes.Index(src[s.i+2:], []byte("*/"))
			if end < 0 {
				return false
			}
			stop := s.i + 2 + end + 2
			s.line += bytes.Count(src[s.i:stop], []byte{'\n'})
			s.i = stop
		default:
			s.i++
		}
	case '"':
		s.modes = append(s.modes, splitMode{kind: modeString})
		s.i++
	case '<':
		if !s.heredocStart() {
			return false
		}
	case '(', '[':
		s.groups++
		s.i++
	case ')', ']':
		s.groups--
		s.i++
		if s.groups < 0 {
			return false
		}
	case '{':
		s.braces++
		s.i++
	case '~':
		if s.i+1 < len(src) && src[s.i+1] == '}' {
			s.i++
			return s.closeBrace(cuts, true)
		}
		s.i++
	case '}':
		return s.closeBrace(cuts, false)
	default:
		s.i++
	}
	return true
}

func (s *splitter) lineComment() {
	if nl := bytes.IndexByte(s.src[s.i:], '\n'); nl >= 0 {
		s.i += nl
		s.newline()
	} else {
		s.i = len(s.src)
	}
}

// closeBrace handles the "}" at s.i (tilde says it was written "~}"): the end of an
// interpolation or directive, or of a brace the main syntax opened. A top-level brace
// followed by spaces and a newline ends a block: that is a cut.
func (s *splitter) closeBrace(cuts *[]cut, tilde bool) bool {
	s.i++
	if n := len(s.retBraces); n > 0 && s.retBraces[n-1] == s.braces {
		s.retBraces = s.retBraces[:n-1]
		s.braces--
		s.modes = s.modes[:len(s.modes)-1] // back to the template that opened it
		return true
	}
	if tilde {
		return false // "~}" closing an ordinary brace is a syntax error: parse the file whole
	}
	s.braces--
	if s.braces < 0 {
		return false
	}
	if s.braces != 0 || s.groups != 0 || len(s.modes) != 0 {
		return true
	}
	j := s.i
	for j < len(s.src) && (s.src[j] == ' ' || s.src[j] == '\t') {
		j++
	}
	if j < len(s.src) && s.src[j] == '\r' {
		j++
	}
	if j < len(s.src) && s.src[j] == '\n' {
		s.i = j
		s.newline()
		*cuts = append(*cuts, cut{byte: s.i, line: s.line})
	}
	return true
}

// heredocStart handles the "<" at s.i: "<<" or "<<-", an identifier and a newline open a
// heredoc; anything else is an operator. ok is false for a marker the splitter cannot
// judge (non-ASCII identifier characters).
func (s *splitter) heredocStart() (ok bool) {
	src := s.src
	j := s.i + 1
	if j >= len(src) || src[j] != '<' {
		s.i++
		return true
	}
	j++
	if j < len(src) && src[j] == '-' {
		j++
	}
	start := j
	if j < len(src) && src[j] >= 0x80 {
		return false
	}
	if j >= len(src) || !(isASCIILetter(src[j]) || src[j] == '_') {
		s.i++ // "<" "<" or "<" "<=" and so on
		return true
	}
	for j < len(src) && (isASCIILetter(src[j]) || isDigit(src[j]) || src[j] == '_' || src[j] == '-') {
		j++
	}
	if j < len(src) && src[j] >= 0x80 {
		return false
	}
	marker := src[start:j]
	if j < len(src) && src[j] == '\r' {
		j++
	}
	if j >= len(src) || src[j] != '\n' {
		s.i++
		return true
	}
	s.i = j
	s.newline()
	s.modes = append(s.modes, splitMode{kind: modeHeredoc, marker: marker, lineStart: true})
	return true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// interpolation handles "${" or "%{" at s.i inside a template: main syntax follows until the
// brace that balances it.
func (s *splitter) interpolation() {
	s.braces++
	s.retBraces = append(s.retBraces, s.braces)
	s.modes = append(s.modes, splitMode{kind: modeMain})
	s.i += 2
}

// templateEscapeOrInterp handles a "$" or "%" inside a template: "${" and "%{" start an
// interpolation or directive, "$${" and "%%{" are literal text, any other is one literal byte.
func (s *splitter) templateMarker() {
	src, c := s.src, s.src[s.i]
	switch {
	case s.i+1 < len(src) && src[s.i+1] == '{':
		s.interpolation()
	case s.i+2 < len(src) && src[s.i+1] == c && src[s.i+2] == '{':
		s.i += 3
	default:
		s.i++
	}
}

// stringByte scans one step of a quoted template.
func (s *splitter) stringByte() bool {
	src := s.src
	switch c := src[s.i]; c {
	case '"':
		s.modes = s.modes[:len(s.modes)-1]
		s.i++
	case '\\':
		if s.i+1 >= len(src) || src[s.i+1] == '\n' || src[s.i+1] == '\r' {
			return false
		}
		s.i += 2
	case '\n', '\r':
		return false // a newline in a quoted string is a syntax error
	case '$', '%':
		s.templateMarker()
	default:
		s.i++
	}
	return true
}

// heredocByte scans one step of a heredoc: a literal line that is the end marker (trimmed of
// white space, with no interpolation before it on the line) closes the heredoc.
func (s *splitter) heredocByte() bool {
	m := &s.modes[len(s.modes)-1]
	src := s.src
	if m.lineStart {
		m.lineStart = false
		if nl := bytes.IndexByte(src[s.i:], '\n'); nl >= 0 && bytes.Equal(bytes.TrimSpace(src[s.i:s.i+nl]), m.marker) {
			s.i += nl
			s.newline()
			s.modes = s.modes[:len(s.modes)-1]
			return true
		}
	}
	switch src[s.i] {
	case '\n':
		s.newline()
		m.lineStart = true
	case '$', '%':
		s.templateMarker()
	default:
		s.i++
	}
	return true
}

// parseNative parses HCL native syntax like hclsyntax.ParseConfig, in pieces when the file is
// large and made of top-level blocks (see the top of this file).
func parseNative(src []byte, filename string) (*hcl.File, hcl.Diagnostics) {
	if len(src) >= chunkMinFile {
		if f, _, ok := parseChunked(src, filename); ok {
			return f, nil
		}
	}
	return hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
}

// parseChunked parses src piece by piece; ok is false when the result could differ from a
// whole-file parse in any way, and the caller parses the file whole. fast counts the blocks
// fastBlock parsed.
//
// Why the result is the same: the first piece starts at the file's start, so hclsyntax lexes
// and parses its bytes exactly as it would in the whole file. A piece that parses without
// any diagnostic ends outside every block, template, heredoc and comment (each of those left
// open is an error), right after a newline token, so a parser of the whole file is at that
// point in the same state as a fresh parser at the start of the next piece, whose start
// position is passed on. By induction every piece yields the blocks the whole-file parse
// yields there. Top-level attributes are the one thing a body merges across pieces (a
// duplicate is an error only when both are seen), so a piece with any makes the whole file
// parse whole. fastBlock takes only text that is valid without diagnostics and builds the
// tree hclsyntax builds for it (tests compare them deeply). The first block and the text
// after the last cut are always parsed by hclsyntax: they give the file body its start and
// end ranges and its navigation.
func parseChunked(src []byte, filename string) (f *hcl.File, fast int, ok bool) {
	return parseChunkedWith(src, filename, nil)
}

// parseChunkedWith is parseChunked, offering each piece between two cuts (one top-level
// block, blank lines before it) first to direct, when set, with the piece's start position:
// a piece that direct takes (it returns true) is left out of the file's blocks, as the
// caller has read it itself (see directFile). The first block and the text after the last
// cut are never offered.
func parseChunkedWith(src []byte, filename string, direct func(piece []byte, start hcl.Pos) bool) (f *hcl.File, fast int, ok bool) {
	cuts, ok := topLevelCuts(src)
	if !ok || len(cuts) < 2 {
		return nil, 0, false
	}
	var first, last *hcl.File
	blocks := make(hclsyntax.Blocks, 0, len(cuts))
	// slow parses src[from.byte:to] with hclsyntax and keeps its blocks.
	slow := func(from cut, to int) bool {
		f, diags := hclsyntax.ParseConfig(src[from.byte:to], filename, hcl.Pos{Byte: from.byte, Line: from.line, Column: 1})
		body := f.Body.(*hclsyntax.Body)
		if len(diags) > 0 || len(body.Attributes) > 0 {
			return false
		}
		if first == nil {
			first = f
		}
		last = f
		blocks = append(blocks, body.Blocks...)
		return true
	}
	if !slow(cut{byte: 0, line: 1}, cuts[0].byte) {
		return nil, 0, false
	}
	pending := cuts[0] // start of the text not parsed yet
	names := map[string]string{}
	for i := 1; i < len(cuts); i++ {
		from, to := cuts[i-1], cuts[i]
		if direct != nil && direct(src[from.byte:to.byte], hcl.Pos{Byte: from.byte, Line: from.line, Column: 1}) {
			if pending.byte < from.byte && !slow(pending, from.byte) {
				return nil, 0, false
			}
			pending = to
			continue
		}
		if fastBlocks {
			if b, ok := fastBlock(src[from.byte:to.byte], filename, hcl.Pos{Byte: from.byte, Line: from.line, Column: 1}, names); ok {
				if pending.byte < from.byte && !slow(pending, from.byte) {
					return nil, 0, false
				}
				blocks = append(blocks, b)
				fast++
				pending = to
				continue
			}
		}
		if to.byte-pending.byte >= chunkBytes {
			if !slow(pending, to.byte) {
				return nil, 0, false
			}
			pending = to
		}
	}
	if !slow(pending, len(src)) {
		return nil, 0, false
	}
	return mergeBlocks(src, first, last, blocks), fast, true
}

// mergeBlocks gives the first piece's body (its file's navigation already points there)
// all blocks and the whole file's ranges.
func mergeBlocks(src []byte, first, last *hcl.File, blocks hclsyntax.Blocks) *hcl.File {
	body := first.Body.(*hclsyntax.Body)
	end := last.Body.(*hclsyntax.Body)
	body.Blocks = blocks
	body.SrcRange = hcl.RangeBetween(body.SrcRange, end.SrcRange)
	body.EndRange = end.EndRange
	first.Bytes = src
	return first
}
