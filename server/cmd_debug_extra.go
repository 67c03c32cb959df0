package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strconv"

	"github.com/kvdserver/kvd/internal/glob"
	"github.com/kvdserver/kvd/store"
)

// debugState holds what DEBUG subcommands set: switches Redis's test suite
// flips. Most are remembered only, for subsystems kvd serves differently
// (see each field).
type debugState struct {
	// pauseCron (DEBUG PAUSE-CRON 1) stops the periodic cron work (active
	// expiry, rehashing, idle timeouts) until set back to 0.
	pauseCron bool
	// aofFlushSleep is DEBUG AOF-FLUSH-SLEEP's microseconds (no AOF yet).
	aofFlushSleep int32
	// skipChecksumValidation is DEBUG SET-SKIP-CHECKSUM-VALIDATION's
	// switch, for RDB loading and RESTORE.
	skipChecksumValidation bool
	// packedThreshold is DEBUG QUICKLIST-PACKED-THRESHOLD's size: Redis
	// stores a list element at least this long in a node of its own. kvd's
	// list chunks have no such nodes; the value is remembered only.
	packedThreshold uint64
	// replyPeakResetMs and noReplyResizing are DEBUG REPLYBUFFER's
	// settings (kvd's reply buffers come from a pool, not resized by cron).
	replyPeakResetMs int64
	noReplyResizing  bool
}

// Redis's defaults for what DEBUG changes.
const (
	defaultPackedThreshold  = 1 << 30 // 1GB
	maxPackedThreshold      = 1<<32 - 1<<20
	defaultReplyPeakResetMs = 5000
)

// debugChangeReplID is DEBUG CHANGE-REPL-ID: a new random replication ID
// (INFO's master_replid); the secondary ID stays cleared.
func debugChangeReplID(c *Ctx) {
	var id [20]byte
	if _, err := rand.Read(id[:]); err == nil {
		c.srv.static().replID = hex.EncodeToString(id[:])
	}
	c.replyOK()
}

// debugQuicklistPackedThreshold is DEBUG QUICKLIST-PACKED-THRESHOLD size,
// with Redis's memory units and limits (0 restores the default).
func debugQuicklistPackedThreshold(c *Ctx) {
	n, ok := parseMemory(string(c.argv[2]))
	if !ok || n > maxPackedThreshold {
		c.replyError("ERR argument must be a memory value bigger than 1 and smaller than 4gb")
		return
	}
	if n == 0 {
		n = defaultPackedThreshold
	}
	c.srv.debug.packedThreshold = n
	c.replyOK()
}

// debugReplyBuffer is DEBUG REPLYBUFFER PEAK-RESET-TIME <NEVER|RESET|ms>
// and DEBUG REPLYBUFFER RESIZING <0|1>.
func debugReplyBuffer(c *Ctx) {
	d := &c.srv.debug
	switch {
	case isOpt(c.argv[2], "peak-reset-time"):
		switch {
		case isOpt(c.argv[3], "never"):
			d.replyPeakResetMs = -1
		case isOpt(c.argv[3], "reset"):
			d.replyPeakResetMs = defaultReplyPeakResetMs
		default:
			ms, ok := c.intArg(c.argv[3])
			if !ok {
				return
			}
			d.replyPeakResetMs = ms
		}
	case isOpt(c.argv[2], "resizing"):
		d.noReplyResizing = atoi(c.argv[3]) == 0
	default:
		c.subcommandSyntaxError()
		return
	}
	c.replyOK()
}

// debugListpack is DEBUG LISTPACK key: Redis prints the listpack's entries
// on its standard output; kvd writes a summary to its log at debug level.
// Either way the client gets the same status reply.
func debugListpack(c *Ctx) {
	e, ok := c.lookupNoTouch(c.argv[2])
	if !ok {
		c.replyError(errNoSuchKey)
		return
	}
	if e.Type() == store.TypeString || e.EncodingName() != "listpack" {
		c.replyError("ERR Not a listpack encoded object.")
		return
	}
	c.srv.logf(levelDebug, "DEBUG LISTPACK %s: %s of %d entries", c.argv[2], e.Type(), collectionLen(e))
	c.replyStatus("Listpack structure printed on stdout")
}

// debugQuicklist is DEBUG QUICKLIST key [0|1], like DEBUG LISTPACK for
// lists (all quicklists in Redis 7.0).
func debugQuicklist(c *Ctx) {
	e, ok := c.lookupNoTouch(c.argv[2])
	if !ok {
		c.replyError(errNoSuchKey)
		return
	}
	if e.Type() != store.TypeList {
		c.replyError("ERR Not a quicklist encoded object.")
		return
	}
	ql := simulateQuicklist(e.List(), c.srv.listFill())
	c.srv.logf(levelDebug, "DEBUG QUICKLIST %s: %d elements in %d nodes", c.argv[2], e.List().Len(), ql.nodes)
	c.replyStatus("Quicklist structure printed on stdout")
}

// collectionLen returns the number of elements of a collection value.
func collectionLen(e store.Entry) int {
	switch e.Type() {
	case store.TypeList:
		return e.List().Len()
	case store.TypeSet:
		return e.Set().Len()
	case store.TypeZSet:
		return e.ZSet().Len()
	case store.TypeHash:
		return e.Hash().Len()
	}
	return 1
}

// debugStringmatchTest is DEBUG STRINGMATCH-TEST: it matches random
// patterns against random strings with kvd's glob matcher, which must
// neither crash nor hang (Redis's stringmatchlen once could).
func debugStringmatchTest(c *Ctx) {
	const alphabet = "*?[]^-\\ab"
	r := mrand.New(mrand.NewPCG(uint64(c.now), 0x5eed))
	var pat, str [32]byte
	for i := 0; i < 100000; i++ {
		p := pat[:r.IntN(len(pat))]
		s := str[:r.IntN(len(str))]
		for j := range p {
			p[j] = alphabet[r.IntN(len(alphabet))]
		}
		for j := range s {
			s[j] = alphabet[r.IntN(len(alphabet))]
		}
		glob.MatchBytes(p, s)
	}
	c.replyStatus("Apparently Redis did not crash: test passed")
}

// listFill returns list-max-listpack-size, the quicklist fill factor.
func (s *Server) listFill() int {
	if v, ok := s.cfg.other["list-max-listpack-size"]; ok {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return -2
}

// ---- DEBUG OBJECT ----

// debugObject is DEBUG OBJECT key: a status line with Redis's fields.
// Like Redis it looks the key up as it is (a logically expired key is
// shown) and touches nothing. What kvd reports:
//   - Value at: the address of the key's allocation (Redis: the robj's).
//   - refcount, encoding, lru, lru_seconds_idle: as OBJECT and Redis.
//   - serializedlength: the RDB encoding's length computed as Redis 7.0
//     writes it, except that strings (and listpack/intset blobs) over 20
//     bytes are counted uncompressed, where Redis may LZF-compress them.
//   - lists: the quicklist fields Redis adds, for the node layout a list
//     built by pushes at one end would have in Redis (kvd's chunks differ).
func debugObject(c *Ctx) {
	e, ok := c.db.Peek(c.argv[2])
	if !ok {
		c.replyError(errNoSuchKey)
		return
	}
	var extra string
	if e.Type() == store.TypeList {
		fill := c.srv.listFill()
		ql := simulateQuicklist(e.List(), fill)
		avg := 0.0
		if ql.nodes > 0 {
			avg = float64(e.List().Len()) / float64(ql.nodes)
		}
		compressed := 0
		if v := c.srv.cfg.other["list-compress-depth"]; v != "" && v != "0" {
			compressed = 1
		}
		extra = fmt.Sprintf(" ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d",
			ql.nodes, avg, fill, compressed, ql.bytes)
	}
	c.replyStatus(fmt.Sprintf("Value at:%#x refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d%s",
		e.Addr(), e.RefCount(), e.EncodingName(), serializedLength(e, c.srv.listFill()),
		e.LRU(), store.IdleMillis(e.LRU(), c.now)/1000, extra))
}

// quicklistShape is the node layout Redis would give a list.
type quicklistShape struct {
	nodes int
	bytes int   // listpack bytes of all nodes
	sizes []int // listpack bytes of each node
}

// quicklistSizeLimits are Redis's node size limits for fill -1 … -5.
var quicklistSizeLimits = [...]int{4096, 8192, 16384, 32768, 65536}

// simulateQuicklist packs l's elements head to tail into quicklist nodes as
// Redis 7.0 does when they are pushed at the tail: an element joins the
// last node unless its listpack, grown by the element's length plus an
// 8-byte estimate of overhead, would pass the fill's size limit (or the
// 8KB safety limit and the count limit, for a positive fill).
func simulateQuicklist(l *store.List, fill int) quicklistShape {
	var q quicklistShape
	cur, count := 0, 0
	it := l.Iter(0, false)
	for v, ok := it.Next(); ok; v, ok = it.Next() {
		if q.nodes == 0 || !quicklistAllows(cur+len(v)+8, count, fill) {
			if q.nodes > 0 {
				q.sizes = append(q.sizes, cur)
				q.bytes += cur
			}
			q.nodes++
			cur, count = listpackHeader+1, 0
		}
		cur += listpackEntrySize(v)
		count++
	}
	if q.nodes > 0 {
		q.sizes = append(q.sizes, cur)
		q.bytes += cur
	}
	return q
}

// quicklistAllows reports whether a node of count elements may grow to
// newSize bytes under fill.
func quicklistAllows(newSize, count, fill int) bool {
	if fill < 0 {
		off := -fill - 1
		if off >= len(quicklistSizeLimits) {
			off = len(quicklistSizeLimits) - 1
		}
		return newSize <= quicklistSizeLimits[off]
	}
	return newSize <= 8192 && count < fill
}

// listpackHeader is a listpack's header: total bytes and element count (the
// end marker is one more byte).
const listpackHeader = 6

// listpackEntrySize returns the bytes v takes as a listpack entry: its
// encoding (an integer when v is one in canonical form), then the
// back-length of the encoding.
func listpackEntrySize(v []byte) int {
	var n int
	if i, ok := canonicalInt(v); ok {
		switch {
		case i >= 0 && i <= 127:
			n = 1
		case i >= -4096 && i <= 4095:
			n = 2
		case i >= -1<<15 && i < 1<<15:
			n = 3
		case i >= -1<<23 && i < 1<<23:
			n = 4
		case i >= -1<<31 && i < 1<<31:
			n = 5
		default:
			n = 9
		}
	} else {
		switch l := len(v); {
		case l < 64:
			n = 1 + l
		case l < 4096:
			n = 2 + l
		default:
			n = 5 + l
		}
	}
	switch {
	case n < 128:
		return n + 1
	case n < 16384:
		return n + 2
	case n < 2097152:
		return n + 3
	case n < 268435456:
		return n + 4
	}
	return n + 5
}

// canonicalInt parses v as Redis's string2ll does: a decimal integer with
// no sign but '-', no leading zeros and no spaces, that fits 64 bits.
func canonicalInt(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 20 {
		return 0, false
	}
	i, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, false
	}
	var buf [20]byte
	if string(strconv.AppendInt(buf[:0], i, 10)) != string(v) {
		return 0, false
	}
	return i, true
}

// rdbLenSize returns the bytes of an RDB length prefix for n.
func rdbLenSize(n int) int {
	switch {
	case n < 1<<6:
		return 1
	case n < 1<<14:
		return 2
	case uint64(n) <= 0xffffffff:
		return 5
	}
	return 9
}

// rdbStringSize returns the bytes an RDB string takes: an integer in 8, 16
// or 32 bits when it is one that short, else length and bytes (counted
// uncompressed; see debugObject).
func rdbStringSize(v []byte) int {
	if len(v) <= 11 {
		if i, ok := canonicalInt(v); ok {
			switch {
			case i >= -1<<7 && i < 1<<7:
				return 2
			case i >= -1<<15 && i < 1<<15:
				return 3
			case i >= -1<<31 && i < 1<<31:
				return 5
			}
		}
	}
	return rdbBlobSize(len(v))
}

// rdbBlobSize returns the bytes of an RDB string of n raw bytes.
func rdbBlobSize(n int) int { return rdbLenSize(n) + n }

// serializedLength returns the length of e's value in an RDB file (without
// the type byte), as DEBUG OBJECT's serializedlength.
func serializedLength(e store.Entry, fill int) int {
	switch e.Type() {
	case store.TypeString:
		return rdbStringSize(e.Str())
	case store.TypeList:
		q := simulateQuicklist(e.List(), fill)
		n := rdbLenSize(q.nodes)
		for _, sz := range q.sizes {
			n += 1 + rdbBlobSize(sz) // container type, listpack
		}
		return n
	case store.TypeSet:
		s := e.Set()
		if s.IsIntset() {
			return rdbBlobSize(8 + s.Len()*s.IntWidth())
		}
		n := rdbLenSize(s.Len())
		s.Range(func(m []byte) bool {
			n += rdbStringSize(m)
			return true
		})
		return n
	case store.TypeZSet:
		z := e.ZSet()
		if z.Encoding() == "listpack" {
			lp := listpackHeader + 1
			var buf [32]byte
			z.Ascend(0, func(m []byte, score float64) bool {
				lp += listpackEntrySize(m) + listpackEntrySize(appendScoreListpack(buf[:0], score))
				return true
			})
			return rdbBlobSize(lp)
		}
		n := rdbLenSize(z.Len())
		z.Ascend(0, func(m []byte, _ float64) bool {
			n += rdbStringSize(m) + 8 // binary double
			return true
		})
		return n
	case store.TypeHash:
		h := e.Hash()
		if h.Encoding() == "listpack" {
			lp := listpackHeader + 1
			h.Range(func(f, v []byte) bool {
				lp += listpackEntrySize(f) + listpackEntrySize(v)
				return true
			})
			return rdbBlobSize(lp)
		}
		n := rdbLenSize(h.Len())
		h.Range(func(f, v []byte) bool {
			n += rdbStringSize(f) + rdbStringSize(v)
			return true
		})
		return n
	}
	return 0
}

// appendScoreListpack appends a score as Redis writes it into a sorted
// set's listpack: an integral value in range as an integer, else "%.17g".
func appendScoreListpack(dst []byte, f float64) []byte {
	if f == float64(int64(f)) && f > -1<<53 && f < 1<<53 && !(f == 0 && 1/f < 0) {
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return appendScore17g(dst, f)
}
