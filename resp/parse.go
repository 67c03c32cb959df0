// Package resp speaks the Redis serialization protocol: it parses requests
// (multibulk and inline) with Redis's limits and exact error texts, and appends
// replies in RESP2 or RESP3.
//
// # Aliasing rule
//
// The argument slices a Parser returns point into the caller's buffer (or,
// for inline requests, into the parser's own scratch space). They are valid
// only until that buffer is changed or the parser is used again. Anything a
// caller keeps beyond the current command must be copied first.
package resp

import (
	"bytes"

	"github.com/kvdserver/kvd/internal/num"
)

// Default limits, the same as Redis's.
const (
	// DefaultMaxBulkLen is proto-max-bulk-len's default (512 MB).
	DefaultMaxBulkLen = 512 * 1024 * 1024
	// MaxInlineSize bounds an inline request and a header line (PROTO_INLINE_MAX_SIZE).
	MaxInlineSize = 64 * 1024
	// maxMultibulkLen is the largest accepted argument count (INT_MAX).
	maxMultibulkLen = 1<<31 - 1
	// argvPrealloc caps how many argument slots are reserved up front for
	// a request, so a hostile count cannot make the server allocate.
	argvPrealloc = 1024
	// maxKeptSpans is the most argument positions (16 bytes each) a parser
	// keeps room for between requests.
	maxKeptSpans = 16 << 10
)

// Error is a protocol error. Its text is the whole error reply Redis sends
// before it closes the connection, e.g. "ERR Protocol error: invalid bulk length".
type Error string

// Error returns the reply text.
func (e Error) Error() string { return string(e) }

// The protocol errors Redis reports.
const (
	ErrInvalidMultibulkLen = Error("ERR Protocol error: invalid multibulk length")
	ErrInvalidBulkLen      = Error("ERR Protocol error: invalid bulk length")
	ErrTooBigMbulkCount    = Error("ERR Protocol error: too big mbulk count string")
	ErrTooBigBulkCount     = Error("ERR Protocol error: too big bulk count string")
	ErrTooBigInline        = Error("ERR Protocol error: too big inline request")
	ErrUnbalancedQuotes    = Error("ERR Protocol error: unbalanced quotes in request")
	ErrUnauthMultibulkLen  = Error("ERR Protocol error: unauthenticated multibulk length")
	ErrUnauthBulkLen       = Error("ERR Protocol error: unauthenticated bulk length")
)

// Limits on requests from clients that have not authenticated while a
// password is required, the same as Redis's.
const (
	// MaxUnauthArgs is the most arguments an unauthenticated request may have.
	MaxUnauthArgs = 10
	// MaxUnauthBulkLen is the largest argument an unauthenticated request may have.
	MaxUnauthBulkLen = 16384
)

// ErrExpectedDollar returns the error for a bulk header that does not start with '$'.
func ErrExpectedDollar(got byte) Error {
	return Error("ERR Protocol error: expected '$', got '" + string([]byte{got}) + "'")
}

// span is an argument's position relative to the start of the request.
type span struct{ off, n int }

// Parser parses requests one at a time out of a client's query buffer. It
// keeps the progress of a request that has not fully arrived, so a large
// request delivered in many reads is scanned once, not once per read. The
// zero value is ready to use with Redis's default limits.
type Parser struct {
	// MaxBulkLen is the largest bulk argument accepted (proto-max-bulk-len);
	// 0 means DefaultMaxBulkLen.
	MaxBulkLen int64
	// Unauthenticated applies the limits Redis sets on a client that must
	// still authenticate: at most MaxUnauthArgs arguments of at most
	// MaxUnauthBulkLen bytes each in a multibulk request.
	Unauthenticated bool

	// State of a multibulk request in progress, relative to its first byte.
	inMulti   bool   // the count line has been read
	remaining int    // arguments still to read
	bulkLen   int    // length of the argument being read, -1 if its header is unread
	pos       int    // where parsing resumes
	scanned   int    // how far the current line was already searched for its end
	spans     []span // arguments read so far

	inline []byte // scratch for unescaped inline arguments
}

// Reset drops any partially parsed request. Call it when the buffer the
// parser was reading is discarded.
func (p *Parser) Reset() {
	p.inMulti = false
	p.remaining = 0
	p.bulkLen = -1
	p.pos = 0
	p.scanned = 0
	if cap(p.spans) > maxKeptSpans {
		p.spans = nil // a huge request's positions are not kept for the next one
	}
	p.spans = p.spans[:0]
}

// Pending reports whether a request has been partly parsed.
func (p *Parser) Pending() bool { return p.inMulti || p.scanned > 0 }

// Need returns how many bytes, counted from the request's first byte, the
// buffer must hold before the request in progress can advance. It is useful
// to size a buffer once for a large bulk argument. It returns 0 when nothing
// specific is known.
func (p *Parser) Need() int {
	if p.inMulti && p.bulkLen >= 0 {
		return p.pos + p.bulkLen + 2
	}
	return 0
}

// Parse parses the request at the start of buf. It appends the arguments to
// argv[:0] and returns them with the number of bytes the request used.
//
//   - n > 0, err == nil: a complete request; len(argv) may be 0 for an empty
//     request (a blank inline line or "*0"), which callers skip.
//   - n == 0, err == nil: the request is incomplete; call again with the same
//     bytes at the start of buf and more appended.
//   - err != nil: a protocol error; reply with err.Error() and close.
func (p *Parser) Parse(buf []byte, argv [][]byte) ([][]byte, int, error) {
	argv = argv[:0]
	if len(buf) == 0 {
		return argv, 0, nil
	}
	if p.inMulti || buf[0] == '*' {
		return p.parseMultibulk(buf, argv)
	}
	return p.parseInline(buf, argv)
}

// lineEnd finds the '\r' that ends the header line starting at from, the way
// Redis's strchr does: a NUL byte before it hides it. It returns -1 if the
// line is not complete (the byte after '\r' must be present too, though Redis
// does not check that it is '\n').
func (p *Parser) lineEnd(buf []byte, from int) int {
	start := from + p.scanned
	if start < from {
		start = from
	}
	rest := buf[start:]
	i := indexCRorNUL(rest)
	if i < 0 || rest[i] == 0 {
		if i < 0 {
			p.scanned = len(buf) - from
		} else {
			p.scanned = i + start - from // stuck on the NUL until the limit trips
		}
		return -1
	}
	end := start + i
	if end+2 > len(buf) {
		p.scanned = end - from
		return -1
	}
	p.scanned = 0
	return end
}

func indexCRorNUL(b []byte) int {
	i := bytes.IndexByte(b, '\r')
	var j int
	if i < 0 {
		j = bytes.IndexByte(b, 0)
	} else {
		j = bytes.IndexByte(b[:i], 0)
	}
	if j >= 0 {
		return j
	}
	return i
}

func (p *Parser) maxBulk() int64 {
	if p.MaxBulkLen > 0 {
		return p.MaxBulkLen
	}
	return DefaultMaxBulkLen
}

func (p *Parser) parseMultibulk(buf []byte, argv [][]byte) ([][]byte, int, error) {
	if !p.inMulti {
		end := p.lineEnd(buf, 0)
		if end < 0 {
			if len(buf) > MaxInlineSize {
				p.Reset()
				return argv, 0, ErrTooBigMbulkCount
			}
			return argv, 0, nil
		}
		count, ok := num.ParseInt(buf[1:end])
		if !ok || count > maxMultibulkLen {
			p.Reset()
			return argv, 0, ErrInvalidMultibulkLen
		}
		if p.Unauthenticated && count > MaxUnauthArgs {
			p.Reset()
			return argv, 0, ErrUnauthMultibulkLen
		}
		if count <= 0 {
			p.Reset()
			return argv, end + 2, nil
		}
		p.inMulti = true
		p.remaining = int(count)
		p.bulkLen = -1
		p.pos = end + 2
		p.spans = p.spans[:0]
		if cap(p.spans) < argvPrealloc && cap(p.spans) < p.remaining {
			p.spans = make([]span, 0, min(p.remaining, argvPrealloc))
		}
	}
	for p.remaining > 0 {
		if p.bulkLen < 0 {
			end := p.lineEnd(buf, p.pos)
			if end < 0 {
				if len(buf)-p.pos > MaxInlineSize {
					p.Reset()
					return argv, 0, ErrTooBigBulkCount
				}
				return argv, 0, nil
			}
			if buf[p.pos] != '$' {
				c := buf[p.pos]
				p.Reset()
				return argv, 0, ErrExpectedDollar(c)
			}
			n, ok := num.ParseInt(buf[p.pos+1 : end])
			if !ok || n < 0 || n > p.maxBulk() {
				p.Reset()
				return argv, 0, ErrInvalidBulkLen
			}
			if p.Unauthenticated && n > MaxUnauthBulkLen {
				p.Reset()
				return argv, 0, ErrUnauthBulkLen
			}
			p.bulkLen = int(n)
			p.pos = end + 2
		}
		if len(buf)-p.pos < p.bulkLen+2 {
			return argv, 0, nil
		}
		if len(p.spans) == cap(p.spans) {
			p.growSpans()
		}
		p.spans = append(p.spans, span{p.pos, p.bulkLen})
		// Like Redis, the two bytes after the data are skipped unchecked.
		p.pos += p.bulkLen + 2
		p.bulkLen = -1
		p.remaining--
	}
	if cap(argv) < len(p.spans) {
		argv = make([][]byte, 0, len(p.spans))
	}
	for _, s := range p.spans {
		argv = append(argv, buf[s.off:s.off+s.n:s.off+s.n])
	}
	n := p.pos
	p.Reset()
	return argv, n, nil
}

// growSpans makes room for more argument positions: it doubles the room,
// but never past the arguments the request still announces, so a request
// of many arguments costs one array of its exact size plus as much again
// in the arrays it outgrew (append's gentler growth for large slices would
// leave four times as much behind), and a request that announces more
// arguments than it sends costs at most twice what it sent.
func (p *Parser) growSpans() {
	n := min(max(2*cap(p.spans), argvPrealloc), len(p.spans)+p.remaining)
	grown := make([]span, len(p.spans), n)
	copy(grown, p.spans)
	p.spans = grown
}

func (p *Parser) parseInline(buf []byte, argv [][]byte) ([][]byte, int, error) {
	from := p.scanned
	i := bytes.IndexByte(buf[from:], '\n')
	var nul int
	if i < 0 {
		nul = bytes.IndexByte(buf[from:], 0)
	} else {
		nul = bytes.IndexByte(buf[from:from+i], 0)
	}
	if nul >= 0 || i < 0 {
		// Redis searches with strchr, so a NUL hides the newline.
		if nul >= 0 {
			p.scanned = from + nul
		} else {
			p.scanned = len(buf)
		}
		if len(buf) > MaxInlineSize {
			p.Reset()
			return argv, 0, ErrTooBigInline
		}
		return argv, 0, nil
	}
	nl := from + i
	p.scanned = 0
	line := buf[:nl]
	if nl > 0 && buf[nl-1] == '\r' {
		line = buf[:nl-1]
	}
	argv, ok := p.splitArgs(line, argv)
	if !ok {
		return argv[:0], 0, ErrUnbalancedQuotes
	}
	return argv, nl + 1, nil
}

// splitArgs splits an inline request line into arguments with the quoting
// rules of Redis's sdssplitargs: "double quotes" with \n \r \t \b \a \\ \"
// and \xHH escapes, 'single quotes' with \' only, and a closing quote that
// must be followed by a space or the end of the line.
func (p *Parser) splitArgs(line []byte, argv [][]byte) ([][]byte, bool) {
	// Arguments are collected in p.inline, then sliced once it stops growing.
	p.inline = p.inline[:0]
	var bounds [16]int
	ends := bounds[:0]
	i := 0
	for {
		for i < len(line) && num.IsSpace(line[i]) {
			i++
		}
		if i >= len(line) {
			break
		}
		inDQ, inSQ, done := false, false, false
		for !done {
			if inDQ {
				if i >= len(line) {
					return argv, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+3 < len(line) && line[i+1] == 'x' && isHexDigit(line[i+2]) && isHexDigit(line[i+3]):
					p.inline = append(p.inline, hexVal(line[i+2])<<4|hexVal(line[i+3]))
					i += 3
				case c == '\\' && i+1 < len(line):
					i++
					switch line[i] {
					case 'n':
						p.inline = append(p.inline, '\n')
					case 'r':
						p.inline = append(p.inline, '\r')
					case 't':
						p.inline = append(p.inline, '\t')
					case 'b':
						p.inline = append(p.inline, '\b')
					case 'a':
						p.inline = append(p.inline, '\a')
					default:
						p.inline = append(p.inline, line[i])
					}
				case c == '"':
					if i+1 < len(line) && !num.IsSpace(line[i+1]) {
						return argv, false
					}
					done = true
				default:
					p.inline = append(p.inline, c)
				}
			} else if inSQ {
				if i >= len(line) {
					return argv, false
				}
				c := line[i]
				switch {
				case c == '\\' && i+1 < len(line) && line[i+1] == '\'':
					i++
					p.inline = append(p.inline, '\'')
				case c == '\'':
					if i+1 < len(line) && !num.IsSpace(line[i+1]) {
						return argv, false
					}
					done = true
				default:
					p.inline = append(p.inline, c)
				}
			} else {
				if i >= len(line) {
					break
				}
				switch c := line[i]; c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inDQ = true
				case '\'':
					inSQ = true
				default:
					p.inline = append(p.inline, c)
				}
			}
			if i < len(line) {
				i++
			}
		}
		ends = append(ends, len(p.inline))
	}
	start := 0
	for _, e := range ends {
		argv = append(argv, p.inline[start:e:e])
		start = e
	}
	return argv, true
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// SplitArgs splits a line into words with the quoting rules of inline
// requests (and of redis.conf lines). It returns ErrUnbalancedQuotes for a
// line whose quotes do not close.
func SplitArgs(line string) ([]string, error) {
	var p Parser
	argv, ok := p.splitArgs([]byte(line), nil)
	if !ok {
		return nil, ErrUnbalancedQuotes
	}
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = string(a)
	}
	return out, nil
}
