package server

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"

	"github.com/kvdserver/kvd/store"
)

// DEBUG DIGEST and DEBUG DIGEST-VALUE: a SHA-1 based signature of the data
// set (or of single values), computed the way Redis 7.0 computes it, so that
// the same data set gives the same digest on kvd and on redis-server. Tests
// (Redis's own among them) use it to check that two servers, or one server
// before and after a reload, hold the same data.
//
// Two ways of adding data to a 20-byte digest are used:
//
//   - xor: digest ^= SHA1(data). Order does not matter, so it adds the
//     members of unordered collections (set members, hash fields, zset
//     members, the keys of a database).
//   - mix: digest = SHA1(digest ^ SHA1(data)). Order matters, so it adds
//     the parts of one thing in sequence (a key then its value, list
//     elements, a member then its score).
//
// One key contributes, starting from 20 zero bytes: mix(key), mix(type code
// as a big-endian uint32: string 0, list 1, set 2, zset 3, hash 4), then its
// value: a string mixes its bytes (integers in decimal); a list mixes each
// element head to tail; a set xors each member; a hash xors, per field, a
// sub-digest of mix(field), mix(value); a sorted set xors, per member, a
// sub-digest of mix(member), mix(score printed as C's "%.17g"). A key with
// an expiry (whatever its time) then xors the string "!!expire!!". The data
// set's digest starts from zeros and, for each non-empty database j in
// order, mixes j as a big-endian uint32 and xors in every key's digest.
// An empty data set thus gives 40 zeros.

// digest is a 20-byte DEBUG DIGEST signature.
type digest [sha1.Size]byte

// xor adds b to d regardless of order: d ^= SHA1(b).
func (d *digest) xor(b []byte) {
	h := sha1.Sum(b)
	for i := range d {
		d[i] ^= h[i]
	}
}

// mix adds b to d in sequence: d = SHA1(d ^ SHA1(b)).
func (d *digest) mix(b []byte) {
	d.xor(b)
	*d = sha1.Sum(d[:])
}

// hex returns d as 40 lower-case hexadecimal digits.
func (d *digest) hex() string { return hex.EncodeToString(d[:]) }

// digestTypeCode is the type number Redis mixes into a key's digest
// (OBJ_STRING … OBJ_HASH).
func digestTypeCode(t store.Type) uint32 {
	switch t {
	case store.TypeString:
		return 0
	case store.TypeList:
		return 1
	case store.TypeSet:
		return 2
	case store.TypeZSet:
		return 3
	case store.TypeHash:
		return 4
	case store.TypeStream:
		return 6
	}
	panic("server: DEBUG DIGEST of a value of type " + t.String())
}

// appendScore17g appends f as C's printf("%.17g") writes it, which Redis
// uses for the scores in a digest.
func appendScore17g(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	// Go's 'g' with a precision drops trailing zeros and picks the
	// exponent form under the same rule as C (exponent < -4 or >= 17).
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// digestValue adds e's type, value and expiry flag to d (which the caller
// has started with the key, or left zero for DIGEST-VALUE).
func digestValue(d *digest, e store.Entry) {
	var code [4]byte
	binary.BigEndian.PutUint32(code[:], digestTypeCode(e.Type()))
	d.mix(code[:])
	switch e.Type() {
	case store.TypeString:
		d.mix(e.Str())
	case store.TypeList:
		it := e.List().Iter(0, false)
		for v, ok := it.Next(); ok; v, ok = it.Next() {
			d.mix(v)
		}
	case store.TypeSet:
		e.Set().Range(func(m []byte) bool {
			d.xor(m)
			return true
		})
	case store.TypeZSet:
		var buf [32]byte
		e.ZSet().Ascend(0, func(m []byte, score float64) bool {
			var sub digest
			sub.mix(m)
			sub.mix(appendScore17g(buf[:0], score))
			d.xor(sub[:])
			return true
		})
	case store.TypeHash:
		e.Hash().Range(func(f, v []byte) bool {
			var sub digest
			sub.mix(f)
			sub.mix(v)
			d.xor(sub[:])
			return true
		})
	case store.TypeStream:
		var buf [48]byte
		e.Stream().Range(store.StreamID{}, store.MaxStreamID, false, func(id store.StreamID, f store.StreamFields) bool {
			b := strconv.AppendUint(buf[:0], id.Ms, 10)
			b = append(b, '.')
			d.mix(strconv.AppendUint(b, id.Seq, 10))
			f.Each(func(x []byte) { d.mix(x) })
			return true
		})
	}
	if e.Deadline() >= 0 {
		d.xor([]byte("!!expire!!"))
	}
}

// datasetDigest computes DEBUG DIGEST over dbs, logically expired keys
// included (like Redis, which walks its dictionaries as they are).
func datasetDigest(dbs []*store.DB) digest {
	var final digest
	for j, db := range dbs {
		if db.Len() == 0 {
			continue
		}
		var id [4]byte
		binary.BigEndian.PutUint32(id[:], uint32(j))
		final.mix(id[:])
		db.EachRaw(func(e store.Entry) bool {
			var kd digest
			kd.mix(e.Key())
			digestValue(&kd, e)
			final.xor(kd[:])
			return true
		})
	}
	return final
}

// debugDigest is DEBUG DIGEST: the data set's digest as a status reply.
func debugDigest(c *Ctx) {
	d := datasetDigest(c.allDBs())
	c.replyStatus(d.hex())
}

// debugDigestValue is DEBUG DIGEST-VALUE key…: one digest per key, of its
// value alone (zeros for a missing key). Like Redis it looks keys up as they
// are, so a logically expired key still has its digest.
func debugDigestValue(c *Ctx) {
	c.replyArray(len(c.argv) - 2)
	for _, key := range c.argv[2:] {
		var d digest
		if e, ok := c.db.Peek(key); ok {
			digestValue(&d, e)
		}
		c.replyStatus(d.hex())
	}
}
