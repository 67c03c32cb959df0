package tests

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The geo family, compared with redis-server byte for byte: GEOADD,
// GEOPOS, GEODIST, GEOHASH and every search shape, with their errors.

// geoSicily is the data set of Redis's documentation.
const geoSicily = "GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania 12.758489 38.788135 edge1 17.241510 38.788135 edge2"

func TestDiffGeoBasics(t *testing.T) {
	diffCases(t, []dcase{
		{name: "geoadd", steps: []step{
			"GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
			"GEOADD Sicily 13.361389 38.115556 Palermo",
			"GEOADD Sicily CH 13.361389 38.115557 Palermo",
			"GEOADD Sicily NX 13 38 Palermo 14 37 Other",
			"GEOADD Sicily XX CH 13 38 Palermo 14 37 Missing",
			"GEOADD Sicily xx ch nx 13 38 Palermo",
			"GEOADD nokey XX 13 38 Palermo",
			"EXISTS nokey",
			"ZRANGE Sicily 0 -1 WITHSCORES",
			"OBJECT ENCODING Sicily",
			"GEOADD Sicily 13 38",
			"GEOADD Sicily 13 38 a 14",
			"GEOADD Sicily ch ch",
			"GEOADD Sicily 181 38 x",
			"GEOADD Sicily -180.0000001 38 x",
			"GEOADD Sicily 13 85.05112879 x",
			"GEOADD Sicily 13 -86 x 14 37 ok",
			"GEOADD Sicily inf 0 x",
			"GEOADD Sicily 0 -inf x",
			"GEOADD Sicily 1e300 0 x",
			"GEOADD Sicily abc 0 x",
			"GEOADD Sicily 0 abc x",
			"GEOADD Sicily 180 85.05112878 ne -180 -85.05112878 sw 0 0 zero -0 -0 negzero",
			"GEOPOS Sicily ne sw zero negzero",
			"GEOHASH Sicily ne sw zero negzero",
			"SET str x",
			"GEOADD str 13 38 x",
			"GEOADD str 200 38 x",
			"GEOPOS str x",
			"GEOHASH str x",
			"GEODIST str a b",
			"GEOSEARCH str FROMLONLAT 0 0 BYRADIUS 1 m",
			"GEORADIUS str 200 0 1 m",
			"GEOSEARCHSTORE dst str FROMLONLAT 0 0 BYRADIUS 1 m",
		}},
		{name: "pos-dist-hash", steps: []step{
			geoSicily,
			"GEOPOS Sicily Palermo Catania NonExisting",
			"GEOPOS Sicily",
			"GEOPOS nokey a b",
			"GEOHASH Sicily Palermo Catania edge1 edge2 nope",
			"GEOHASH nokey a",
			"GEOHASH Sicily",
			"GEODIST Sicily Palermo Catania",
			"GEODIST Sicily Palermo Catania m",
			"GEODIST Sicily Palermo Catania KM",
			"GEODIST Sicily Palermo Catania mi",
			"GEODIST Sicily Palermo Catania Ft",
			"GEODIST Sicily Palermo Palermo",
			"GEODIST Sicily Palermo nope",
			"GEODIST nokey a b",
			"GEODIST Sicily Palermo Catania yards",
			"GEODIST nokey Palermo Catania yards",
			"GEODIST Sicily Palermo Catania km extra",
		}},
		{name: "odd-scores", steps: []step{
			"ZADD z 0 zero 1 one -1 minus 1.5 half 4503599627370496 big 9007199254740992 bigger 1e300 huge inf pinf -inf ninf -1e300 nhuge",
			"GEOPOS z zero one minus half big bigger huge pinf ninf nhuge",
			"GEOHASH z zero one minus half big bigger huge pinf ninf nhuge",
			"GEODIST z zero minus",
			"GEODIST z pinf ninf km",
			"GEOSEARCH z FROMMEMBER zero BYRADIUS 10 km WITHHASH WITHCOORD WITHDIST",
			"GEOSEARCH z FROMMEMBER minus BYBOX 100 100 km WITHHASH",
		}},
		{name: "rounding", steps: []step{
			// 50304334.16385000199 ft: Redis rounds d·10^4 half to even (…1638).
			"GEOADD g -178.18883031606674194 40.26094691948194537 a 61.19694024324417114 -69.51095993186737587 b",
			"GEODIST g a b ft",
			"GEORADIUSBYMEMBER g a 121355398.54289007 ft WITHDIST",
			"GEOSEARCHSTORE d g FROMMEMBER a BYRADIUS 20000 km STOREDIST",
			"ZRANGE d 0 -1 WITHSCORES",
			// One meridian: Redis's shortcut for equal longitudes.
			"GEOADD m 12.5 -60.123 s 12.5 0.001 e 12.5 77.7 n 12.5 -60.1231 s2",
			"GEODIST m s n",
			"GEODIST m s s2",
			"GEOSEARCHSTORE d m FROMMEMBER e BYBOX 20000 20000 km STOREDIST",
			"ZRANGE d 0 -1 WITHSCORES",
			"GEOSEARCH m FROMMEMBER s BYBOX 100 10000 km ASC WITHDIST",
		}},
		{name: "meta-scripts-multi", steps: []step{
			"CONFIG RESETSTAT",
			"COMMAND INFO geoadd georadius georadiusbymember_ro geosearch geosearchstore geopos geodist geohash",
			"COMMAND DOCS geosearch",
			"COMMAND GETKEYS GEORADIUS src 1 2 3 km STORE d1 STOREDIST d2",
			"COMMAND GETKEYS GEORADIUSBYMEMBER src m 3 km STOREDIST d2",
			"COMMAND GETKEYS GEOSEARCHSTORE dst src FROMMEMBER m BYRADIUS 1 km",
			"COMMAND GETKEYS GEORADIUS src 1 2 3 km",
			geoSicily,
			`EVAL "return redis.call('GEOPOS', KEYS[1], 'Palermo', 'nope')" 1 Sicily`,
			`EVAL "return redis.call('GEOSEARCH', KEYS[1], 'FROMLONLAT', 15, 37, 'BYRADIUS', 200, 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC')" 1 Sicily`,
			`EVAL "return redis.pcall('GEOADD', KEYS[1], 200, 100, 'x')" 1 Sicily`,
			`EVAL "redis.setresp(3); return redis.call('GEOPOS', KEYS[1], 'Palermo')" 1 Sicily`,
			`EVAL "redis.setresp(3); return redis.call('GEODIST', KEYS[1], 'Palermo', 'Catania')" 1 Sicily`,
			"MULTI",
			"GEOADD Sicily 1 1 x",
			"GEOADD Sicily 200 1 y",
			"GEOSEARCHSTORE d Sicily FROMMEMBER x BYRADIUS 1 km",
			"GEOSEARCH Sicily FROMMEMBER nope BYRADIUS 1 km",
			"EXEC",
			"INFO errorstats",
			"CONFIG RESETSTAT",
			"GEOADD Sicily 200 1 y",
			"GEOSEARCH Sicily FROMLONLAT 200 1 BYRADIUS 1 km",
			"GEOADD Sicily 1 1",
			"INFO errorstats",
			"!re:cmdstat_geoadd:calls=(\\d+)[^\\r]*rejected_calls=(\\d+),failed_calls=(\\d+) INFO commandstats",
			"!re:cmdstat_geosearch:calls=(\\d+)[^\\r]*rejected_calls=(\\d+),failed_calls=(\\d+) INFO commandstats",
		}},
		{name: "search-docs", steps: []step{
			geoSicily,
			"GEORADIUS Sicily 15 37 200 km WITHDIST",
			"GEORADIUS Sicily 15 37 200 km WITHCOORD",
			"GEORADIUS Sicily 15 37 200 km WITHDIST WITHCOORD",
			"GEORADIUS Sicily 15 37 200 km WITHCOORD WITHHASH WITHDIST ASC",
			"GEORADIUS Sicily 15 37 200 km DESC COUNT 1",
			"GEORADIUS Sicily 15 37 200 km COUNT 1 ANY",
			"GEORADIUS_RO Sicily 15 37 200 km WITHDIST DESC",
			"GEORADIUSBYMEMBER Sicily Agrigento 100 km",
			"GEORADIUSBYMEMBER Sicily Palermo 200 km WITHDIST",
			"GEORADIUSBYMEMBER_RO Sicily Palermo 200 km WITHDIST COUNT 2 DESC",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHCOORD WITHDIST",
			"GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km WITHHASH",
			"GEOSEARCH Sicily BYRADIUS 0 m FROMMEMBER Palermo",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 m",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS inf m WITHDIST",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX inf 1 m",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 KM COUNT 3 any",
			"GEOSEARCH nokey FROMLONLAT 15 37 BYRADIUS 200 km",
			"GEOSEARCH nokey FROMMEMBER x BYRADIUS 200 km",
			"GEORADIUSBYMEMBER nokey x notanumber km",
			"GEORADIUSBYMEMBER nokey x 1 km STORE dst",
		}},
		{name: "store", steps: []step{
			geoSicily,
			"GEORADIUS Sicily 15 37 200 km STORE dst",
			"ZRANGE dst 0 -1 WITHSCORES",
			"OBJECT ENCODING dst",
			"GEORADIUS Sicily 15 37 200 km STOREDIST dst",
			"ZRANGE dst 0 -1 WITHSCORES",
			"GEORADIUS Sicily 15 37 200 km STORE dst STOREDIST dst2",
			"EXISTS dst dst2",
			"GEORADIUS Sicily 15 37 200 km STOREDIST dst2 STORE dst3",
			"ZRANGE dst3 0 -1 WITHSCORES",
			"GEORADIUSBYMEMBER Sicily Palermo 1000 km COUNT 2 STORE dst",
			"ZRANGE dst 0 -1 WITHSCORES",
			"GEORADIUS Sicily 15 37 1 m STORE dst",
			"EXISTS dst",
			"GEORADIUS Sicily 15 37 1 m STORE dst",
			"GEORADIUS_RO Sicily 15 37 200 km STORE dst",
			"GEORADIUSBYMEMBER_RO Sicily Palermo 200 km STOREDIST dst",
			"GEORADIUS Sicily 15 37 200 km STORE dst WITHDIST",
			"GEORADIUS Sicily 15 37 200 km WITHHASH STOREDIST dst",
			"GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC COUNT 2",
			"ZRANGE dst 0 -1 WITHSCORES",
			"GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYBOX 400 400 km DESC COUNT 2 STOREDIST",
			"ZRANGE dst 0 -1 WITHSCORES",
			"GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYBOX 400 400 km WITHDIST",
			"GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYBOX 400 400 km STORE x",
			"GEOSEARCHSTORE Sicily Sicily FROMMEMBER Palermo BYRADIUS 100 km",
			"ZRANGE Sicily 0 -1 WITHSCORES",
			"GEOSEARCHSTORE dst nokey FROMLONLAT 15 37 BYRADIUS 1 km",
			"EXISTS dst",
			"GEOSEARCHSTORE dst nokey FROMLONLAT 15 37 BYRADIUS 1 km",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STOREDIST",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE dst",
		}},
		{name: "errors", steps: []step{
			geoSicily,
			"GEORADIUS Sicily 15 37 -1 km",
			"GEORADIUS Sicily 15 37 abc km",
			"GEORADIUS Sicily 15 37 10 parsecs",
			"GEORADIUS Sicily 200 37 10 km",
			"GEORADIUS Sicily 15 abc 10 km",
			"GEORADIUS Sicily 15 37 10 km COUNT 0",
			"GEORADIUS Sicily 15 37 10 km COUNT -3",
			"GEORADIUS Sicily 15 37 10 km COUNT abc",
			"GEORADIUS Sicily 15 37 10 km COUNT",
			"GEORADIUS Sicily 15 37 10 km ANY",
			"GEORADIUS Sicily 15 37 10 km STORE",
			"GEORADIUS Sicily 15 37 10 km bogus",
			"GEORADIUS Sicily 15 37 10 km FROMLONLAT 1 2",
			"GEORADIUSBYMEMBER Sicily nope 10 km",
			"GEORADIUSBYMEMBER Sicily Palermo -10 km",
			"GEOSEARCH Sicily FROMLONLAT 15 37",
			"GEOSEARCH Sicily BYRADIUS 10 km",
			"GEOSEARCH Sicily FROMLONLAT 15 37 FROMMEMBER Palermo BYRADIUS 10 km",
			"GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 15 37 BYRADIUS 10 km",
			"GEOSEARCH Sicily FROMMEMBER Palermo FROMMEMBER Catania BYRADIUS 10 km WITHDIST",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 10 km BYBOX 1 1 km",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 km BYRADIUS 10 km",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX -1 1 km",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 -1 km",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX a 1 km",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 b km",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1 lightyears",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 1 1",
			"GEOSEARCH Sicily FROMLONLAT 15 BYRADIUS 1 km",
			"GEOSEARCH Sicily FROMMEMBER nope BYRADIUS 1 km",
			"GEOSEARCH Sicily FROMMEMBER BYRADIUS 1 km",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km ANY",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km COUNT 0",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km STORE dst",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 1 km WITHDIST ANY",
			"GEOSEARCH Sicily FROMLONLAT 1000 37 BYRADIUS -1 km",
			"GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS -1 km FROMLONLAT 1000 37",
			"GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37",
			"GEOSEARCHSTORE dst Sicily BYBOX 1 1 km WITHCOORD",
			"geosearch Sicily BYBOX 1 1 km",
			"GEORADIUS Sicily 15 37 10 km STORE dst ANY",
		}},
	})
}

// geoRandomPoint returns a random point, often near the poles, the
// antimeridian, the equator or the prime meridian.
func geoRandomPoint(rng *rand.Rand) (lon, lat float64) {
	lon = rng.Float64()*360 - 180
	lat = rng.Float64()*170.1 - 85.05
	switch rng.IntN(8) {
	case 0:
		lat = 85.05112878 - rng.Float64()*2
	case 1:
		lat = -85.05112878 + rng.Float64()*2
	case 2:
		lon = 180 - rng.Float64()*2
	case 3:
		lon = -180 + rng.Float64()*2
	case 4:
		lat = rng.Float64()*2 - 1
		lon = rng.Float64()*2 - 1
	}
	return lon, lat
}

func geoFmt(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// TestDiffGeoRandom adds seeded random points worldwide (clusters, the
// poles, the antimeridian) and runs random searches of every shape,
// comparing every reply. Set KVD_GEO_SEED to replay a run.
func TestDiffGeoRandom(t *testing.T) {
	needRedis(t)
	seed := testSeed(t, "KVD_GEO_SEED")
	rng := rand.New(rand.NewPCG(seed, 22))
	units := []string{"m", "km", "ft", "mi", "KM"}
	radii := []float64{0, 1, 50, 1000, 20000, 150000, 800000, 3000000, 8000000, 25000000}
	var cmds [][]string
	storedist := map[int]bool{} // the commands whose reply holds STOREDIST scores
	// Two sets: one small (the compact encoding), one big.
	for k, n := range []int{60, 600} {
		key := "g" + strconv.Itoa(k)
		for i := 0; i < n; i += 20 {
			cmd := []string{"GEOADD", key}
			for j := i; j < i+20 && j < n; j++ {
				lon, lat := geoRandomPoint(rng)
				cmd = append(cmd, geoFmt(lon), geoFmt(lat), "p"+strconv.Itoa(j))
			}
			cmds = append(cmds, cmd)
		}
	}
	cmds = append(cmds, []string{"OBJECT", "ENCODING", "g0"}, []string{"OBJECT", "ENCODING", "g1"})
	for i := 0; i < 400; i++ {
		key := "g" + strconv.Itoa(rng.IntN(2))
		unit := units[rng.IntN(len(units))]
		conv := map[string]float64{"m": 1, "km": 1000, "ft": 0.3048, "mi": 1609.34, "KM": 1000}[unit]
		size := func() string {
			r := radii[rng.IntN(len(radii))] * (0.5 + rng.Float64())
			return geoFmt(r / conv)
		}
		var cmd []string
		var from []string
		if rng.IntN(3) == 0 {
			from = []string{"FROMMEMBER", "p" + strconv.Itoa(rng.IntN(70))}
		} else {
			lon, lat := geoRandomPoint(rng)
			from = []string{"FROMLONLAT", geoFmt(lon), geoFmt(lat)}
		}
		var by []string
		if rng.IntN(2) == 0 {
			by = []string{"BYRADIUS", size(), unit}
		} else {
			by = []string{"BYBOX", size(), size(), unit}
		}
		var opts []string
		switch rng.IntN(4) {
		case 0:
			opts = append(opts, "ASC")
		case 1:
			opts = append(opts, "DESC")
		}
		if rng.IntN(3) == 0 {
			opts = append(opts, "COUNT", strconv.Itoa(1+rng.IntN(20)))
			if rng.IntN(3) == 0 {
				opts = append(opts, "ANY")
			}
		}
		store := rng.IntN(5) == 0
		if !store {
			for _, w := range []string{"WITHDIST", "WITHCOORD", "WITHHASH"} {
				if rng.IntN(2) == 0 {
					opts = append(opts, w)
				}
			}
		}
		rng.Shuffle(len(opts), func(a, b int) {
			// COUNT's argument (and ANY after it) stay together.
			if opts[a] == "COUNT" || opts[b] == "COUNT" || isNum(opts[a]) || isNum(opts[b]) || opts[a] == "ANY" || opts[b] == "ANY" {
				return
			}
			opts[a], opts[b] = opts[b], opts[a]
		})
		switch rng.IntN(6) {
		case 0, 1:
			cmd = append(append(append([]string{"GEOSEARCH", key}, from...), by...), opts...)
		case 2:
			cmd = append(append(append([]string{"GEOSEARCHSTORE", "dst", key}, from...), by...), opts...)
			if rng.IntN(2) == 0 {
				cmd = append(cmd, "STOREDIST")
			}
		case 3:
			if from[0] != "FROMLONLAT" || by[0] != "BYRADIUS" {
				cmd = append(append(append([]string{"GEOSEARCH", key}, from...), by...), opts...)
				break
			}
			name := "GEORADIUS"
			if !store && rng.IntN(2) == 0 {
				name = "GEORADIUS_RO"
			}
			cmd = append([]string{name, key, from[1], from[2], by[1], by[2]}, opts...)
			if store {
				cmd = append(cmd, []string{"STORE", "STOREDIST"}[rng.IntN(2)], "dst")
			}
		default:
			if by[0] != "BYRADIUS" {
				by = []string{"BYRADIUS", size(), unit}
			}
			name := "GEORADIUSBYMEMBER"
			if !store && rng.IntN(2) == 0 {
				name = "GEORADIUSBYMEMBER_RO"
			}
			cmd = append([]string{name, key, "p" + strconv.Itoa(rng.IntN(70)), by[1], by[2]}, opts...)
			if store {
				cmd = append(cmd, []string{"STORE", "STOREDIST"}[rng.IntN(2)], "dst")
			}
		}
		cmds = append(cmds, cmd)
		if cmd[0] == "GEOSEARCHSTORE" || store {
			// dst may hold distances even after STORE: from an earlier
			// STOREDIST, when this command failed.
			storedist[len(cmds)] = true
			cmds = append(cmds, []string{"ZRANGE", "dst", "0", "-1", "WITHSCORES"})
		}
		if rng.IntN(10) == 0 {
			m := []string{"p" + strconv.Itoa(rng.IntN(70)), "p" + strconv.Itoa(rng.IntN(70))}
			cmds = append(cmds,
				[]string{"GEODIST", key, m[0], m[1], units[rng.IntN(len(units))]},
				[]string{"GEOPOS", key, m[0], m[1]},
				[]string{"GEOHASH", key, m[0], m[1]})
		}
	}
	geoDiffCmds(t, sharedServers(), cmds, storedist)
}

// geoDiffCmds is diffCmds, except that the replies of the commands marked
// approx may differ in the last bits of their floating-point numbers.
// They list STOREDIST scores, distances at full precision: kvd's sin, cos
// and asin are correctly rounded, and glibc's (which Redis uses) are not
// in a few cases in ten thousand (see internal/geohash/trig.go).
func geoDiffCmds(t *testing.T, s servers, cmds [][]string, approx map[int]bool) {
	t.Helper()
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			var replies [2][]string
			for i, addr := range []string{s.redis, s.kvd} {
				cn := dialProto(t, addr, proto)
				replies[i] = cn.pipeline(cmds)
				cn.nc.Close()
			}
			bad := 0
			for i := range cmds {
				want, got := replies[0][i], replies[1][i]
				if want == got || approx[i] && geoCloseReplies(want, got) {
					continue
				}
				t.Errorf("command %d %q:\n redis: %q\n   kvd: %q", i, cmds[i], truncateStr(want, 2000), truncateStr(got, 2000))
				if bad++; bad > 5 {
					t.FailNow()
				}
			}
		})
	}
}

// geoCloseReplies reports whether two replies are the same but for
// numbers that differ by less than one part in 1e13.
func geoCloseReplies(a, b string) bool {
	wa, wb := strings.Split(a, "\r\n"), strings.Split(b, "\r\n")
	if len(wa) != len(wb) {
		return false
	}
	for i := range wa {
		if wa[i] == wb[i] {
			continue
		}
		if strings.HasPrefix(wa[i], "$") && strings.HasPrefix(wb[i], "$") {
			continue // a length: the numbers after it decide
		}
		if !strings.Contains(wa[i], ".") || !strings.Contains(wb[i], ".") {
			return false // integers (geohash scores) must be equal
		}
		x, err1 := strconv.ParseFloat(strings.TrimPrefix(wa[i], ","), 64)
		y, err2 := strconv.ParseFloat(strings.TrimPrefix(wb[i], ","), 64)
		if err1 != nil || err2 != nil || math.Abs(x-y) > 1e-13*math.Abs(x) {
			return false
		}
	}
	return true
}

func isNum(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// geoNotifyScript exercises every geo command that writes, succeeding,
// changing nothing and failing.
var geoNotifyScript = []string{
	geoSicily,
	"GEOADD Sicily 13.361389 38.115556 Palermo",
	"GEOADD Sicily XX 1 1 nobody",
	"GEOADD Sicily 200 1 bad",
	"GEOADD fresh CH 1 1 a",
	"GEORADIUS Sicily 15 37 200 km",
	"GEORADIUS Sicily 15 37 200 km STORE d1",
	"GEORADIUSBYMEMBER Sicily Palermo 200 km STOREDIST d2",
	"GEORADIUS Sicily 15 37 1 m STORE d1",
	"GEORADIUS Sicily 15 37 1 m STORE d1",
	"GEOSEARCHSTORE d3 Sicily FROMLONLAT 15 37 BYBOX 400 400 km",
	"GEOSEARCHSTORE d3 nokey FROMLONLAT 15 37 BYBOX 400 400 km",
	"GEOSEARCHSTORE d3 nokey FROMLONLAT 15 37 BYBOX 400 400 km",
	"GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 10 km",
	"GEOSEARCH nokey FROMMEMBER Palermo BYRADIUS 10 km",
	"GEOPOS nokey a",
	"GEODIST Sicily Palermo Catania",
}

// TestDiffGeoNotify compares the keyspace events of the geo commands
// (GEOADD's zadd, the stores' georadiusstore/geosearchstore, del, keymiss).
func TestDiffGeoNotify(t *testing.T) {
	needRedis(t)
	cmds := splitSteps(t, geoNotifyScript)
	for _, events := range []string{"KEA", "KEAm", "Ez"} {
		t.Run(events, func(t *testing.T) { diffNotify(t, sharedServers(), events, cmds) })
	}
}

// TestDiffGeoMonitor checks that MONITOR shows the geo commands as sent
// (GEOADD, not the ZADD it propagates as).
func TestDiffGeoMonitor(t *testing.T) {
	needRedis(t)
	s := sharedServers()
	cmds := splitSteps(t, geoNotifyScript[:8])
	want, _ := monitorLines(t, s.redis, 2, cmds)
	got, _ := monitorLines(t, s.kvd, 2, cmds)
	if !slices.Equal(want, got) {
		t.Errorf("MONITOR lines:\n redis: %q\n   kvd: %q", want, got)
	}
}
