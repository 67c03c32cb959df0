package server

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kvdserver/kvd/internal/geohash"
)

// TestGeoPropagation checks what the geo commands propagate: GEOADD as the
// ZADD Redis rewrites it to (scores as integers), the searches that store
// verbatim, the read-only and failed ones nothing.
func TestGeoPropagation(t *testing.T) {
	s := testClient(t, nil).srv
	c := s.newFakeClient()
	var got []string
	s.addPropConsumer(func(db int, argv [][]byte) {
		w := make([]string, len(argv))
		for i, a := range argv {
			w[i] = string(a)
		}
		got = append(got, fmt.Sprintf("%d %s", db, strings.Join(w, " ")))
	})
	tests := []struct {
		cmd  string
		want []string
	}{
		{"GEOADD g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", []string{"0 zadd g 3479099956230698 Palermo 3479447370796909 Catania"}},
		{"GEOADD g 13.361389 38.115556 Palermo", nil},
		{"GEOADD g CH nx 13.361389 38.115556 Palermo 1 1 x", []string{"0 zadd g CH nx 3479099956230698 Palermo 3377822707026402 x"}},
		{"GEOADD g 200 0 bad", nil},
		{"GEOADD g XX 1 2 nope", nil},
		{"GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km", nil},
		{"GEORADIUS g 15 37 200 km", nil},
		{"GEORADIUS_RO g 15 37 200 km", nil},
		{"GEORADIUS g 15 37 200 km STORE d", []string{"0 GEORADIUS g 15 37 200 km STORE d"}},
		{"GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 1 m", []string{"0 GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 1 m"}},
		{"GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 1 m", nil},
		{"GEOSEARCHSTORE d nokey FROMLONLAT 15 37 BYRADIUS 1 m", nil},
		{"GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST", []string{"0 GEOSEARCHSTORE d g FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST"}},
		{"GEOSEARCHSTORE d nokey FROMLONLAT 15 37 BYRADIUS 1 m", []string{"0 GEOSEARCHSTORE d nokey FROMLONLAT 15 37 BYRADIUS 1 m"}},
	}
	for _, tt := range tests {
		got = got[:0]
		reply := fakeRun(c, strings.Fields(tt.cmd)...)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s (reply %q): propagated %q, want %q", tt.cmd, reply, got, tt.want)
		}
	}
}

// TestGeoCoordFormat checks the coordinate and distance formats against
// values Redis replies.
func TestGeoCoordFormat(t *testing.T) {
	for _, tt := range []struct {
		f    float64
		want string
	}{
		{13.361389338970184, "13.36138933897018433"},
		{-0.0, "0"},
		{180, "180"},
		{0.5, "0.5"},
	} {
		if got := string(appendGeoCoord(nil, tt.f)); got != tt.want {
			t.Errorf("appendGeoCoord(%v) = %s, want %s", tt.f, got, tt.want)
		}
	}
	for _, tt := range []struct {
		f    float64
		want string
	}{
		{0, "0.0000"},
		{166274.15156960033, "166274.1516"},
		{50304334.16385000199, "50304334.1638"},
		{0.00004, "0.0000"},
		{1e300, "-922337203685477.5808"},
	} {
		if got := string(appendFixed4(nil, tt.f)); got != tt.want {
			t.Errorf("appendFixed4(%v) = %s, want %s", tt.f, got, tt.want)
		}
	}
}

// geoBenchServer returns a fake client of a server holding n seeded
// random points in key "pts" (central Europe, as scripts/geo-bench.sh).
func geoBenchServer(b *testing.B, n int) *Client {
	s := testClient(b, nil).srv
	c := s.newFakeClient()
	rng := rand.New(rand.NewPCG(22, 22))
	for i := 0; i < n; i += 100 {
		argv := []string{"GEOADD", "pts"}
		for j := i; j < i+100 && j < n; j++ {
			argv = append(argv, strconv.FormatFloat(rng.Float64()*40-10, 'f', 6, 64),
				strconv.FormatFloat(rng.Float64()*25+35, 'f', 6, 64), "p"+strconv.Itoa(j))
		}
		fakeRun(c, argv...)
	}
	return c
}

func benchGeoCmd(b *testing.B, c *Client, cmd string) {
	var argv [][]byte
	for _, a := range strings.Fields(cmd) {
		argv = append(argv, []byte(a))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.srv.runFake(c, argv)
	}
}

// BenchmarkGeoSearch runs searches over 200,000 points (about 0.026 per
// km²) through the command path, replies included.
func BenchmarkGeoSearch(b *testing.B) {
	c := geoBenchServer(b, 200000)
	for _, q := range []struct{ name, cmd string }{
		{"radius-50km", "GEOSEARCH pts FROMLONLAT 13.4 52.5 BYRADIUS 50 km ASC"},
		{"radius-100km-count10-withdist", "GEOSEARCH pts FROMLONLAT 13.4 52.5 BYRADIUS 100 km COUNT 10 WITHDIST"},
		{"box-50km-withcoord", "GEOSEARCH pts FROMLONLAT 2.35 48.85 BYBOX 50 50 km WITHCOORD"},
		{"geodist", "GEODIST pts p1 p2 km"},
	} {
		b.Run(q.name, func(b *testing.B) { benchGeoCmd(b, c, q.cmd) })
	}
}

// BenchmarkGeoAdd adds one point at a time to a growing set.
func BenchmarkGeoAdd(b *testing.B) {
	c := geoBenchServer(b, 0)
	argv := [][]byte{[]byte("GEOADD"), []byte("g"), []byte("13.4"), []byte("52.5"), nil}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		argv[4] = strconv.AppendInt(argv[4][:0], int64(i), 10)
		c.srv.runFake(c, argv)
	}
}

// TestGeoSelect checks that selecting the first n points then sorting them
// gives the first n of a full sort, ties and near ties included.
func TestGeoSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shape := geohash.Shape{Lon: 10, Lat: 45, Radius: 1000, Conversion: 1000}
	for iter := 0; iter < 300; iter++ {
		total := 1 + rng.IntN(200)
		pts := make([]geoPoint, total)
		for i := range pts {
			lon, lat := 10+rng.Float64()*4-2, 45+rng.Float64()*4-2
			if rng.IntN(5) == 0 && i > 0 {
				lon, lat = pts[i-1].lon, pts[i-1].lat // a tie
			}
			d, exact, _ := shape.Contains(lon, lat)
			pts[i] = geoPoint{lon: lon, lat: lat, dist: d, idx: i, exact: exact}
		}
		for _, desc := range []bool{false, true} {
			n := 1 + rng.IntN(total)
			full := slices.Clone(pts)
			geoSortPoints(full, &shape, desc)
			sel := slices.Clone(pts)
			sel = sel[:geoSelect(sel, n, desc)]
			geoSortPoints(sel, &shape, desc)
			for i := 0; i < n; i++ {
				if sel[i].idx != full[i].idx {
					t.Fatalf("iter %d desc %v n %d/%d: position %d is %d, want %d", iter, desc, n, total, i, sel[i].idx, full[i].idx)
				}
			}
		}
	}
}

// FuzzGeoArgs runs the geo commands with fuzzed arguments against a small
// set of points: every reply must be one well-formed reply, and nothing
// may panic or hang.
func FuzzGeoArgs(f *testing.F) {
	for _, seed := range []string{
		"GEOSEARCH g FROMLONLAT 15 37 BYRADIUS 200 km ASC COUNT 2 ANY WITHDIST WITHCOORD WITHHASH",
		"GEOSEARCH g FROMMEMBER Palermo BYBOX 400 400 km DESC",
		"GEOSEARCHSTORE d g FROMLONLAT 15 37 BYBOX 1 1 mi STOREDIST",
		"GEORADIUS g 15 37 200 km STORE d STOREDIST d2 COUNT 1",
		"GEORADIUSBYMEMBER_RO g Catania 1e300 ft WITHDIST",
		"GEOADD g NX CH 180 85.05112878 a -180 -85.05112878 b",
		"GEOPOS g Palermo nope",
		"GEODIST g Palermo Catania mi",
		"GEOHASH g Palermo",
		"GEOSEARCH g FROMLONLAT 0 0 BYRADIUS 0 m",
		"GEOSEARCH g FROMLONLAT -180 85 BYRADIUS inf km COUNT 9223372036854775807",
		"GEORADIUS g 179.9 -85 5e-324 m",
	} {
		f.Add(seed)
	}
	s := testClient(f, nil).srv
	c := s.newFakeClient()
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		if len(args) == 0 || len(args) > 40 {
			return
		}
		if !strings.HasPrefix(strings.ToUpper(args[0]), "GEO") {
			args[0] = "GEOSEARCH"
		}
		fakeRun(c, "FLUSHALL")
		fakeRun(c, "GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania", "-179.99", "85", "n", "179.99", "-85", "s")
		reply := fakeRun(c, args...)
		if reply == "" || !strings.ContainsRune("+-:$*_,%~", rune(reply[0])) || !strings.HasSuffix(reply, "\r\n") {
			t.Fatalf("%q: reply %q", args, reply)
		}
	})
}
