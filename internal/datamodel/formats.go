package datamodel

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// format is a JSON Schema "format" as the package's validator defines it. Like Ajv, a
// format constrains strings only; other values pass.
type format struct {
	name  string
	noun  string // what a valid string is, for messages: "an email address"
	check func(string) bool
}

// The format definitions the package's validator uses (dist/registerFormats.js), copied
// verbatim so a reviewer can compare them with the source:
//   - ip, ipCidr, asn: registered by the package itself (ip with Node's net.isIP);
//   - ipv4, ipv6: the package registers Node's net.isIPv4/isIPv6 first, but then installs
//     ajv-formats, which replaces both with its own expressions (ipv4 accepting leading
//     zeros), so those are what run;
//   - email, uri, hostname, date-time: ajv-formats 2.1.1 "full" mode.
const (
	// Node.js lib/internal/net.js (v20): IPv4Reg and IPv6Reg, as assembled there.
	nodeV4Seg   = `(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])`
	nodeV4Str   = `(?:` + nodeV4Seg + `\.){3}` + nodeV4Seg
	nodeIPv4Src = `^` + nodeV4Str + `$`
	nodeV6Seg   = `(?:[0-9a-fA-F]{1,4})`
	nodeIPv6Src = `^(?:` +
		`(?:` + nodeV6Seg + `:){7}(?:` + nodeV6Seg + `|:)|` +
		`(?:` + nodeV6Seg + `:){6}(?:` + nodeV4Str + `|:` + nodeV6Seg + `|:)|` +
		`(?:` + nodeV6Seg + `:){5}(?::` + nodeV4Str + `|(?::` + nodeV6Seg + `){1,2}|:)|` +
		`(?:` + nodeV6Seg + `:){4}(?:(?::` + nodeV6Seg + `){0,1}:` + nodeV4Str + `|(?::` + nodeV6Seg + `){1,3}|:)|` +
		`(?:` + nodeV6Seg + `:){3}(?:(?::` + nodeV6Seg + `){0,2}:` + nodeV4Str + `|(?::` + nodeV6Seg + `){1,4}|:)|` +
		`(?:` + nodeV6Seg + `:){2}(?:(?::` + nodeV6Seg + `){0,3}:` + nodeV4Str + `|(?::` + nodeV6Seg + `){1,5}|:)|` +
		`(?:` + nodeV6Seg + `:){1}(?:(?::` + nodeV6Seg + `){0,4}:` + nodeV4Str + `|(?::` + nodeV6Seg + `){1,6}|:)|` +
		`(?::(?:(?::` + nodeV6Seg + `){0,5}:` + nodeV4Str + `|(?::` + nodeV6Seg + `){1,7}|:))` +
		`)(?:%[0-9a-zA-Z-.:]{1,})?$`

	// @jupiterone/data-model dist/registerFormats.js.
	ipv4CidrSrc = `^(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\/(3[0-2]|[12]?[0-9])$`
	ipv6CidrSrc = `^([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}\/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$|^([0-9a-fA-F]{1,4}:){1,7}:\/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$|^::\/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$|^([0-9a-fA-F]{1,4}:){1,7}[0-9a-fA-F]{1,4}$`
	asnSrc      = `^AS\d{2,6}$`

	// ajv-formats 2.1.1 dist/formats.js, fullFormats.
	ajvIPv4Src  = `^(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)$`
	ajvIPv6Src  = `^((([0-9a-f]{1,4}:){7}([0-9a-f]{1,4}|:))|(([0-9a-f]{1,4}:){6}(:[0-9a-f]{1,4}|((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})|:))|(([0-9a-f]{1,4}:){5}(((:[0-9a-f]{1,4}){1,2})|:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})|:))|(([0-9a-f]{1,4}:){4}(((:[0-9a-f]{1,4}){1,3})|((:[0-9a-f]{1,4})?:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9a-f]{1,4}:){3}(((:[0-9a-f]{1,4}){1,4})|((:[0-9a-f]{1,4}){0,2}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9a-f]{1,4}:){2}(((:[0-9a-f]{1,4}){1,5})|((:[0-9a-f]{1,4}){0,3}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9a-f]{1,4}:){1}(((:[0-9a-f]{1,4}){1,6})|((:[0-9a-f]{1,4}){0,4}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(:(((:[0-9a-f]{1,4}){1,7})|((:[0-9a-f]{1,4}){0,5}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:)))$`
	ajvEmailSrc = "^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
	ajvURISrc   = `^(?:[a-z][a-z0-9+\-.]*:)(?:\/?\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\[(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]|(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)|(?:[a-z0-9\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\d*)?(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*|\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)(?:\?(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$`
	// ajv-formats "hostname" is
	//   ^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$  (flag i)
	// RE2 has no lookahead: the expression below is the rest, and hostnameLengthOK the
	// lookahead, which allows 253 characters plus an optional final dot.
	ajvHostnameBodySrc = `^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$`
	ajvDateSrc         = `^(\d\d\d\d)-(\d\d)-(\d\d)$`
	ajvTimeSrc         = `^(\d\d):(\d\d):(\d\d)(\.\d+)?(z|[+-]\d\d(?::?\d\d)?)?$`
)

// formatSet holds the compiled formats by name.
type formatSet map[string]*format

func newFormatSet() (formatSet, error) {
	var firstErr error
	re := func(src, flags string) *jsRegexp {
		r, err := compileJS(src, flags)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return r
	}
	nodeIPv4, nodeIPv6 := re(nodeIPv4Src, ""), re(nodeIPv6Src, "")
	ipv4Cidr, ipv6Cidr := re(ipv4CidrSrc, ""), re(ipv6CidrSrc, "")
	asn := re(asnSrc, "")
	ajvIPv4, ajvIPv6 := re(ajvIPv4Src, ""), re(ajvIPv6Src, "i")
	email, uri := re(ajvEmailSrc, "i"), re(ajvURISrc, "i")
	uriNoIPLiteralSrc, ok := withoutIPLiteral(ajvURISrc)
	if !ok {
		return nil, fmt.Errorf("compile formats: the URI expression no longer has an IP-literal alternative")
	}
	uriNoIPLiteral := re(uriNoIPLiteralSrc, "i")
	hostname := re(ajvHostnameBodySrc, "i")
	date, tm := re(ajvDateSrc, ""), re(ajvTimeSrc, "i")
	if firstErr != nil {
		return nil, fmt.Errorf("compile formats: %w", firstErr)
	}
	fs := formatSet{}
	add := func(name, noun string, check func(string) bool) {
		fs[name] = &format{name: name, noun: noun, check: check}
	}
	add("ip", "an IP address", func(s string) bool { return nodeIPv4.MatchString(s) || nodeIPv6.MatchString(s) })
	add("ipv4", "an IPv4 address", ajvIPv4.MatchString)
	add("ipv6", "an IPv6 address", ajvIPv6.MatchString)
	add("ipCidr", "a CIDR block", func(s string) bool { return ipv4Cidr.MatchString(s) || ipv6Cidr.MatchString(s) })
	add("asn", "an autonomous system number (AS followed by 2 to 6 digits)", asn.MatchString)
	add("email", "an email address", email.MatchString)
	// NOT_URI_FRAGMENT: a URI must contain '/' or ':'.
	add("uri", "an absolute URI", func(s string) bool {
		switch {
		case plainURL(s):
			return true
		case !strings.ContainsAny(s, "/:"):
			return false
		case strings.IndexByte(s, '[') < 0:
			// The IP-literal alternative needs a '['; without it, the smaller expression
			// fits Go's backtracking matcher, several times faster than the full one's NFA.
			return uriNoIPLiteral.MatchString(s)
		}
		return uri.MatchString(s)
	})
	add("hostname", "a hostname", func(s string) bool { return hostnameLengthOK(s) && hostname.MatchString(s) })
	add("date-time", "an RFC 3339 date-time", func(s string) bool { return isDateTime(s, date, tm) })
	return fs, nil
}

// plainURL recognises, in one pass, the common shape scheme://host[:port][/path][?query]
// [#fragment] without percent-escapes, user info or IP literals. Every string it accepts
// matches ajv-formats' URI expression (scheme, "//", a reg-name host, port, path segments of
// pchar, query and fragment of pchar, '/' and '?'); for anything else it returns false and
// the expression decides.
func plainURL(s string) bool {
	i := 0
	if i >= len(s) || !isASCIILetter(s[i]) {
		return false
	}
	for i++; i < len(s) && (isASCIILetter(s[i]) || isDigit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'); i++ {
	}
	if !strings.HasPrefix(s[i:], "://") {
		return false
	}
	for i += 3; i < len(s) && isUnreservedOrSubDelim(s[i]); i++ {
	}
	if i < len(s) && s[i] == ':' {
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	for ; i < len(s) && s[i] == '/'; i++ {
		for i+1 < len(s) && isPathChar(s[i+1]) {
			i++
		}
	}
	for _, delim := range []byte{'?', '#'} {
		if i < len(s) && s[i] == delim {
			for i++; i < len(s) && (isPathChar(s[i]) || s[i] == '/' || s[i] == '?'); i++ {
			}
		}
	}
	return i == len(s)
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool       { return '0' <= c && c <= '9' }

// isUnreservedOrSubDelim is the URI expression's reg-name class [a-z0-9\-._~!$&'()*+,;=].
func isUnreservedOrSubDelim(c byte) bool {
	return isASCIILetter(c) || isDigit(c) || strings.IndexByte("-._~!$&'()*+,;=", c) >= 0
}

// isPathChar is the expression's pchar class without percent-escapes: the reg-name class
// plus ':' and '@'.
func isPathChar(c byte) bool { return isUnreservedOrSubDelim(c) || c == ':' || c == '@' }

// withoutIPLiteral removes the IP-literal alternative "\[ … \]|" of the host in
// ajv-formats' URI expression; ok is false if the expression no longer has that shape.
func withoutIPLiteral(src string) (string, bool) {
	const open, close = `(?:\[(?:`, `)\]|`
	i := strings.Index(src, open)
	j := strings.Index(src, close)
	if i < 0 || j < i || strings.Count(src, open) != 1 || strings.Count(src, close) != 1 {
		return "", false
	}
	return src[:i+len("(?:")] + src[j+len(close):], true
}

// hostnameLengthOK is the lookahead (?=.{1,253}\.?$) of ajv-formats' hostname expression:
// 1 to 253 characters, optionally followed by one more '.'. JavaScript counts UTF-16 code
// units there; the rest of the expression admits ASCII only, so bytes serve.
func hostnameLengthOK(s string) bool {
	n := len(s)
	return n >= 1 && (n <= 253 || (n == 254 && s[253] == '.'))
}

// isDateTime is ajv-formats' date_time: split on 't', 'T' or JavaScript whitespace, exactly
// two parts, a valid date and a valid time. The time's time zone is meant to be required,
// but ajv-formats 2.1.1 compares an absent zone (undefined) with "", so it is not; this
// port keeps that behaviour, as the oracle corpus shows.
func isDateTime(s string, date, tm *jsRegexp) bool {
	sep := strings.IndexFunc(s, isDateTimeSeparator)
	if sep < 0 {
		return false
	}
	_, size := utf8.DecodeRuneInString(s[sep:])
	d, t := s[:sep], s[sep+size:]
	if strings.IndexFunc(t, isDateTimeSeparator) >= 0 {
		return false
	}
	return isDate(d, date) && isTime(t, tm)
}

func isDateTimeSeparator(r rune) bool { return r == 't' || r == 'T' || isJSSpace(r) }

// isJSSpace is ECMAScript's \s: WhiteSpace and LineTerminator.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

var daysInMonth = [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func isDate(s string, date *jsRegexp) bool {
	m := date.re.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	year, month, day := atoi(m[1]), atoi(m[2]), atoi(m[3])
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return day <= 29
	}
	return day <= daysInMonth[month]
}

func isTime(s string, tm *jsRegexp) bool {
	m := tm.re.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	hour, minute, second := atoi(m[1]), atoi(m[2]), atoi(m[3])
	return (hour <= 23 && minute <= 59 && second <= 59) || (hour == 23 && minute == 59 && second == 60)
}

// atoi converts the ASCII digits an expression has already matched.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
