package kvdtest

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// ReplyError is an error reply ("-ERR ..."), as Do returns it.
type ReplyError string

func (e ReplyError) Error() string { return string(e) }

// parseReply decodes one RESP2 reply: a simple string or bulk string
// (string), an integer (int64), a null (nil), an array ([]any), an error
// (ReplyError). It returns the value and the rest of b.
func parseReply(b []byte) (any, []byte, error) {
	if len(b) == 0 {
		return nil, nil, errors.New("kvdtest: empty reply")
	}
	i := bytes.Index(b, []byte("\r\n"))
	if i < 1 {
		return nil, nil, fmt.Errorf("kvdtest: malformed reply %q", b)
	}
	line, rest := string(b[1:i]), b[i+2:]
	switch b[0] {
	case '+':
		return line, rest, nil
	case '-':
		return ReplyError(line), rest, nil
	case ':':
		n, err := strconv.ParseInt(line, 10, 64)
		return n, rest, err
	case '$':
		n, err := strconv.Atoi(line)
		if err != nil {
			return nil, nil, err
		}
		if n < 0 {
			return nil, rest, nil
		}
		if n > len(rest)-2 {
			return nil, nil, fmt.Errorf("kvdtest: short bulk reply %q", b)
		}
		return string(rest[:n]), rest[n+2:], nil
	case '*':
		n, err := strconv.Atoi(line)
		if err != nil {
			return nil, nil, err
		}
		if n < 0 {
			return nil, rest, nil
		}
		if n > len(rest)/3 { // every element takes 3 bytes at least
			return nil, nil, fmt.Errorf("kvdtest: short array reply %q", b)
		}
		a := make([]any, n)
		for j := range a {
			if a[j], rest, err = parseReply(rest); err != nil {
				return nil, nil, err
			}
		}
		return a, rest, nil
	}
	return nil, nil, fmt.Errorf("kvdtest: unknown reply type %q", b[0])
}
