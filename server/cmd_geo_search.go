package server

import (
	"cmp"
	"math"
	"slices"

	"github.com/kvdserver/kvd/internal/geohash"
	"github.com/kvdserver/kvd/store"
)

// GEORADIUS, GEORADIUSBYMEMBER (and their _RO forms), GEOSEARCH and
// GEOSEARCHSTORE: one procedure, like Redis's georadiusGeneric.

// geoFlags says which command geoSearchGeneric serves.
type geoFlags uint8

const (
	geoFromCoords  geoFlags = 1 << iota // GEORADIUS: centre given as lon lat
	geoFromMember                       // GEORADIUSBYMEMBER: centre is a member
	geoNoStore                          // the _RO forms: no STORE/STOREDIST
	geoSearch                           // GEOSEARCH syntax
	geoSearchStore                      // GEOSEARCHSTORE (with geoSearch)
)

// geoPoint is one point a search found.
type geoPoint struct {
	member   []byte // aliases the sorted set: valid during the command only
	lon, lat float64
	dist     float64 // from the centre, metres (then in the unit): see exact
	score    float64
	idx      int  // the order it was found in
	exact    bool // dist is geohash.Distance's, not FastDistance's
}

const (
	geoSortNone = iota
	geoSortAsc
	geoSortDesc
)

func georadiusCommand(c *Ctx)   { geoSearchGeneric(c, 1, geoFromCoords) }
func georadiusROCommand(c *Ctx) { geoSearchGeneric(c, 1, geoFromCoords|geoNoStore) }
func georadiusbymemberCommand(c *Ctx) {
	geoSearchGeneric(c, 1, geoFromMember)
}
func georadiusbymemberROCommand(c *Ctx) {
	geoSearchGeneric(c, 1, geoFromMember|geoNoStore)
}
func geosearchCommand(c *Ctx)      { geoSearchGeneric(c, 1, geoSearch) }
func geosearchstoreCommand(c *Ctx) { geoSearchGeneric(c, 2, geoSearch|geoSearchStore) }

// geoMemberPos returns the position of member of z.
func geoMemberPos(z *store.ZSet, member []byte) (lon, lat float64, ok bool) {
	score, ok := z.Score(member)
	if !ok {
		return 0, 0, false
	}
	lon, lat = geohash.DecodeScore(score)
	return lon, lat, true
}

// geoSearchGeneric parses the search in Redis's order (the source key's
// type, the centre and radius of the older commands, then the options,
// then the rules between them), searches and replies or stores.
func geoSearchGeneric(c *Ctx, srcIdx int, flags geoFlags) {
	argv := c.argv
	var storeKey []byte
	storeDist := false
	z, ok := c.lookupZSet(argv[srcIdx])
	if !ok {
		c.noChange()
		return
	}
	var shape geohash.Shape
	var base int
	switch {
	case flags&geoFromCoords != 0:
		base = 6
		if shape.Lon, shape.Lat, ok = c.geoLonLat(argv[2], argv[3]); !ok {
			return
		}
		if !c.geoRadiusArgs(&shape, argv[4:6]) {
			return
		}
	case flags&geoFromMember != 0 && z == nil:
		// No source: parse the options anyway, for the reply's kind.
		base = 5
	case flags&geoFromMember != 0:
		base = 5
		if shape.Lon, shape.Lat, ok = geoMemberPos(z, argv[2]); !ok {
			c.replyError(errGeoMember)
			return
		}
		if !c.geoRadiusArgs(&shape, argv[3:5]) {
			return
		}
	default:
		base = 2
		if flags&geoSearchStore != 0 {
			base = 3
			storeKey = argv[1]
		}
	}

	withDist, withHash, withCoord := false, false, false
	fromMember, fromLonLat, byRadius, byBox := false, false, false, false
	sort := geoSortNone
	anyOpt := false
	var count int64
	search := flags&geoSearch != 0
	canStore := flags&(geoNoStore|geoSearch) == 0
	for i := base; i < len(argv); i++ {
		left := len(argv) - i - 1
		switch arg := argv[i]; {
		case isOpt(arg, "withdist"):
			withDist = true
		case isOpt(arg, "withhash"):
			withHash = true
		case isOpt(arg, "withcoord"):
			withCoord = true
		case isOpt(arg, "any"):
			anyOpt = true
		case isOpt(arg, "asc"):
			sort = geoSortAsc
		case isOpt(arg, "desc"):
			sort = geoSortDesc
		case isOpt(arg, "count") && left >= 1:
			if count, ok = c.intArg(argv[i+1]); !ok {
				return
			}
			if count <= 0 {
				c.replyError(errGeoCount)
				return
			}
			i++
		case isOpt(arg, "store") && left >= 1 && canStore:
			storeKey, storeDist = argv[i+1], false
			i++
		case isOpt(arg, "storedist") && left >= 1 && canStore:
			storeKey, storeDist = argv[i+1], true
			i++
		case isOpt(arg, "storedist") && search && flags&geoSearchStore != 0:
			storeDist = true
		case isOpt(arg, "frommember") && left >= 1 && search && !fromLonLat:
			if z != nil {
				if shape.Lon, shape.Lat, ok = geoMemberPos(z, argv[i+1]); !ok {
					c.replyError(errGeoMember)
					return
				}
			}
			fromMember = true
			i++
		case isOpt(arg, "fromlonlat") && left >= 2 && search && !fromMember:
			if shape.Lon, shape.Lat, ok = c.geoLonLat(argv[i+1], argv[i+2]); !ok {
				return
			}
			fromLonLat = true
			i += 2
		case isOpt(arg, "byradius") && left >= 2 && search && !byBox:
			if !c.geoRadiusArgs(&shape, argv[i+1:i+3]) {
				return
			}
			byRadius = true
			i += 2
		case isOpt(arg, "bybox") && left >= 3 && search && !byRadius:
			if !c.geoBoxArgs(&shape, argv[i+1:i+4]) {
				return
			}
			byBox = true
			i += 3
		default:
			c.replyError(errSyntax)
			return
		}
	}

	if storeKey != nil && (withDist || withHash || withCoord) {
		if flags&geoSearchStore != 0 {
			c.replyError(errGeoStoreWithSs)
		} else {
			c.replyError(errGeoStoreWithRd)
		}
		return
	}
	if search && !fromMember && !fromLonLat {
		c.replyError("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(cstr(argv[0])))
		return
	}
	if search && !byRadius && !byBox {
		c.replyError("ERR exactly one of BYRADIUS and BYBOX can be specified for " + string(cstr(argv[0])))
		return
	}
	if anyOpt && count == 0 {
		c.replyError(errGeoAnyNoCount)
		return
	}

	if z == nil {
		if storeKey == nil {
			c.noChange()
			c.replyEmptyArray()
			return
		}
		if c.db.Delete(storeKey, c.now) {
			c.notify(notifyGeneric, "del", storeKey)
		} else {
			c.noChange()
		}
		c.replyInt(0)
		return
	}
	if count != 0 && sort == geoSortNone && !anyOpt {
		sort = geoSortAsc
	}

	var limit int
	if anyOpt {
		limit = int(min(count, int64(z.Len())+1))
	}
	pts := c.srv.geoSearchPoints(z, &shape, limit)
	defer c.srv.releaseGeoPoints(pts)

	if len(pts) == 0 && storeKey == nil {
		c.noChange()
		c.replyEmptyArray()
		return
	}
	n := len(pts)
	if count != 0 && int64(n) > count {
		n = int(count)
	}
	if sort != geoSortNone {
		desc := sort == geoSortDesc
		if n < len(pts) {
			// Only the first n matter: select them (and the points too
			// close to the n-th to tell apart) before sorting.
			pts = pts[:geoSelect(pts, n, desc)]
		}
		geoSortPoints(pts, &shape, desc)
	}
	pts = pts[:n]
	if withDist || storeDist {
		for i := range pts {
			pts[i].exactDist(&shape)
		}
	}
	for i := range pts {
		pts[i].dist /= shape.Conversion
	}

	if storeKey == nil {
		c.noChange()
		opts := 0
		for _, on := range [...]bool{withDist, withCoord, withHash} {
			if on {
				opts++
			}
		}
		c.replyArray(n)
		for i := range pts {
			p := &pts[i]
			if opts > 0 {
				c.replyArray(opts + 1)
			}
			c.replyBulk(p.member)
			if withDist {
				c.replyGeoDist(p.dist)
			}
			if withHash {
				c.replyInt(int64(p.score))
			}
			if withCoord {
				c.replyArray(2)
				c.replyGeoCoord(p.lon)
				c.replyGeoCoord(p.lat)
			}
		}
		return
	}

	if n == 0 {
		if c.db.Delete(storeKey, c.now) {
			c.notify(notifyGeneric, "del", storeKey)
		} else {
			c.noChange()
		}
		c.replyInt(0)
		return
	}
	maxLen := 0
	for i := range pts {
		maxLen = max(maxLen, len(pts[i].member))
	}
	lim := c.zsetLimits()
	dst := store.NewZSetFor(n, maxLen, lim)
	for i := range pts {
		score := pts[i].score
		if storeDist {
			score = pts[i].dist
		}
		dst.Add(pts[i].member, score, 0, lim)
	}
	c.db.SetZSet(storeKey, dst, c.now)
	ev := "georadiusstore"
	if search {
		ev = "geosearchstore"
	}
	c.notify(notifyZSet, ev, storeKey)
	c.setChanges(n)
	c.replyInt(int64(n))
}

// geoSearchPoints returns the points of z inside shape, scanning the nine
// cells in Redis's order (a cell equal to the one scanned last is
// skipped) and each cell's scores in order; with limit > 0 it stops once
// it has that many. The slice is the server's scratch: give it back with
// releaseGeoPoints.
func (s *Server) geoSearchPoints(z *store.ZSet, shape *geohash.Shape, limit int) []geoPoint {
	pts := s.geoPoints[:0]
	cells := shape.Cells()
	last := 0
	for i, cell := range cells {
		if cell.IsZero() {
			continue
		}
		if last != 0 && cell == cells[last] {
			continue
		}
		if limit > 0 && len(pts) >= limit {
			break
		}
		lo, hi := cell.ScoreRange()
		first, end := z.ScoreRanks(store.ScoreRange{Min: float64(lo), Max: float64(hi), MaxEx: true})
		if first < end {
			left := end - first
			z.Ascend(first, func(m []byte, score float64) bool {
				lon, lat := geohash.DecodeScore(score)
				if d, exact, in := shape.Contains(lon, lat); in {
					pts = append(pts, geoPoint{member: m, lon: lon, lat: lat, dist: d, score: score, idx: len(pts), exact: exact})
					if limit > 0 && len(pts) >= limit {
						return false
					}
				}
				left--
				return left > 0
			})
		}
		last = i
	}
	return pts
}

// releaseGeoPoints keeps pts as the scratch of the next search, without
// holding on to the members it referred to.
func (s *Server) releaseGeoPoints(pts []geoPoint) {
	clear(pts)
	if cap(pts) > 1<<16 {
		pts = nil // do not keep a huge search's array
	}
	s.geoPoints = pts[:0]
}

// exactDist makes p.dist Redis's distance from the shape's centre.
func (p *geoPoint) exactDist(s *geohash.Shape) {
	if !p.exact {
		p.dist = geohash.Distance(s.Lon, s.Lat, p.lon, p.lat)
		p.exact = true
	}
}

// geoSortPoints sorts the points by distance as Redis's stable sort does
// (equal distances in the order found). It sorts by the fast distances,
// then re-sorts each run of distances too close for them to order by the
// exact ones, so that Distance is only computed for near ties.
func geoSortPoints(pts []geoPoint, s *geohash.Shape, desc bool) {
	cmpPts := func(a, b geoPoint) int {
		if c := cmp.Compare(a.dist, b.dist); c != 0 {
			if desc {
				return -c
			}
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	}
	slices.SortFunc(pts, cmpPts)
	for i := 0; i < len(pts)-1; {
		j := i + 1
		for j < len(pts) && geoNear(pts[j-1].dist, pts[j].dist) {
			j++
		}
		if j-i > 1 {
			run := pts[i:j]
			for k := range run {
				run[k].exactDist(s)
			}
			slices.SortFunc(run, cmpPts)
		}
		i = j
	}
}

// geoNear reports whether two distances are too close for FastDistance to
// order them.
func geoNear(a, b float64) bool {
	return math.Abs(a-b) <= 2*geohash.DistanceTolerance*max(a, b)
}

// geoBefore orders points by fast distance (then by the order found), or
// by decreasing distance with desc.
func geoBefore(a, b *geoPoint, desc bool) bool {
	if a.dist != b.dist {
		return (a.dist < b.dist) != desc
	}
	return a.idx < b.idx
}

// geoSelect moves the n points that come first (by fast distance), and
// every other point whose distance is too close to theirs to be ordered
// without the exact one, to the front of pts, in no order, and returns how
// many it moved: quickselect, then a pass for the near ones.
func geoSelect(pts []geoPoint, n int, desc bool) int {
	lo, hi := 0, len(pts)-1
	for lo < hi {
		// Median of three as the pivot, then Hoare's partition.
		mid := lo + (hi-lo)/2
		if geoBefore(&pts[mid], &pts[lo], desc) {
			pts[mid], pts[lo] = pts[lo], pts[mid]
		}
		if geoBefore(&pts[hi], &pts[lo], desc) {
			pts[hi], pts[lo] = pts[lo], pts[hi]
		}
		if geoBefore(&pts[hi], &pts[mid], desc) {
			pts[hi], pts[mid] = pts[mid], pts[hi]
		}
		pivot := pts[mid]
		i, j := lo, hi
		for i <= j {
			for geoBefore(&pts[i], &pivot, desc) {
				i++
			}
			for geoBefore(&pivot, &pts[j], desc) {
				j--
			}
			if i <= j {
				pts[i], pts[j] = pts[j], pts[i]
				i++
				j--
			}
		}
		switch {
		case n-1 <= j:
			hi = j
		case n-1 >= i:
			lo = i
		default:
			lo = hi // the n-th is in place
		}
	}
	// pts[:n] are the first n; take the ones beyond that are near the
	// last of them.
	edge := pts[0].dist
	for i := 1; i < n; i++ {
		if (pts[i].dist > edge) != desc {
			edge = pts[i].dist
		}
	}
	m := n
	for i := n; i < len(pts); i++ {
		if geoNear(pts[i].dist, edge) || (pts[i].dist < edge) != desc && pts[i].dist != edge {
			pts[m], pts[i] = pts[i], pts[m]
			m++
		}
	}
	return m
}
