package resp

import (
	"strconv"

	"github.com/kvdserver/kvd/internal/num"
	"github.com/tidwall/redcon"
)

// Protocol versions a client can speak, chosen with HELLO.
const (
	RESP2 = 2
	RESP3 = 3
)

// The reply helpers below append one reply to b and return the extended
// slice. Those whose encoding differs between RESP2 and RESP3 take the
// client's protocol version; in RESP2 they fall back the way Redis does
// (maps become flat arrays, doubles become bulk strings, nulls become $-1 or *-1).

// AppendOK appends +OK.
func AppendOK(b []byte) []byte { return redcon.AppendOK(b) }

// AppendStatus appends a simple string (+s). s must not contain CR or LF.
func AppendStatus(b []byte, s string) []byte { return redcon.AppendString(b, s) }

// AppendError appends an error reply (-msg). msg starts with the error code,
// e.g. "ERR syntax error" or "WRONGTYPE Operation against ...". CR and LF in
// msg are replaced by spaces, as Redis does, so the reply stays one line.
func AppendError(b []byte, msg string) []byte {
	b = append(b, '-')
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		b = append(b, c)
	}
	return append(b, '\r', '\n')
}

// AppendInt appends an integer reply (:n).
func AppendInt(b []byte, n int64) []byte { return redcon.AppendInt(b, n) }

// AppendBulk appends a bulk string.
func AppendBulk(b, v []byte) []byte { return redcon.AppendBulk(b, v) }

// AppendBulkString appends a bulk string.
func AppendBulkString(b []byte, s string) []byte { return redcon.AppendBulkString(b, s) }

// AppendBulkInt appends n as a bulk string of its decimal form.
func AppendBulkInt(b []byte, n int64) []byte {
	var tmp [24]byte
	return redcon.AppendBulk(b, strconv.AppendInt(tmp[:0], n, 10))
}

// AppendArray appends an array header for n elements.
func AppendArray(b []byte, n int) []byte { return redcon.AppendArray(b, n) }

// AppendNull appends a null bulk string: $-1 in RESP2, _ in RESP3.
func AppendNull(b []byte, proto int) []byte {
	if proto == RESP3 {
		return append(b, '_', '\r', '\n')
	}
	return redcon.AppendNull(b)
}

// AppendNullArray appends a null array: *-1 in RESP2, _ in RESP3.
func AppendNullArray(b []byte, proto int) []byte {
	if proto == RESP3 {
		return append(b, '_', '\r', '\n')
	}
	return append(b, '*', '-', '1', '\r', '\n')
}

func appendHeader(b []byte, prefix byte, n int) []byte {
	b = append(b, prefix)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

// AppendMap appends a map header for n key/value pairs: %n in RESP3, an
// array of 2n elements in RESP2.
func AppendMap(b []byte, proto, n int) []byte {
	if proto == RESP3 {
		return appendHeader(b, '%', n)
	}
	return appendHeader(b, '*', 2*n)
}

// AppendSet appends a set header: ~n in RESP3, an array in RESP2.
func AppendSet(b []byte, proto, n int) []byte {
	if proto == RESP3 {
		return appendHeader(b, '~', n)
	}
	return appendHeader(b, '*', n)
}

// AppendPush appends a push header: >n in RESP3, an array in RESP2.
func AppendPush(b []byte, proto, n int) []byte {
	if proto == RESP3 {
		return appendHeader(b, '>', n)
	}
	return appendHeader(b, '*', n)
}

// AppendDouble appends a double: ,f in RESP3, a bulk string in RESP2, both
// formatted like Redis 7.0 ("%.17g", inf, -inf).
func AppendDouble(b []byte, proto int, f float64) []byte {
	var tmp [32]byte
	s := num.AppendDouble(tmp[:0], f)
	if proto == RESP3 {
		b = append(b, ',')
		b = append(b, s...)
		return append(b, '\r', '\n')
	}
	return redcon.AppendBulk(b, s)
}

// AppendBool appends a boolean: #t/#f in RESP3, :1/:0 in RESP2.
func AppendBool(b []byte, proto int, v bool) []byte {
	if proto == RESP3 {
		if v {
			return append(b, '#', 't', '\r', '\n')
		}
		return append(b, '#', 'f', '\r', '\n')
	}
	if v {
		return append(b, ':', '1', '\r', '\n')
	}
	return append(b, ':', '0', '\r', '\n')
}

// AppendVerbatim appends a verbatim string with a three-letter format such
// as "txt": =len\r\ntxt:... in RESP3, a plain bulk string in RESP2.
func AppendVerbatim(b []byte, proto int, format string, s []byte) []byte {
	if proto != RESP3 {
		return redcon.AppendBulk(b, s)
	}
	b = appendHeader(b, '=', len(s)+len(format)+1)
	b = append(b, format...)
	b = append(b, ':')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// AppendBigNumber appends a big number given in decimal: (n in RESP3, a
// bulk string in RESP2.
func AppendBigNumber(b []byte, proto int, n string) []byte {
	if proto != RESP3 {
		return redcon.AppendBulkString(b, n)
	}
	b = append(b, '(')
	b = append(b, n...)
	return append(b, '\r', '\n')
}
