package server

import (
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
func (c *Client) intArg(b []byte) (int64, bool) {
	n, ok := num.ParseInt(b)
	if !ok {
		c.replyError(errNotInteger)
	}
	return n, ok
}

// intArgMsg is intArg with a custom error message.
func (c *Client) intArgMsg(b []byte, msg string) (int64, bool) {
	n, ok := num.ParseInt(b)
	if !ok {
		c.replyError(msg)
	}
	return n, ok
}

// floatArg parses a float argument (getDoubleFromObject's rules), replying
// "value is not a valid float" if it is not one.
func (c *Client) floatArg(b []byte) (float64, bool) {
	f, ok := num.ParseDouble(b)
	if !ok {
		c.replyError(errNotFloat)
	}
	return f, ok
}
