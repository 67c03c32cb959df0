package geohash

import "math"

// Shape is a search area: a circle of Radius, or a box of Width by Height,
// around (Lon, Lat), its sizes in a unit of Conversion metres.
type Shape struct {
	Lon, Lat      float64
	Box           bool
	Radius        float64 // circle
	Width, Height float64 // box
	Conversion    float64 // metres per unit

	// What Contains precomputes for a circle: the centre in radians, the
	// cosine of its latitude, and the bounds on the haversine's
	// sin²(d/2R) inside which FastDistance cannot decide.
	ready            bool
	lonR, latR, cosL float64
	aIn, aOut        float64
}

// prepare computes what Contains needs for a circle.
func (s *Shape) prepare() {
	s.ready = true
	s.lonR, s.latR = s.Lon*degToRad, s.Lat*degToRad
	s.cosL = math.Cos(s.latR)
	half := s.Radius * s.Conversion / (2 * EarthRadius)
	if half >= math.Pi/2 || math.IsNaN(half) {
		s.aIn, s.aOut = math.Inf(1), math.Inf(1)
		return
	}
	a := math.Sin(half)
	a *= a
	s.aIn, s.aOut = a*(1-DistanceTolerance), a*(1+DistanceTolerance)
}

// BoundingBox returns the longitudes and latitudes that bound the shape:
// minLon, minLat, maxLon, maxLat. Like Redis it widens the longitudes by
// the span at the edge nearer the pole (the upper one in the northern
// hemisphere, the lower one in the southern).
func (s *Shape) BoundingBox() (minLon, minLat, maxLon, maxLat float64) {
	var height, width float64
	if s.Box {
		height = s.Conversion * (s.Height / 2)
		width = s.Conversion * (s.Width / 2)
	} else {
		height = s.Conversion * s.Radius
		width = s.Conversion * s.Radius
	}
	latDelta := (height / EarthRadius) / degToRad
	lonDeltaTop := (width / EarthRadius / Cos((s.Lat+latDelta)*degToRad)) / degToRad
	lonDeltaBottom := (width / EarthRadius / Cos((s.Lat-latDelta)*degToRad)) / degToRad
	if s.Lat < 0 {
		minLon, maxLon = s.Lon-lonDeltaBottom, s.Lon+lonDeltaBottom
	} else {
		minLon, maxLon = s.Lon-lonDeltaTop, s.Lon+lonDeltaTop
	}
	return minLon, s.Lat - latDelta, maxLon, s.Lat + latDelta
}

// Cells returns the cells a search of the shape scans, in Redis's order:
// the centre's cell, then north, south, east, west, north-east,
// north-west, south-east, south-west. A cell the shape cannot reach is
// the zero Bits.
func (s *Shape) Cells() [9]Bits {
	minLon, minLat, maxLon, maxLat := s.BoundingBox()
	var radius float64
	if s.Box {
		radius = math.Sqrt((s.Width/2)*(s.Width/2) + (s.Height/2)*(s.Height/2))
	} else {
		radius = s.Radius
	}
	radius *= s.Conversion
	steps := EstimateSteps(radius, s.Lat)

	hash, _ := Encode(lonRange, latRange, s.Lon, s.Lat, steps)
	nb := NeighboursOf(hash)
	area, _ := Decode(lonRange, latRange, hash)

	// A search area near the edge of its cell may reach past the
	// neighbours: then use cells twice as large.
	north, _ := Decode(lonRange, latRange, nb.North)
	south, _ := Decode(lonRange, latRange, nb.South)
	east, _ := Decode(lonRange, latRange, nb.East)
	west, _ := Decode(lonRange, latRange, nb.West)
	if steps > 1 && (north.Lat.Max < maxLat || south.Lat.Min > minLat ||
		east.Lon.Max < maxLon || west.Lon.Min > minLon) {
		steps--
		hash, _ = Encode(lonRange, latRange, s.Lon, s.Lat, steps)
		nb = NeighboursOf(hash)
		area, _ = Decode(lonRange, latRange, hash)
	}

	// Drop the neighbours on a side the area does not reach.
	if steps >= 2 {
		if area.Lat.Min < minLat {
			nb.South, nb.SouthWest, nb.SouthEast = Bits{}, Bits{}, Bits{}
		}
		if area.Lat.Max > maxLat {
			nb.North, nb.NorthEast, nb.NorthWest = Bits{}, Bits{}, Bits{}
		}
		if area.Lon.Min < minLon {
			nb.West, nb.SouthWest, nb.NorthWest = Bits{}, Bits{}, Bits{}
		}
		if area.Lon.Max > maxLon {
			nb.East, nb.SouthEast, nb.NorthEast = Bits{}, Bits{}, Bits{}
		}
	}
	return [9]Bits{hash, nb.North, nb.South, nb.East, nb.West,
		nb.NorthEast, nb.NorthWest, nb.SouthEast, nb.SouthWest}
}

// Contains reports whether the point (lon, lat) lies inside the shape,
// deciding as Redis does (with Distance), and returns its distance in
// metres from the shape's centre: FastDistance's, or Distance's when exact
// is set. Distance is only computed for a point near the shape's edge.
func (s *Shape) Contains(lon, lat float64) (dist float64, exact, ok bool) {
	if !s.Box {
		// The haversine's sin²(d/2R) grows with d: compare it with the
		// radius's, and compute a distance only for the points inside.
		if !s.ready {
			s.prepare()
		}
		r := s.Radius * s.Conversion
		v := math.Sin((lon*degToRad - s.lonR) / 2)
		if v == 0 {
			d := meridianDistance(s.Lat, lat)
			return d, true, !(d > r)
		}
		latR := lat * degToRad
		u := math.Sin((latR - s.latR) / 2)
		switch a := u*u + s.cosL*math.Cos(latR)*v*v; {
		case a > s.aOut:
			return 0, false, false
		case a < s.aIn:
			return 2.0 * EarthRadius * math.Asin(math.Sqrt(a)), false, true
		}
		d := Distance(s.Lon, s.Lat, lon, lat)
		return d, true, !(d > r)
	}
	halfW, halfH := s.Width*s.Conversion/2, s.Height*s.Conversion/2
	if !within(lon, lat, lon, s.Lat, halfH) || !within(lon, lat, s.Lon, lat, halfW) {
		return 0, false, false
	}
	return FastDistance(s.Lon, s.Lat, lon, lat), false, true
}

// within reports whether Distance(lon1, lat1, lon2, lat2) <= limit,
// computing it only when FastDistance is too close to tell.
func within(lon1, lat1, lon2, lat2, limit float64) bool {
	switch fd := FastDistance(lon1, lat1, lon2, lat2); {
	case fd > limit*(1+DistanceTolerance):
		return false
	case fd < limit*(1-DistanceTolerance):
		return true
	}
	return !(Distance(lon1, lat1, lon2, lat2) > limit)
}
