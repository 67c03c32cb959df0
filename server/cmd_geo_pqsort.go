package server

import "github.com/kvdserver/kvd/internal/geohash"

// geoPartialSort orders the points as Redis 7.0 does when COUNT keeps
// fewer than all of them: its pqsort, a Bentley-McIlroy quicksort (as in
// the BSD libc) that only recurses into the parts overlapping the first n
// positions. It is not stable, so points at equal distances come in the
// order that algorithm leaves them, which this function reproduces step by
// step (unlike the BSD qsort, pqsort never falls back to an insertion sort
// when a partition swapped nothing). Distances are compared exactly
// (geohash.Distance) where the fast ones are too close to tell.
func geoPartialSort(pts []geoPoint, n int, s *geohash.Shape, desc bool) {
	cmp := func(i, j int) int {
		a, b := &pts[i], &pts[j]
		if !geoNear(a.dist, b.dist) || a.exact && b.exact {
			return geoCmpDist(a.dist, b.dist, desc)
		}
		a.exactDist(s)
		b.exactDist(s)
		return geoCmpDist(a.dist, b.dist, desc)
	}
	geoPQSort(pts, 0, len(pts), cmp, 0, n-1)
}

// geoCmpDist compares two distances (reversed with desc).
func geoCmpDist(a, b float64, desc bool) int {
	r := 0
	if a > b {
		r = 1
	} else if a < b {
		r = -1
	}
	if desc {
		return -r
	}
	return r
}

// geoPQSort sorts pts[a:a+n] by cmp enough that positions lo..hi hold what
// a full sort would put there.
func geoPQSort(pts []geoPoint, a, n int, cmp func(i, j int) int, lo, hi int) {
	swap := func(i, j int) { pts[i], pts[j] = pts[j], pts[i] }
	vecswap := func(i, j, k int) {
		for ; k > 0; k-- {
			swap(i, j)
			i++
			j++
		}
	}
	med3 := func(x, y, z int) int {
		if cmp(x, y) < 0 {
			if cmp(y, z) < 0 {
				return y
			}
			if cmp(x, z) < 0 {
				return z
			}
			return x
		}
		if cmp(y, z) > 0 {
			return y
		}
		if cmp(x, z) < 0 {
			return x
		}
		return z
	}
	insertion := func(a, n int) {
		for m := a + 1; m < a+n; m++ {
			for l := m; l > a && cmp(l-1, l) > 0; l-- {
				swap(l, l-1)
			}
		}
	}
	for {
		if n < 7 {
			insertion(a, n)
			return
		}
		m := a + n/2
		if n > 7 {
			l, r := a, a+n-1
			if n > 40 {
				d := n / 8
				l = med3(l, l+d, l+2*d)
				m = med3(m-d, m, m+d)
				r = med3(r-2*d, r-d, r)
			}
			m = med3(l, m, r)
		}
		swap(a, m)
		pa, pb := a+1, a+1
		pc, pd := a+n-1, a+n-1
		for {
			for pb <= pc {
				c := cmp(pb, a)
				if c > 0 {
					break
				}
				if c == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				c := cmp(pc, a)
				if c < 0 {
					break
				}
				if c == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := a + n
		r := min(pa-a, pb-pa)
		vecswap(a, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		if r = pb - pa; r > 1 {
			if !(lo < a && hi < a || lo > a+r-1 && hi > a+r-1) {
				geoPQSort(pts, a, r, cmp, lo, hi)
			}
		}
		r = pd - pc
		if r <= 1 {
			return
		}
		a, n = pn-r, r
		if lo < a && hi < a || lo > a+r-1 && hi > a+r-1 {
			return
		}
	}
}
