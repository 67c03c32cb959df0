package server

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	mrand "math/rand/v2"
	"strconv"

	"github.com/kvdserver/kvd/internal/glob"
	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/internal/rdb"
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
	// switch: RESTORE does not check payloads' CRC-64 (RDB loading still
	// does).
	skipChecksumValidation bool
	// packedThreshold is DEBUG QUICKLIST-PACKED-THRESHOLD's size: Redis
	// stores a list element at least this long in a node of its own. kvd's
	// list chunks have no such nodes; DEBUG OBJECT's layout follows it.
	packedThreshold uint64
	// replyPeakResetMs and noReplyResizing are DEBUG REPLYBUFFER's
	// settings (kvd's reply buffers come from a pool, not resized by cron).
	replyPeakResetMs int64
	noReplyResizing  bool
	// lzf is DEBUG OBJECT's LZF hash table (256KB), kept between calls.
	lzf *lzfTable
}

// Redis's defaults for what DEBUG changes.
const (
	defaultPackedThreshold  = 1 << 30 // 1GB
	maxPackedThreshold      = 1<<32 - 1<<20
	defaultReplyPeakResetMs = 5000
)

// verifyDump checks a DUMP payload's footer for RESTORE: its RDB version
// and, unless DEBUG SET-SKIP-CHECKSUM-VALIDATION 1 turned it off (as Redis's
// corrupt-payload tests do), its CRC-64.
func (s *Server) verifyDump(p []byte) bool {
	if !s.debug.skipChecksumValidation {
		return rdb.VerifyDump(p)
	}
	return len(p) >= 10 && binary.LittleEndian.Uint16(p[len(p)-10:]) <= rdb.Version
}

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
		c.replyError(errPackedThreshold)
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
		c.replyError(errNotListpack)
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
		c.replyError(errNotQuicklist)
		return
	}
	ql := simulateQuicklist(e.List(), c.srv.quicklistLayout(), nil)
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

// Redis's client memory buckets: powers of two from 32KB (2^15) to 8GB.
const (
	clientMemBucketMinLog = 15
	clientMemBucketMaxLog = 33
	clientMemBuckets      = 1 + clientMemBucketMaxLog - clientMemBucketMinLog
)

// debugClientEviction is DEBUG CLIENT-EVICTION: the clients' memory in
// Redis's power-of-two buckets, when maxmemory-clients is set, computed
// from CLIENT LIST's tot-mem.
func debugClientEviction(c *Ctx) {
	if v := c.srv.cfg.other["maxmemory-clients"]; v == "" || v == "0" {
		c.replyError(errClientEvictionOff)
		return
	}
	var mem [clientMemBuckets]int64
	var count [clientMemBuckets]int
	for _, cl := range c.srv.clientList() {
		m := int64(cap(cl.qbuf)+cap(cl.out)) + clientStructSize
		for _, a := range cl.argv {
			m += int64(len(a))
		}
		b := min(max(bits.Len64(uint64(m))-clientMemBucketMinLog, 0), clientMemBuckets-1)
		mem[b] += m
		count[b]++
	}
	var out []byte
	for j := range clientMemBuckets {
		if j == 0 {
			out = append(out, "bucket          0"...)
		} else {
			out = fmt.Appendf(out, "bucket %10d", uint64(1)<<(j-1+clientMemBucketMinLog))
		}
		if j == clientMemBuckets-1 {
			out = append(out, "+            : "...)
		} else {
			out = fmt.Appendf(out, " - %10d: ", uint64(1)<<(j+clientMemBucketMinLog)-1)
		}
		out = fmt.Appendf(out, "tot-mem: %10d, clients: %d\n", mem[j], count[j])
	}
	c.replyVerbatim(out)
}

// debugHTStats is DEBUG HTSTATS dbid: statistics of the database's key
// table and expires, in Redis's format. kvd's key table is open-addressed,
// one key a slot: it reports its slots as the table size, every key as a
// chain of one, and the free slots as chains of none. Its expires are an
// ordered tree, reported as one slot a key.
func debugHTStats(c *Ctx) {
	id, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	if id < 0 || id >= int64(len(c.allDBs())) {
		c.replyError(errOutOfRangeDB)
		return
	}
	db := c.allDBs()[id]
	st := db.TableStats()
	out := []byte("[Dictionary HT]\n")
	if st.Resizing {
		out = appendTableStats(out, 0, "main hash table", st.OldSlots, st.OldUsed)
		out = appendTableStats(out, 1, "rehashing target", st.Slots, st.Used)
	} else {
		out = appendTableStats(out, 0, "main hash table", st.Slots, st.Used)
	}
	out = append(out, "[Expires HT]\n"...)
	n := db.ExpiresLen()
	out = appendTableStats(out, 0, "main hash table", n, n)
	c.replyVerbatim(out)
}

// appendTableStats appends one table's statistics as Redis's dictGetStats
// writes them, for a table whose used slots each hold one key.
func appendTableStats(out []byte, i int, what string, slots, used int) []byte {
	out = fmt.Appendf(out, "Hash table %d stats (%s):\n", i, what)
	if used == 0 {
		return append(out, "No stats available for empty dictionaries\n"...)
	}
	out = fmt.Appendf(out, " table size: %d\n number of elements: %d\n different slots: %d\n max chain length: 1\n"+
		" avg chain length (counted): 1.00\n avg chain length (computed): 1.00\n Chain length distribution:\n",
		slots, used, used)
	if free := slots - used; free > 0 {
		out = fmt.Appendf(out, "   0: %d (%.02f%%)\n", free, float64(free)*100/float64(slots))
	}
	return fmt.Appendf(out, "   1: %d (%.02f%%)\n", used, float64(used)*100/float64(slots))
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
//   - serializedlength: the length of the value's RDB encoding as Redis
//     7.0 writes it (rdbcompression yes): integer encodings, listpacks,
//     intsets, quicklist nodes, LZF where it saves 4 bytes, as liblzf
//     compresses.
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
		ly := c.srv.quicklistLayout()
		ql := simulateQuicklist(e.List(), ly, nil)
		avg := 0.0
		if ql.nodes > 0 {
			avg = float64(e.List().Len()) / float64(ql.nodes)
		}
		compressed := 0
		if ly.depth > 0 {
			compressed = 1
		}
		extra = fmt.Sprintf(" ql_nodes:%d ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d ql_uncompressed_size:%d",
			ql.nodes, avg, ly.fill, compressed, ql.bytes)
	}
	c.replyStatus(fmt.Sprintf("Value at:%#x refcount:%d encoding:%s serializedlength:%d lru:%d lru_seconds_idle:%d%s",
		e.Addr(), e.RefCount(), e.EncodingName(), serializedLength(e, c.srv.quicklistLayout(), c.srv.debugLZF()),
		e.LRU(), store.IdleMillis(e.LRU(), c.now)/1000, extra))
}

// debugLZF returns the server's LZF table for DEBUG OBJECT, or nil when
// rdbcompression is off.
func (s *Server) debugLZF() *lzfTable {
	if v, _ := s.cfg.Get("rdbcompression"); v == "no" {
		return nil
	}
	if s.debug.lzf == nil {
		s.debug.lzf = new(lzfTable)
	}
	return s.debug.lzf
}

// quicklistShape is the node layout Redis would give a list.
type quicklistShape struct {
	nodes int
	bytes int   // listpack bytes of all nodes
	sizes []int // listpack bytes of each node
}

// quicklistSizeLimits are Redis's node size limits for fill -1 … -5.
var quicklistSizeLimits = [...]int{4096, 8192, 16384, 32768, 65536}

// quicklistLayout is what decides Redis's quicklist node layout.
type quicklistLayout struct {
	fill   int    // list-max-listpack-size
	packed uint64 // DEBUG QUICKLIST-PACKED-THRESHOLD: elements this long go in plain nodes
	depth  int    // list-compress-depth: nodes kept uncompressed at each end (0: none compressed)
	lzf    *lzfTable
}

// quicklistLayout returns the server's current layout settings.
func (s *Server) quicklistLayout() quicklistLayout {
	packed := s.debug.packedThreshold
	if packed == 0 {
		packed = defaultPackedThreshold
	}
	depth, _ := strconv.Atoi(s.cfg.other["list-compress-depth"])
	if s.debug.lzf == nil {
		s.debug.lzf = new(lzfTable)
	}
	return quicklistLayout{fill: s.listFill(), packed: packed, depth: depth, lzf: s.debug.lzf}
}

// simulateQuicklist packs l's elements head to tail into quicklist nodes as
// Redis 7.0 does when they are pushed at the tail: an element joins the
// last node unless its listpack, grown by the element's length plus an
// 8-byte estimate of overhead, would pass the fill's size limit (or the
// 8KB safety limit and the count limit, for a positive fill); an element
// at least the packed threshold long takes a plain node of its own, which
// nothing joins. If node is not nil it is called with each node's contents:
// a listpack, or the element of a plain node.
func simulateQuicklist(l *store.List, ly quicklistLayout, node func(b []byte, plain bool)) quicklistShape {
	var q quicklistShape
	var lp listpack
	count := 0
	open := false // the last node is a listpack that may grow
	flush := func() {
		if !open {
			return
		}
		size := lp.size()
		q.sizes = append(q.sizes, size)
		q.bytes += size
		if node != nil {
			node(lp.bytes(), false)
		}
		open = false
	}
	it := l.Iter(0, false)
	for v, ok := it.Next(); ok; v, ok = it.Next() {
		if uint64(len(v)) >= ly.packed {
			flush()
			q.nodes++
			q.sizes = append(q.sizes, len(v))
			q.bytes += len(v)
			if node != nil {
				node(v, true)
			}
			continue
		}
		if !open || !quicklistAllows(lp.size()+len(v)+8, count, ly.fill) {
			flush()
			q.nodes++
			lp.reset()
			count = 0
			open = true
		}
		lp.add(v)
		count++
	}
	flush()
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

// listpack builds a Redis listpack: a 6-byte header (total bytes, element
// count), the entries, and an end byte. Each entry is an encoding (an
// integer in 7, 13, 16, 24, 32 or 64 bits when the element is a canonical
// integer, else a string with a 6, 12 or 32-bit length) followed by its
// back-length.
type listpack struct {
	entries []byte
	n       int
}

func (lp *listpack) reset() { lp.entries, lp.n = lp.entries[:0], 0 }

// size returns the listpack's bytes.
func (lp *listpack) size() int { return 6 + len(lp.entries) + 1 }

// add appends an entry for v.
func (lp *listpack) add(v []byte) {
	start := len(lp.entries)
	b := lp.entries
	if i, ok := canonicalInt(v); ok {
		u := uint64(i)
		switch {
		case i >= 0 && i <= 127:
			b = append(b, byte(i))
		case i >= -4096 && i <= 4095:
			u &= 1<<13 - 1
			b = append(b, byte(u>>8)|0xc0, byte(u))
		case i >= -1<<15 && i < 1<<15:
			b = append(b, 0xf1, byte(u), byte(u>>8))
		case i >= -1<<23 && i < 1<<23:
			b = append(b, 0xf2, byte(u), byte(u>>8), byte(u>>16))
		case i >= -1<<31 && i < 1<<31:
			b = append(b, 0xf3, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
		default:
			b = append(b, 0xf4)
			b = binary.LittleEndian.AppendUint64(b, u)
		}
	} else {
		switch l := len(v); {
		case l < 64:
			b = append(b, 0x80|byte(l))
		case l < 4096:
			b = append(b, 0xe0|byte(l>>8), byte(l))
		default:
			b = append(b, 0xf0)
			b = binary.LittleEndian.AppendUint32(b, uint32(l))
		}
		b = append(b, v...)
	}
	// The back-length: the entry's length in 7-bit groups, most
	// significant first, all but the first with the high bit set.
	l := uint64(len(b) - start)
	switch {
	case l <= 127:
		b = append(b, byte(l))
	case l < 16383:
		b = append(b, byte(l>>7), byte(l&127)|128)
	case l < 2097151:
		b = append(b, byte(l>>14), byte((l>>7)&127)|128, byte(l&127)|128)
	case l < 268435455:
		b = append(b, byte(l>>21), byte((l>>14)&127)|128, byte((l>>7)&127)|128, byte(l&127)|128)
	default:
		b = append(b, byte(l>>28), byte((l>>21)&127)|128, byte((l>>14)&127)|128, byte((l>>7)&127)|128, byte(l&127)|128)
	}
	lp.entries = b
	lp.n++
}

// bytes returns the whole listpack.
func (lp *listpack) bytes() []byte {
	out := make([]byte, 0, lp.size())
	out = binary.LittleEndian.AppendUint32(out, uint32(lp.size()))
	out = binary.LittleEndian.AppendUint16(out, uint16(min(lp.n, 65535)))
	out = append(out, lp.entries...)
	return append(out, 0xff)
}

// canonicalInt parses v as Redis's string2ll does (listpacks and RDB
// integer encodings use it): a decimal integer with no sign but '-', no
// leading zeros and no spaces, that fits 64 bits.
func canonicalInt(v []byte) (int64, bool) { return num.ParseInt(v) }

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
// or 32 bits when it is one that short, else as rdbBlobSize.
func rdbStringSize(v []byte, t *lzfTable) int {
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
	return rdbBlobSize(v, t)
}

// rdbBlobSize returns the bytes of an RDB string of raw bytes b: LZF
// compressed when b is over 20 bytes and compression saves at least 4
// (a marker, the compressed and original lengths, the compressed bytes),
// else its length and bytes. A nil t means rdbcompression no.
func rdbBlobSize(b []byte, t *lzfTable) int {
	if len(b) > 20 && t != nil {
		if c := lzfCompressedLen(b, len(b)-4, t); c > 0 {
			return 1 + rdbLenSize(c) + rdbLenSize(len(b)) + c
		}
	}
	return rdbLenSize(len(b)) + len(b)
}

// serializedLength returns the length of e's value in an RDB file (without
// the type byte), as DEBUG OBJECT's serializedlength.
func serializedLength(e store.Entry, ly quicklistLayout, t *lzfTable) int {
	switch e.Type() {
	case store.TypeString:
		return rdbStringSize(e.Str(), t)
	case store.TypeList:
		type qlNode struct {
			b     []byte
			plain bool
		}
		var nodes []qlNode
		simulateQuicklist(e.List(), ly, func(b []byte, plain bool) { nodes = append(nodes, qlNode{b, plain}) })
		n := rdbLenSize(len(nodes))
		for i, nd := range nodes {
			n++ // container type: plain or packed (a listpack)
			// With list-compress-depth d, Redis keeps the nodes past d
			// from either end LZF-compressed when that saves 8 bytes, and
			// saves them so, whatever rdbcompression says.
			if d := ly.depth; d > 0 && i >= d && i < len(nodes)-d && len(nd.b) >= 48 {
				if c := lzfCompressedLen(nd.b, len(nd.b), ly.lzf); c > 0 && c+8 < len(nd.b) {
					n += 1 + rdbLenSize(c) + rdbLenSize(len(nd.b)) + c
					continue
				}
			}
			if nd.plain {
				n += rdbStringSize(nd.b, t)
			} else {
				n += rdbBlobSize(nd.b, t)
			}
		}
		return n
	case store.TypeSet:
		s := e.Set()
		if s.IsIntset() {
			blob := binary.LittleEndian.AppendUint32(nil, uint32(s.IntWidth()))
			blob = binary.LittleEndian.AppendUint32(blob, uint32(s.Len()))
			return rdbBlobSize(append(blob, s.IntsetBytes()...), t)
		}
		n := rdbLenSize(s.Len())
		s.Range(func(m []byte) bool {
			n += rdbStringSize(m, t)
			return true
		})
		return n
	case store.TypeZSet:
		z := e.ZSet()
		if z.Encoding() == "listpack" {
			var lp listpack
			var buf [32]byte
			z.Ascend(0, func(m []byte, score float64) bool {
				lp.add(m)
				lp.add(appendScoreListpack(buf[:0], score))
				return true
			})
			return rdbBlobSize(lp.bytes(), t)
		}
		n := rdbLenSize(z.Len())
		z.Ascend(0, func(m []byte, _ float64) bool {
			n += rdbStringSize(m, t) + 8 // binary double
			return true
		})
		return n
	case store.TypeHash:
		h := e.Hash()
		if h.Encoding() == "listpack" {
			var lp listpack
			h.Range(func(f, v []byte) bool {
				lp.add(f)
				lp.add(v)
				return true
			})
			return rdbBlobSize(lp.bytes(), t)
		}
		n := rdbLenSize(h.Len())
		h.Range(func(f, v []byte) bool {
			n += rdbStringSize(f, t) + rdbStringSize(v, t)
			return true
		})
		return n
	}
	return 0
}

// appendScoreListpack appends a score as Redis writes it into a sorted
// set's listpack: an integral value within ±2^52 as an integer, else
// "%.17g".
func appendScoreListpack(dst []byte, f float64) []byte {
	if f > -(1<<52-1) && f < 1<<52 && f == float64(int64(f)) {
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return appendScore17g(dst, f)
}
