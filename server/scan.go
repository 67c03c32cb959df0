package server

import (
	"math"

	"github.com/kvdserver/kvd/internal/num"
)

// What SCAN, HSCAN, SSCAN and ZSCAN share: the cursor and the options.

// parseScanCursor parses a SCAN cursor with the rules of Redis's
// parseScanCursorOrReply, which uses C's strtoul: no leading space, an
// optional sign ("-1" wraps to the largest cursor), decimal digits up to
// 2^64-1, and nothing after them but the end of the C string (a NUL byte
// ends it). An empty cursor is 0.
func parseScanCursor(b []byte) (uint64, bool) {
	b = cstr(b)
	if len(b) == 0 {
		return 0, true
	}
	if num.IsSpace(b[0]) {
		return 0, false
	}
	neg := false
	i := 0
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	if i == len(b) {
		return 0, false // no digits: strtoul leaves the end pointer at the sign
	}
	var v uint64
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			return 0, false
		}
		if v > (math.MaxUint64-uint64(d))/10 {
			return 0, false // ERANGE
		}
		v = v*10 + uint64(d)
	}
	if neg {
		v = -v
	}
	return v, true
}

// scanOpts are the parsed options of a *SCAN command.
type scanOpts struct {
	count   int64
	pattern []byte // nil: every element
	typ     []byte // nil: every type (SCAN only)
}

// parseScanOpts parses the COUNT and MATCH options from argv[from:], and
// TYPE too if withType (SCAN's; HSCAN, SSCAN and ZSCAN answer it with a
// syntax error), checking them in the order of Redis's scanGenericCommand.
// It replies an error and returns ok == false if they are invalid.
func parseScanOpts(c *Ctx, from int, withType bool) (o scanOpts, ok bool) {
	o.count = 10
	argv := c.argv
	for i := from; i < len(argv); i += 2 {
		hasArg := i+1 < len(argv)
		switch {
		case isOpt(argv[i], "count") && hasArg:
			if o.count, ok = c.intArg(argv[i+1]); !ok {
				return o, false
			}
			if o.count < 1 {
				c.replyError(errSyntax)
				return o, false
			}
		case isOpt(argv[i], "match") && hasArg:
			o.pattern = argv[i+1]
			if len(o.pattern) == 1 && o.pattern[0] == '*' {
				o.pattern = nil
			}
		case withType && isOpt(argv[i], "type") && hasArg:
			o.typ = argv[i+1]
		default:
			c.replyError(errSyntax)
			return o, false
		}
	}
	return o, true
}

// replyScanHeader begins a *SCAN reply: the cursor to go on from (0 once
// the iteration is over), then the header of the array of n elements that
// follow it.
func (c *Ctx) replyScanHeader(next uint64, n int) {
	c.replyArray(2)
	c.replyBulkInt(int64(next))
	c.replyArray(n)
}
