package server

import (
	"bytes"
	"math"
	"math/big"
	"sort"

	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/store"
)

// sortCommands are SORT and SORT_RO (SORT's STORE destination moves, so
// GetKeys finds their keys).
var sortCommands = []*Command{
	{Name: "sort", Proc: sortCommand, GetKeys: sortGetKeys},
	{Name: "sort_ro", Proc: sortROCommand, GetKeys: sortROGetKeys},
}

// sortGetKeys returns SORT's keys the way Redis's sortGetKeys finds them:
// the sorted key, then the argument after the last STORE, scanning the
// options left to right and skipping LIMIT's two arguments and GET's and
// BY's one. Like Redis it does not skip the argument after a STORE, so
// "STORE STORE x" names x.
func sortGetKeys(argv [][]byte) []int {
	keys := []int{1}
	store := 0
	for i := 2; i < len(argv); i++ {
		switch {
		case isOpt(argv[i], "limit"):
			i += 2
		case isOpt(argv[i], "get"), isOpt(argv[i], "by"):
			i++
		case isOpt(argv[i], "store") && i+1 < len(argv):
			store = i + 1
		}
	}
	if store > 0 {
		keys = append(keys, store)
	}
	return keys
}

// sortROGetKeys returns SORT_RO's only key, the sorted one.
func sortROGetKeys([][]byte) []int { return []int{1} }

func sortCommand(c *Ctx)   { sortGeneric(c, false) }
func sortROCommand(c *Ctx) { sortGeneric(c, true) }

// sortItem is one element of the vector SORT sorts.
type sortItem struct {
	elem []byte
	// key is what ALPHA compares: the element or its BY weight, cut at the
	// first NUL byte unless storing; nil for a weight BY did not find.
	key []byte
	// score is the numeric weight.
	score float64
	// pos is the element's place in the vector before sorting: a full sort
	// keeps equal elements in this order, as glibc's merge-sort qsort does.
	pos int
}

// sortCompare returns how SORT compares two elements, Redis's
// sortCompare. Numerically, equal weights fall back to comparing the
// elements' bytes. ALPHA compares the keys' bytes, which is what strcoll
// does in the C (and C.UTF-8) locale; a missing BY weight sorts first.
func sortCompare(alpha, byPattern, desc bool) func(a, b *sortItem) int {
	sign := 1
	if desc {
		sign = -1
	}
	switch {
	case !alpha:
		return func(a, b *sortItem) int {
			switch {
			case a.score > b.score:
				return sign
			case a.score < b.score:
				return -sign
			}
			return sign * bytes.Compare(a.elem, b.elem)
		}
	case byPattern:
		return func(a, b *sortItem) int {
			switch {
			case a.key == nil && b.key == nil:
				return 0
			case a.key == nil:
				return -sign
			case b.key == nil:
				return sign
			}
			return sign * bytes.Compare(a.key, b.key)
		}
	default:
		return func(a, b *sortItem) int { return sign * bytes.Compare(a.key, b.key) }
	}
}

// sortArgs are SORT's parsed options.
type sortArgs struct {
	desc, alpha bool
	// dontSort is set by a BY pattern without '*': the elements keep the
	// key's own order.
	dontSort               bool
	limitStart, limitCount int64
	by                     []byte // the last BY pattern, nil if none
	store                  []byte // the STORE destination, if hasStore
	hasStore               bool
	gets                   [][]byte
}

// parseSortArgs parses SORT's options the way Redis does, left to right,
// replying an error and returning ok == false at the first bad one. A BY
// pattern without '*' turns sorting off for good, even if a later BY has
// one.
func parseSortArgs(c *Ctx, readonly bool) (a sortArgs, ok bool) {
	a.limitCount = -1
	argv := c.argv
	for j := 2; j < len(argv); j++ {
		left := len(argv) - j - 1
		switch arg := argv[j]; {
		case isOpt(arg, "asc"):
			a.desc = false
		case isOpt(arg, "desc"):
			a.desc = true
		case isOpt(arg, "alpha"):
			a.alpha = true
		case isOpt(arg, "limit") && left >= 2:
			if a.limitStart, ok = c.intArg(argv[j+1]); !ok {
				return a, false
			}
			if a.limitCount, ok = c.intArg(argv[j+2]); !ok {
				return a, false
			}
			j += 2
		case !readonly && isOpt(arg, "store") && left >= 1:
			a.store, a.hasStore = argv[j+1], true
			j++
		case isOpt(arg, "by") && left >= 1:
			a.by = argv[j+1]
			if bytes.IndexByte(cstr(a.by), '*') < 0 {
				a.dontSort = true
			}
			j++
		case isOpt(arg, "get") && left >= 1:
			a.gets = append(a.gets, argv[j+1])
			j++
		default:
			c.replyError(errSyntax)
			return a, false
		}
	}
	return a, true
}

// sortRange is Redis's LIMIT arithmetic: the first and last positions of
// the sorted vector of n elements to output (last < first when none).
func sortRange(limitStart, limitCount int64, n int) (start, end int) {
	start = int(min(max(limitStart, 0), int64(n)))
	count := int(min(max(limitCount, -1), int64(n)))
	end = n - 1
	if count >= 0 {
		end = start + count - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	if end >= n {
		end = n - 1
	}
	return start, end
}

// sortGeneric is SORT and SORT_RO. It follows Redis's sortCommandGeneric:
// parse the options, load the elements (only the LIMIT range when the
// order is the key's own), look up the BY weights, sort, then reply or
// store the range with its GET lookups.
func sortGeneric(c *Ctx, readonly bool) {
	a, ok := parseSortArgs(c, readonly)
	if !ok {
		return
	}
	e, found := c.lookupRead(c.argv[1])
	typ := store.TypeList
	if found {
		typ = e.Type()
		if typ != store.TypeList && typ != store.TypeSet && typ != store.TypeZSet {
			c.replyError(errWrongType)
			return
		}
	}
	alpha, by, dontSort := a.alpha, a.by, a.dontSort
	if dontSort && typ == store.TypeSet && a.hasStore {
		// A set has no order of its own: what is stored must not depend on
		// the hash table, so Redis sorts it (binary, as ALPHA with STORE).
		dontSort, alpha, by = false, true, nil
	}
	hasBy := by != nil
	var n int
	switch typ {
	case store.TypeList:
		if found {
			n = e.List().Len()
		}
	case store.TypeSet:
		n = e.Set().Len()
	case store.TypeZSet:
		z := e.ZSet()
		z.ToSkiplist() // Redis converts every sorted set it sorts
		n = z.Len()
	}
	start, end := sortRange(a.limitStart, a.limitCount, n)

	s := sortState{c: c}
	vec := s.load(e, typ, n, &start, &end, dontSort, a.desc)

	if !dontSort {
		bad := false
		for i := range vec {
			it := &vec[i]
			w := it.elem
			if hasBy {
				v, ok := s.patternValue(by, it.elem)
				if !ok {
					continue // no weight: score 0, or first for ALPHA
				}
				w = v
			}
			switch {
			case alpha && a.hasStore:
				// Storing, Redis compares whole strings; replying, it
				// uses strcoll, which stops at a NUL byte.
				it.key = w
			case alpha:
				it.key = cstr(w)
			default:
				f, ok := sortScore(w)
				it.score = f
				bad = bad || !ok
			}
		}
		if bad {
			c.replyError(errSortScore)
			return
		}
		if end >= start && len(vec) > 1 {
			cmp := sortCompare(alpha, hasBy, a.desc)
			if hasBy && (start != 0 || end != len(vec)-1) {
				pqsort(vec, cmp, start, end)
			} else {
				sort.Sort(stableItems{vec, cmp})
			}
		}
	}
	s.output(vec, start, end, a)
}

// stableItems sorts a vector with a comparison, keeping equal elements in
// their loading order; it sorts in place, without copying the items to
// compare them.
type stableItems struct {
	v   []sortItem
	cmp func(a, b *sortItem) int
}

func (s stableItems) Len() int      { return len(s.v) }
func (s stableItems) Swap(i, j int) { s.v[i], s.v[j] = s.v[j], s.v[i] }
func (s stableItems) Less(i, j int) bool {
	a, b := &s.v[i], &s.v[j]
	if c := s.cmp(a, b); c != 0 {
		return c < 0
	}
	return a.pos < b.pos
}

// sortState carries what SORT's lookups reuse from element to element.
type sortState struct {
	c    *Ctx
	kbuf []byte // the key a pattern names, rebuilt for each element
}

// load fills the vector with the elements to sort. When the elements keep
// the key's own order (a list or sorted set with a constant BY), it loads
// only the output range, walking from the tail for DESC, and shifts
// *start and *end onto the vector as Redis does.
func (s *sortState) load(e store.Entry, typ store.Type, n int, start, end *int, dontSort, desc bool) []sortItem {
	var vec []sortItem
	add := func(m []byte) {
		vec = append(vec, sortItem{elem: m, pos: len(vec)})
	}
	switch {
	case typ == store.TypeList && n == 0:
		// A missing key sorts as an empty list.
	case typ == store.TypeList && dontSort:
		if *end < *start {
			break
		}
		want := *end - *start + 1
		vec = make([]sortItem, 0, want)
		l := e.List()
		from := *start
		if desc {
			from = l.Len() - *start - 1
		}
		it := l.Iter(from, desc)
		for len(vec) < want {
			m, ok := it.Next()
			if !ok {
				break
			}
			add(m)
		}
		*end -= *start
		*start = 0
	case typ == store.TypeList:
		vec = make([]sortItem, 0, n)
		it := e.List().Iter(0, false)
		for m, ok := it.Next(); ok; m, ok = it.Next() {
			add(m)
		}
	case typ == store.TypeSet:
		vec = make([]sortItem, 0, n)
		set := e.Set()
		if set.IsIntset() {
			// Format every member into one buffer rather than one each.
			var arena []byte
			offs := make([]int, n+1)
			for i := range n {
				arena = num.AppendInt(arena, set.IntAt(i))
				offs[i+1] = len(arena)
			}
			for i := range n {
				add(arena[offs[i]:offs[i+1]:offs[i+1]])
			}
		} else {
			set.Range(func(m []byte) bool { add(m); return true })
		}
	case dontSort: // a sorted set, in score order
		want := max(*end-*start+1, 0)
		vec = make([]sortItem, 0, want)
		z := e.ZSet()
		visit := func(m []byte, _ float64) bool {
			if len(vec) >= want {
				return false
			}
			add(m)
			return true
		}
		if want > 0 {
			if desc {
				z.Descend(n-1-*start, visit)
			} else {
				z.Ascend(*start, visit)
			}
		}
		*end -= *start
		*start = 0
	default: // a sorted set to sort
		vec = make([]sortItem, 0, n)
		e.ZSet().Ascend(0, func(m []byte, _ float64) bool { add(m); return true })
	}
	return vec
}

// output replies the sorted range, each element or its GET values, or
// stores them as a list under the STORE key (deleting it when there are
// none) and replies how many.
func (s *sortState) output(vec []sortItem, start, end int, a sortArgs) {
	c := s.c
	count := end - start + 1
	if len(a.gets) > 0 {
		count *= len(a.gets)
	}
	if !a.hasStore {
		c.replyArray(count)
		for j := start; j <= end; j++ {
			if len(a.gets) == 0 {
				c.replyBulk(vec[j].elem)
			}
			for _, pat := range a.gets {
				if v, ok := s.patternValue(pat, vec[j].elem); ok {
					c.replyBulk(v)
				} else {
					c.replyNull()
				}
			}
		}
		return
	}
	now := c.now
	if count == 0 {
		if c.db.Delete(a.store, now) {
			c.notify(notifyGeneric, "del", a.store)
		} else {
			c.noChange()
		}
		c.replyInt(0)
		return
	}
	l := store.NewList()
	for j := start; j <= end; j++ {
		if len(a.gets) == 0 {
			l.PushBack(vec[j].elem)
		}
		for _, pat := range a.gets {
			v, _ := s.patternValue(pat, vec[j].elem)
			l.PushBack(v) // a missing value is stored as ""
		}
	}
	c.db.AddList(a.store, l, now)
	c.notify(notifyList, "sortstore", a.store)
	c.replyInt(int64(count))
}

// patternValue returns the value a BY or GET pattern names for elem, as
// Redis's lookupKeyByPattern finds it: "#" is elem itself; otherwise the
// first '*' is replaced by elem to make a key, which must hold a string,
// or, when "->field" follows the '*', a hash with that field. A pattern
// without '*' names nothing. The patterns are C strings to Redis where it
// searches them ('*', "->", "#") and byte strings where it copies them.
func (s *sortState) patternValue(pat, elem []byte) ([]byte, bool) {
	cpat := cstr(pat)
	if len(cpat) == 1 && cpat[0] == '#' {
		return elem, true
	}
	star := bytes.IndexByte(cpat, '*')
	if star < 0 {
		return nil, false
	}
	var field []byte
	post := pat[star+1:]
	if f := bytes.Index(cpat[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(cpat) {
		arrow := star + 1 + f
		field = pat[arrow+2:]
		post = pat[star+1 : arrow]
	}
	s.kbuf = append(append(append(s.kbuf[:0], pat[:star]...), elem...), post...)
	e, found := s.c.lookupRead(s.kbuf)
	if !found {
		return nil, false
	}
	var v []byte
	switch {
	case field != nil && e.Type() == store.TypeHash:
		if v, found = e.Hash().Get(field); !found {
			return nil, false
		}
	case field == nil && e.Type() == store.TypeString:
		v = e.Str()
	default:
		return nil, false
	}
	if v == nil {
		v = []byte{} // found but empty: not the nil of a missing weight
	}
	return v, true
}

// minNormal is the smallest positive normal double, DBL_MIN.
const minNormal = 0x1p-1022

// sortScore converts a weight to a double the way SORT does: glibc's strtod
// on the bytes up to the first NUL must consume them all (so "" is 0, and
// leading but not trailing whitespace is allowed, as are hexadecimal and
// inf/infinity), must not give NaN, and must not set ERANGE: no overflow,
// and no result that is tiny (below DBL_MIN) and inexact.
//
// Redis does not clear errno before that strtod, so an ERANGE left by an
// earlier command (a ZADD or INCRBYFLOAT of a tiny value, another SORT)
// fails every later SORT that parses a non-integer weight, until some
// system call sets errno again (accepting a connection does). kvd judges
// each weight on its own.
func sortScore(b []byte) (float64, bool) {
	b = cstr(b)
	if len(b) == 0 {
		return 0, true
	}
	if n, ok := num.ParseInt(b); ok {
		return float64(n), true // exact or correctly rounded, as strtod
	}
	f, r := num.ParseFloat(b)
	if r != num.FloatOK || math.IsNaN(f) {
		return 0, false
	}
	if f != 0 && math.Abs(f) <= minNormal && tinyInexact(b, f) {
		return 0, false
	}
	return f, true
}

// tinyInexact reports whether glibc's strtod sets ERANGE for b, which it
// parsed as the non-zero f with |f| <= DBL_MIN: when the exact value is
// tiny (x86 detects tininess after rounding: below DBL_MIN even when
// rounded to 53 bits with an unbounded exponent, that is below
// DBL_MIN - 2^-1076, ties going up to DBL_MIN) and f is not it exactly.
func tinyInexact(b []byte, f float64) bool {
	i := 0
	for i < len(b) && num.IsSpace(b[i]) {
		i++
	}
	v, ok := new(big.Rat).SetString(string(b[i:]))
	if !ok {
		return true
	}
	if v.Cmp(new(big.Rat).SetFloat64(f)) == 0 {
		return false
	}
	// 2^-1076 is below the smallest double: build it as a fraction.
	bound := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), 1076))
	bound.Sub(new(big.Rat).SetFloat64(minNormal), bound)
	return new(big.Rat).Abs(v).Cmp(bound) < 0
}

// pqsort sorts v enough that positions lo..hi hold what a full sort would
// put there, with Redis 7.0's pqsort: Bentley and McIlroy's quicksort
// (median of three, or of nine past 40 elements; elements equal to the
// pivot gathered at both ends, then swapped into the middle; insertion sort
// under 7 elements) that skips partitions outside lo..hi. Unlike the NetBSD
// qsort it derives from, Redis's keeps partitioning a range that needed no
// swap rather than finishing it with an insertion sort. Equal elements end
// in the order this exact sequence of comparisons and swaps leaves them,
// which is what SORT ... BY ... LIMIT replies when weights tie.
func pqsort(v []sortItem, cmp func(a, b *sortItem) int, lo, hi int) {
	pqsortPart(v, 0, len(v), cmp, lo, hi)
}

// pqsortPart partitions v[a:a+n] around a pivot, recurses into the part
// below the pivot and loops on the part above it, skipping either when it
// lies wholly outside lo..hi.
func pqsortPart(v []sortItem, a, n int, cmp func(a, b *sortItem) int, lo, hi int) {
	// wanted reports whether the partition of size m at p meets lo..hi.
	wanted := func(p, m int) bool {
		return !((lo < p && hi < p) || (lo >= p+m && hi >= p+m))
	}
	for {
		if n < 7 {
			insertionSort(v, a, n, cmp)
			return
		}
		pm := a + n/2
		if n > 7 {
			pl, pn := a, a+n-1
			if n > 40 {
				d := n / 8
				pl = med3(v, pl, pl+d, pl+2*d, cmp)
				pm = med3(v, pm-d, pm, pm+d, cmp)
				pn = med3(v, pn-2*d, pn-d, pn, cmp)
			}
			pm = med3(v, pl, pm, pn, cmp)
		}
		v[a], v[pm] = v[pm], v[a]
		// v[a+1:pa] and v[pd+1:a+n] collect the elements equal to the
		// pivot, v[pa:pb] those below it, v[pc+1:pd+1] those above.
		pa, pb := a+1, a+1
		pc, pd := a+n-1, a+n-1
		for {
			for pb <= pc {
				r := cmp(&v[pb], &v[a])
				if r > 0 {
					break
				}
				if r == 0 {
					v[pa], v[pb] = v[pb], v[pa]
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := cmp(&v[pc], &v[a])
				if r < 0 {
					break
				}
				if r == 0 {
					v[pc], v[pd] = v[pd], v[pc]
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			v[pb], v[pc] = v[pc], v[pb]
			pb++
			pc--
		}
		pn := a + n
		r := min(pa-a, pb-pa)
		swapRanges(v, a, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		swapRanges(v, pb, pn-r, r)
		if r = pb - pa; r > 1 && wanted(a, r) {
			pqsortPart(v, a, r, cmp, lo, hi)
		}
		r = pd - pc
		if r <= 1 {
			return
		}
		a, n = pn-r, r
		if !wanted(a, n) {
			return
		}
	}
}

// insertionSort sorts v[a:a+n] by swapping each element down past the
// greater ones before it.
func insertionSort(v []sortItem, a, n int, cmp func(a, b *sortItem) int) {
	for m := a + 1; m < a+n; m++ {
		for l := m; l > a && cmp(&v[l-1], &v[l]) > 0; l-- {
			v[l], v[l-1] = v[l-1], v[l]
		}
	}
}

// med3 returns the index of the median of v[i], v[j] and v[k].
func med3(v []sortItem, i, j, k int, cmp func(a, b *sortItem) int) int {
	if cmp(&v[i], &v[j]) < 0 {
		switch {
		case cmp(&v[j], &v[k]) < 0:
			return j
		case cmp(&v[i], &v[k]) < 0:
			return k
		}
		return i
	}
	switch {
	case cmp(&v[j], &v[k]) > 0:
		return j
	case cmp(&v[i], &v[k]) < 0:
		return i
	}
	return k
}

// swapRanges swaps v[i:i+n] with v[j:j+n].
func swapRanges(v []sortItem, i, j, n int) {
	for k := range n {
		v[i+k], v[j+k] = v[j+k], v[i+k]
	}
}
