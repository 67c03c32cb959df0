package server

import (
	"math"
	"math/big"

	"github.com/kvdserver/kvd/internal/num"
)

// isOpt reports whether arg is the option name (lower-case), ignoring case.
// Like Redis's strcasecmp on a C string, it stops at a NUL byte in arg.
func isOpt(arg []byte, name string) bool {
	arg = cstr(arg)
	if len(arg) != len(name) {
		return false
	}
	for i := 0; i < len(arg); i++ {
		c := arg[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

// intArg parses an integer argument, replying with Redis's error if it is
// not one. It reports whether it succeeded.
func (c *Ctx) intArg(b []byte) (int64, bool) {
	n, ok := num.ParseInt(b)
	if !ok {
		c.replyError(errNotInteger)
	}
	return n, ok
}

// intArgMsg is intArg with a custom error message.
func (c *Ctx) intArgMsg(b []byte, msg string) (int64, bool) {
	n, ok := num.ParseInt(b)
	if !ok {
		c.replyError(msg)
	}
	return n, ok
}

// floatArg parses a float argument (getDoubleFromObject's rules), replying
// "value is not a valid float" if it is not one.
func (c *Ctx) floatArg(b []byte) (float64, bool) {
	f, ok := num.ParseDouble(b)
	if !ok {
		c.replyError(errNotFloat)
	}
	return f, ok
}

// longDoubleArg parses an increment of INCRBYFLOAT or HINCRBYFLOAT, a C
// long double (getLongDoubleFromObjectOrReply's rules), replying "value is
// not a valid float" if it is not one.
func (c *Ctx) longDoubleArg(b []byte) (*big.Float, bool) {
	f, ok := num.ParseLongDouble(b)
	if !ok {
		c.replyError(errNotFloat)
	}
	return f, ok
}

// rangeArg parses an integer argument that must lie in [lo, hi], replying
// msg if it does not or is not an integer, like Redis's
// getRangeLongFromObjectOrReply with a message.
func (c *Ctx) rangeArg(b []byte, lo, hi int64, msg string) (int64, bool) {
	n, ok := num.ParseInt(b)
	if !ok || n < lo || n > hi {
		c.replyError(msg)
		return 0, false
	}
	return n, true
}

// positiveArg parses a count that must be zero or more, with Redis's
// getPositiveLongFromObjectOrReply rules.
func (c *Ctx) positiveArg(b []byte) (int64, bool) {
	return c.rangeArg(b, 0, math.MaxInt64, errNotPositive)
}

// indexRange resolves the start and end indexes of LRANGE, LTRIM, ZRANGE
// and ZREMRANGEBYRANK (negative ones count from the end) against a
// sequence of n elements, as Redis does: it returns the first and last
// positions of the elements they cover, or ok == false if they cover none.
func indexRange(start, end, n int64) (first, last int64, ok bool) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	if start > end || start >= n {
		return 0, 0, false
	}
	return start, min(end, n-1), true
}

// atoi reads an int the way C's atoi does, as Redis reads some counts
// (numkeys in its getkeys functions, DEBUG's flags): leading white space,
// an optional sign, then digits up to the first other byte (0 if there are
// none), clamped to the range of a long as strtol does, then converted to
// a 32-bit int. Like a C string, b ends at a NUL byte.
func atoi(b []byte) int32 {
	b = cstr(b)
	i := 0
	for i < len(b) && num.IsSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var v uint64 // saturates once past the int64 range
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if v > math.MaxInt64/10+1 {
			v = math.MaxUint64
		} else {
			v = v*10 + uint64(b[i]-'0')
		}
	}
	var n int64
	switch {
	case neg && v > math.MaxInt64:
		n = math.MinInt64
	case neg:
		n = -int64(v)
	case v > math.MaxInt64:
		n = math.MaxInt64
	default:
		n = int64(v)
	}
	return int32(n)
}

// numkeysKeys returns the positions of the keys of a command whose numkeys
// argument is at index idx, the keys following it (with the destination
// key at index 1 first when dst), as Redis's getkeys functions for them
// do: no keys at all if numkeys, read with atoi, is below 1 or more than
// the arguments left.
func numkeysKeys(argv [][]byte, idx int, dst bool) []int {
	if idx >= len(argv) {
		return nil
	}
	n := int(atoi(argv[idx]))
	if n < 1 || n > len(argv)-idx-1 {
		return nil
	}
	var keys []int
	if dst {
		keys = append(keys, 1)
	}
	for i := range n {
		keys = append(keys, idx+1+i)
	}
	return keys
}

// numkeysFirstKeys finds the keys of a command whose numkeys is its first
// argument: LMPOP, SINTERCARD, ZMPOP, ZUNION, ZINTER, ZDIFF, ZINTERCARD.
func numkeysFirstKeys(argv [][]byte) []int { return numkeysKeys(argv, 1, false) }

// randCountArgs parses the count and the option (WITHVALUES, WITHSCORES)
// of HRANDFIELD and ZRANDMEMBER key count [opt], with the checks of
// Redis's hrandfieldCommand and zrandmemberCommand in their order: with
// the option, twice the count must fit, as the reply holds both. It
// replies an error and returns ok == false if they are invalid.
func randCountArgs(c *Ctx, opt string) (count int64, with, ok bool) {
	argv := c.argv
	if count, ok = c.intArg(argv[2]); !ok {
		return 0, false, false
	}
	if count < -math.MaxInt64 {
		c.replyError(errRandCountRange)
		return 0, false, false
	}
	if len(argv) > 4 || len(argv) == 4 && !isOpt(argv[3], opt) {
		c.replyError(errSyntax)
		return 0, false, false
	}
	if len(argv) == 4 {
		if count < -math.MaxInt64/2 || count > math.MaxInt64/2 {
			c.replyError(errOutOfRange)
			return 0, false, false
		}
		with = true
	}
	return count, with, true
}

// mpopArgs parses what LMPOP and ZMPOP share, numkeys key [key ...] END
// [COUNT count], END being low or high (LEFT or RIGHT, MIN or MAX), with
// Redis's checks in their order. It returns the keys, whether END is high,
// and the count (1 if not given); or it replies an error and returns
// ok == false.
func mpopArgs(c *Ctx, low, high string) (keys [][]byte, isHigh bool, count int64, ok bool) {
	return mpopArgsAt(c, 1, low, high)
}

// mpopArgsAt is mpopArgs with numkeys at argv[at] (2 for BLMPOP and
// BZMPOP, whose timeout comes first).
func mpopArgsAt(c *Ctx, at int, low, high string) (keys [][]byte, isHigh bool, count int64, ok bool) {
	argv := c.argv
	numkeys, ok := c.rangeArg(argv[at], 1, math.MaxInt64, errNumkeys)
	if !ok {
		return nil, false, 0, false
	}
	if numkeys >= int64(len(argv)-at-1) {
		// No room for END after the keys.
		c.replyError(errSyntax)
		return nil, false, 0, false
	}
	endIdx := at + 1 + int(numkeys)
	switch {
	case isOpt(argv[endIdx], low):
	case isOpt(argv[endIdx], high):
		isHigh = true
	default:
		c.replyError(errSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := endIdx + 1; j < len(argv); j++ {
		if count == -1 && isOpt(argv[j], "count") && j+1 < len(argv) {
			j++
			if count, ok = c.rangeArg(argv[j], 1, math.MaxInt64, errCountPositive); !ok {
				return nil, false, 0, false
			}
			continue
		}
		c.replyError(errSyntax)
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return argv[at+1 : endIdx], isHigh, count, true
}
