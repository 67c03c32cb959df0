package resp

import (
	"bytes"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/kvdserver/kvd/internal/num"
)

// refParse is a reference parser for FuzzParse: a direct, non-incremental
// transcription of Redis 7.0's processMultibulkBuffer and
// processInlineBuffer over a whole buffer (strchr stops at NUL; the bytes
// after a header's CR and after bulk data are not checked). It returns the
// complete requests, the bytes they used and the protocol error that stops
// parsing, if any.
func refParse(buf []byte, maxBulk int64, unauth bool) (cmds [][]string, consumed int, err error) {
	// strchr returns the index of c in b before any NUL, or -1.
	strchr := func(b []byte, c byte) int {
		for i, x := range b {
			if x == c {
				return i
			}
			if x == 0 {
				return -1
			}
		}
		return -1
	}
	pos := 0
	for pos < len(buf) {
		if buf[pos] != '*' {
			nl := strchr(buf[pos:], '\n')
			if nl < 0 {
				if len(buf)-pos > MaxInlineSize {
					return cmds, pos, ErrTooBigInline
				}
				return cmds, pos, nil
			}
			end := pos + nl
			if nl > 0 && buf[end-1] == '\r' {
				end--
			}
			words, err := SplitArgs(string(buf[pos:end]))
			if err != nil {
				return cmds, pos, err
			}
			cmds = append(cmds, words)
			pos += nl + 1
			continue
		}
		nl := strchr(buf[pos:], '\r')
		if nl < 0 {
			if len(buf)-pos > MaxInlineSize {
				return cmds, pos, ErrTooBigMbulkCount
			}
			return cmds, pos, nil
		}
		if nl > len(buf)-pos-2 {
			return cmds, pos, nil
		}
		count, ok := num.ParseInt(buf[pos+1 : pos+nl])
		if !ok || count > 1<<31-1 {
			return cmds, pos, ErrInvalidMultibulkLen
		}
		if unauth && count > 10 {
			return cmds, pos, ErrUnauthMultibulkLen
		}
		p := pos + nl + 2
		words := []string{}
		for ; count > 0; count-- {
			nl := strchr(buf[p:], '\r')
			if nl < 0 {
				if len(buf)-p > MaxInlineSize {
					return cmds, pos, ErrTooBigBulkCount
				}
				return cmds, pos, nil
			}
			if nl > len(buf)-p-2 {
				return cmds, pos, nil
			}
			if buf[p] != '$' {
				return cmds, pos, ErrExpectedDollar(buf[p])
			}
			n, ok := num.ParseInt(buf[p+1 : p+nl])
			if !ok || n < 0 || n > maxBulk {
				return cmds, pos, ErrInvalidBulkLen
			}
			if unauth && n > 16384 {
				return cmds, pos, ErrUnauthBulkLen
			}
			p += nl + 2
			if int64(len(buf)-p) < n+2 {
				return cmds, pos, nil
			}
			words = append(words, string(buf[p:p+int(n)]))
			p += int(n) + 2
		}
		cmds = append(cmds, words)
		pos = p
	}
	return cmds, pos, nil
}

// feedChunks parses buf delivered in the given chunk sizes, the way a
// server does, and returns what parseAll returns.
func feedChunks(buf []byte, chunks []int, maxBulk int64, unauth bool) (cmds [][]string, consumed int, err error) {
	p := Parser{MaxBulkLen: maxBulk, Unauthenticated: unauth}
	var argv [][]byte
	end := 0
	for _, size := range chunks {
		end += size
		for consumed < end {
			var n int
			argv, n, err = p.Parse(buf[consumed:end], argv)
			if err != nil {
				return cmds, consumed, err
			}
			if n == 0 {
				break
			}
			cmds = append(cmds, toStrings(argv))
			consumed += n
		}
	}
	return cmds, consumed, nil
}

func sameResult(c1 [][]string, n1 int, e1 error, c2 [][]string, n2 int, e2 error) bool {
	if len(c1) != len(c2) || len(c1) > 0 && !reflect.DeepEqual(c1, c2) || n1 != n2 {
		return false
	}
	if e1 == nil || e2 == nil {
		return e1 == nil && e2 == nil
	}
	return e1.Error() == e2.Error()
}

// fuzzSeeds are hostile and ordinary inputs for FuzzParse. They are kept
// small: the fuzzer spends up to a minute minimizing each new large input,
// and the paths past the 64 KiB line limits are covered by
// TestParseLineLimits and TestParseNULQuirks.
func fuzzSeeds() []string {
	return []string{
		mb("PING"),
		mb("SET", "key", "value") + mb("GET", "key"),
		mb("SET", "k\r\n\x00", "\x00\r\n$1\r\n"),
		"PING\r\n", "PING\n", "\r\n", "\n", " \t\r\n", "\r\r\n",
		`SET "a b" 'c\'d' "\x41\n"` + "\n",
		`SET "a` + "\r\n", `SET 'a` + "\n", `SET "a"b` + "\n", `SET "\` + "\n",
		"*0\r\n", "*-1\r\n", "*-10\r\n", "*20000000\r\n", "*2147483648\r\n",
		"*\r\n", "*abc\r\n", "*+1\r\n", "*01\r\n", "*1\n$4\r\nPING\r\n",
		"*1\r\n$-1\r\n", "*1\r\n$-2\r\n", "*1\r\n$9223372036854775807\r\n",
		"*1\r\n$9223372036854775808\r\n", "*1\r\n$536870913\r\n", "*1\r\n$\r\n",
		"*1\r\nx\r\n", "*1\r\n\r\n", "*2\r\n$2\r\nPING\r\n$1\r\na\r\n",
		"*11\r\n", "*1\r\n$16385\r\n",
		"*1\rX$4\rYPING\r\n", "*1\r\n$4\r\nPINGxy",
		"*1\x00\r\n$4\r\nPING\r\n", "*1\r\n$4\x00\r\nPING\r\n", "PING\x00\r\n",
		mb("PING") + "\x00PING\r\n",
		"*" + strings.Repeat("1", 100),
		"*1\r\n$" + strings.Repeat("1", 100),
		strings.Repeat("a", 100),
		string(pipeline()[:600]),
	}
}

// FuzzParse checks the parser against refParse on the whole input, and that
// the same bytes delivered in random chunks give the same requests.
func FuzzParse(f *testing.F) {
	for i, s := range fuzzSeeds() {
		f.Add([]byte(s), int64(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed int64) {
		maxBulk := int64(DefaultMaxBulkLen)
		if seed%4 == 0 {
			maxBulk = 8
		}
		unauth := seed%3 == 0
		orig := bytes.Clone(data)

		// Whole input, as one read.
		p := Parser{MaxBulkLen: maxBulk, Unauthenticated: unauth}
		var argv [][]byte
		var got [][]string
		consumed := 0
		var err error
		for consumed < len(data) {
			var n int
			argv, n, err = p.Parse(data[consumed:], argv)
			if n < 0 || n > len(data)-consumed {
				t.Fatalf("consumed %d of %d bytes", n, len(data)-consumed)
			}
			if err != nil {
				if n != 0 {
					t.Fatalf("error %v with n=%d", err, n)
				}
				break
			}
			if n == 0 {
				break
			}
			got = append(got, toStrings(argv))
			consumed += n
		}
		if !bytes.Equal(data, orig) {
			t.Fatal("Parse modified its input")
		}
		wantCmds, wantN, wantErr := refParse(data, maxBulk, unauth)
		if !sameResult(got, consumed, err, wantCmds, wantN, wantErr) {
			t.Fatalf("parser and reference differ on %q:\nparser: %q n=%d err=%v\n   ref: %q n=%d err=%v",
				data, got, consumed, err, wantCmds, wantN, wantErr)
		}

		// The same bytes in random chunks. Over the line limits the outcome
		// legitimately depends on how much has arrived, as in Redis.
		if len(data) > MaxInlineSize {
			return
		}
		rng := rand.New(rand.NewSource(seed))
		for round := 0; round < 3; round++ {
			var chunks []int
			for left := len(data); left > 0; {
				n := min(left, 1+rng.Intn(1+len(data)/(1+round*4)))
				chunks = append(chunks, n)
				left -= n
			}
			c2, n2, e2 := feedChunks(data, chunks, maxBulk, unauth)
			if !sameResult(got, consumed, err, c2, n2, e2) {
				t.Fatalf("chunks %v of %q:\n whole: %q n=%d err=%v\nchunks: %q n=%d err=%v",
					chunks, data, got, consumed, err, c2, n2, e2)
			}
		}
	})
}
