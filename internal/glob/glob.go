// Package glob matches strings against the glob-style patterns Redis uses in
// KEYS, SCAN MATCH, CONFIG GET and friends: '*' (any run of bytes), '?' (any
// one byte), '[...]' classes with ranges and '^' negation, and '\' escapes.
//
// Matching is by byte, like Redis's stringmatchlen, not by UTF-8 rune (which
// is why kvd does not use a general-purpose glob library here), and takes
// O(len(pattern) * len(s)) time at worst, never exponential.
package glob

// MatchFold reports whether s matches pattern, ignoring ASCII case.
func MatchFold(pattern, s string) bool { return match(pattern, s, true) }

// MatchBytes reports whether s matches pattern.
func MatchBytes(pattern, s []byte) bool {
	return match(unsafeString(pattern), unsafeString(s), false)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matchOne matches the single-byte token at pattern[p:] against c. It
// returns whether it matched and where the next token starts. The token is
// '?', a class, an escaped byte or a literal byte.
func matchOne(pattern string, p int, c byte, fold bool) (bool, int) {
	switch pattern[p] {
	case '?':
		return true, p + 1
	case '[':
		p++
		not := p < len(pattern) && pattern[p] == '^'
		if not {
			p++
		}
		matched := false
		for {
			if p >= len(pattern) {
				// An unterminated class ends with the pattern.
				break
			}
			switch {
			case pattern[p] == '\\' && p+1 < len(pattern):
				p++
				if eq(pattern[p], c, fold) {
					matched = true
				}
				p++
				continue
			case pattern[p] == ']':
				p++
			case p+2 < len(pattern) && pattern[p+1] == '-':
				lo, hi := pattern[p], pattern[p+2]
				if lo > hi {
					lo, hi = hi, lo
				}
				x := c
				if fold {
					lo, hi, x = lower(lo), lower(hi), lower(c)
				}
				if x >= lo && x <= hi {
					matched = true
				}
				p += 3
				continue
			default:
				if eq(pattern[p], c, fold) {
					matched = true
				}
				p++
				continue
			}
			break
		}
		if not {
			matched = !matched
		}
		return matched, p
	case '\\':
		if p+1 < len(pattern) {
			p++
		}
	}
	return eq(pattern[p], c, fold), p + 1
}

func eq(a, b byte, fold bool) bool {
	if fold {
		return lower(a) == lower(b)
	}
	return a == b
}

func match(pattern, s string, fold bool) bool {
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) && pattern[p] == '*' {
			for p < len(pattern) && pattern[p] == '*' {
				p++
			}
			if p == len(pattern) {
				return true
			}
			starP, starI = p, i
			continue
		}
		if p < len(pattern) {
			if ok, next := matchOne(pattern, p, s[i], fold); ok {
				p = next
				i++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last star swallow one more byte and retry.
		starI++
		p, i = starP, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// MatchPattern reports whether s matches pattern, a pattern kept as a
// string (an ACL key or channel pattern) and s bytes, without copying.
func MatchPattern(pattern string, s []byte) bool {
	return match(pattern, unsafeString(s), false)
}
