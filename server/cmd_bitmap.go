package server

import (
	"encoding/binary"
	"math/bits"

	"github.com/kvdserver/kvd/internal/bitops"
	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/store"
)

var bitmapCommands = []*Command{
	{Name: "setbit", Proc: setbitCommand},
	{Name: "getbit", Proc: getbitCommand},
	{Name: "bitcount", Proc: bitcountCommand},
	{Name: "bitpos", Proc: bitposCommand},
	{Name: "bitop", Proc: bitopCommand},
	{Name: "bitfield", Proc: bitfieldCommand},
	{Name: "bitfield_ro", Proc: bitfieldROCommand},
}

// bitOffsetArg parses a bit offset the way Redis's getBitOffsetFromArgument
// does. With hash set (BITFIELD), "#N" means N times width bits. The offset
// must address a byte below proto-max-bulk-len (so at most 2^32-1 by
// default). It replies the error and returns false if not.
func (c *Ctx) bitOffsetArg(arg []byte, hash bool, width int) (uint64, bool) {
	useHash := hash && width > 0 && len(arg) > 0 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	n, ok := num.ParseInt(arg)
	if ok && useHash {
		n *= int64(width) // wraps on overflow, as it does in Redis
	}
	if !ok || n < 0 || n>>3 >= c.cfg.ProtoMaxBulkLen {
		c.replyError(errBitOffset)
		return 0, false
	}
	return uint64(n), true
}

func setbitCommand(c *Ctx) {
	key := c.argv[1]
	off, ok := c.bitOffsetArg(c.argv[2], false, 0)
	if !ok {
		return
	}
	on, ok := c.intArgMsg(c.argv[3], errBitValue)
	if !ok {
		return
	}
	if on&^1 != 0 {
		c.replyError(errBitValue)
		return
	}
	e, found, ok := c.lookupTypeWrite(key, store.TypeString)
	if !ok {
		return
	}
	i := off >> 3
	// Like Redis, a bit set to the value it had is no change, unless the
	// string had to be created or grown.
	grew := !found || int(i) >= len(e.Str())
	p := c.db.GrowString(key, int(i)+1, c.now)
	b := *p
	mask := byte(0x80) >> (off & 7)
	old := b[i] & mask
	if on != 0 {
		b[i] |= mask
	} else {
		b[i] &^= mask
	}
	if !grew && b[i]&mask == old {
		c.noChange()
	} else {
		c.notify(notifyString, "setbit", key)
	}
	if old != 0 {
		c.replyInt(1)
	} else {
		c.replyInt(0)
	}
}

func getbitCommand(c *Ctx) {
	off, ok := c.bitOffsetArg(c.argv[2], false, 0)
	if !ok {
		return
	}
	val, _, ok := c.lookupString(c.argv[1])
	if !ok {
		return
	}
	if i := off >> 3; i < uint64(len(val)) && val[i]&(0x80>>(off&7)) != 0 {
		c.replyInt(1)
		return
	}
	c.replyInt(0)
}

// bitRange resolves BITCOUNT's and BITPOS's start and end (negative counts
// from the end; in bits when isBit) against a string of n bytes. It
// returns the byte range [start, end], which is empty when start > end,
// and for a bit range the masks of the bits of the first and last byte
// that fall outside it.
func bitRange(start, end, n int64, isBit bool) (s, e int64, firstMask, lastMask byte) {
	total := n
	if isBit {
		total <<= 3
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	if isBit && start <= end {
		firstMask = ^byte(0xff >> (start & 7))
		lastMask = byte(1<<(7-(end&7))) - 1
		start >>= 3
		end >>= 3
	}
	return start, end, firstMask, lastMask
}

// unitArg parses BITCOUNT's and BITPOS's BYTE|BIT argument.
func (c *Ctx) unitArg(arg []byte) (isBit, ok bool) {
	switch {
	case isOpt(arg, "bit"):
		return true, true
	case isOpt(arg, "byte"):
		return false, true
	}
	c.replyError(errSyntax)
	return false, false
}

// bitcountCommand implements BITCOUNT key [start end [BYTE|BIT]]. As in
// Redis, a missing key answers 0 before the arguments are looked at.
func bitcountCommand(c *Ctx) {
	val, found, ok := c.lookupString(c.argv[1])
	if !ok {
		return
	}
	if !found {
		c.replyInt(0)
		return
	}
	argc := len(c.argv)
	start, end := int64(0), int64(len(val))-1
	var firstMask, lastMask byte
	switch argc {
	case 2:
	case 4, 5:
		if start, ok = c.intArg(c.argv[2]); !ok {
			return
		}
		if end, ok = c.intArg(c.argv[3]); !ok {
			return
		}
		isBit := false
		if argc == 5 {
			if isBit, ok = c.unitArg(c.argv[4]); !ok {
				return
			}
		}
		if start < 0 && end < 0 && start > end {
			c.replyInt(0)
			return
		}
		start, end, firstMask, lastMask = bitRange(start, end, int64(len(val)), isBit)
	default:
		c.replyError(errSyntax)
		return
	}
	if start > end {
		c.replyInt(0)
		return
	}
	count := bitops.Popcount(val[start : end+1])
	count -= int64(bits.OnesCount8(val[start]&firstMask) + bits.OnesCount8(val[end]&lastMask))
	c.replyInt(count)
}

// bitposCommand implements BITPOS key bit [start [end [BYTE|BIT]]].
func bitposCommand(c *Ctx) {
	bit, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	if bit != 0 && bit != 1 {
		c.replyError(errBitArg)
		return
	}
	// A missing key is an endless run of zeros.
	val, found, ok := c.lookupString(c.argv[1])
	if !ok {
		return
	}
	if !found {
		if bit == 1 {
			c.replyInt(-1)
		} else {
			c.replyInt(0)
		}
		return
	}
	argc := len(c.argv)
	n := int64(len(val))
	start, end := int64(0), n-1
	endGiven := false
	var firstMask, lastMask byte
	switch argc {
	case 3:
	case 4, 5, 6:
		if start, ok = c.intArg(c.argv[3]); !ok {
			return
		}
		isBit := false
		if argc == 6 {
			if isBit, ok = c.unitArg(c.argv[5]); !ok {
				return
			}
		}
		if argc >= 5 {
			if end, ok = c.intArg(c.argv[4]); !ok {
				return
			}
			endGiven = true
		}
		start, end, firstMask, lastMask = bitRange(start, end, n, isBit)
	default:
		c.replyError(errSyntax)
		return
	}
	if start > end {
		c.replyInt(-1)
		return
	}
	pos := findBit(val[start:end+1], int(bit), firstMask, lastMask, endGiven)
	if pos != -1 {
		pos += start << 3
	}
	c.replyInt(pos)
}

// findBit returns the position of the first bit equal to bit in b, ignoring
// the bits of its first and last byte under the masks; if there is none, -1,
// except that a search for a 0 with no end given finds the bit just past b
// (the string reads as followed by zeros). Callers add b's bit offset to a
// result other than -1.
func findBit(b []byte, bit int, firstMask, lastMask byte, endGiven bool) int64 {
	if firstMask != 0 || lastMask != 0 {
		// Only a BIT range has masks, and it always has an end: copy the
		// edge bytes with the bits outside the range made to not match.
		fix := func(v, mask byte) byte {
			if bit == 1 {
				return v &^ mask
			}
			return v | mask
		}
		last := len(b) - 1
		if len(b) == 1 {
			if pos := bitops.Bitpos([]byte{fix(b[0], firstMask|lastMask)}, bit); pos != -1 && pos != 8 {
				return pos
			}
			return -1
		}
		if pos := bitops.Bitpos([]byte{fix(b[0], firstMask)}, bit); pos != -1 && pos != 8 {
			return pos
		}
		if pos := bitops.Bitpos(b[1:last], bit); pos != -1 && pos != int64(last-1)*8 {
			return pos + 8
		}
		if pos := bitops.Bitpos([]byte{fix(b[last], lastMask)}, bit); pos != -1 && pos != 8 {
			return pos + int64(last)*8
		}
		return -1
	}
	pos := bitops.Bitpos(b, bit)
	if pos == int64(len(b))*8 && endGiven {
		return -1
	}
	if pos == -1 {
		return -1
	}
	return pos
}

// bitopCommand implements BITOP AND|OR|XOR|NOT destkey key [key ...].
// Missing keys read as empty strings, shorter strings as zero-padded; an
// empty result deletes the destination.
func bitopCommand(c *Ctx) {
	op := c.argv[1]
	const (
		opAnd = iota
		opOr
		opXor
		opNot
	)
	var code int
	switch {
	case isOpt(op, "and"):
		code = opAnd
	case isOpt(op, "or"):
		code = opOr
	case isOpt(op, "xor"):
		code = opXor
	case isOpt(op, "not"):
		code = opNot
	default:
		c.replyError(errSyntax)
		return
	}
	if code == opNot && len(c.argv) != 4 {
		c.replyError(errBitopNot)
		return
	}
	keys := c.argv[3:]
	srcs := make([][]byte, len(keys))
	maxLen := 0
	for j, key := range keys {
		val, found, ok := c.lookupString(key)
		if !ok {
			return
		}
		if found {
			srcs[j] = val
			maxLen = max(maxLen, len(val))
		}
	}
	dst := c.argv[2]
	now := c.now
	if maxLen == 0 {
		if c.db.Delete(dst, now) {
			c.notify(notifyGeneric, "del", dst)
		} else {
			c.noChange()
		}
		c.replyInt(0)
		return
	}
	res := make([]byte, maxLen)
	if code == opNot {
		src := srcs[0]
		i := 0
		for ; i+8 <= len(src); i += 8 {
			binary.LittleEndian.PutUint64(res[i:], ^binary.LittleEndian.Uint64(src[i:]))
		}
		for ; i < len(src); i++ {
			res[i] = ^src[i]
		}
	} else {
		copy(res, srcs[0])
		for _, src := range srcs[1:] {
			bitopInto(res, src, code)
		}
	}
	c.db.SetStringOwned(dst, res, now)
	c.notify(notifyString, "set", dst) // Redis 7.0 names BITOP's event "set"
	c.replyInt(int64(maxLen))
}

// bitopInto combines src into res (AND = 0, OR = 1, XOR = 2), src reading
// as zeros past its end.
func bitopInto(res, src []byte, code int) {
	if code == 0 {
		clear(res[len(src):])
	}
	n := min(len(res), len(src))
	i := 0
	for ; i+8 <= n; i += 8 {
		a, b := binary.LittleEndian.Uint64(res[i:]), binary.LittleEndian.Uint64(src[i:])
		switch code {
		case 0:
			a &= b
		case 1:
			a |= b
		default:
			a ^= b
		}
		binary.LittleEndian.PutUint64(res[i:], a)
	}
	for ; i < n; i++ {
		switch code {
		case 0:
			res[i] &= src[i]
		case 1:
			res[i] |= src[i]
		default:
			res[i] ^= src[i]
		}
	}
}

// bitfieldOp is one parsed BITFIELD GET, SET or INCRBY.
type bitfieldOp struct {
	offset   uint64
	value    int64 // SET's value or INCRBY's increment
	kind     byte  // 'g', 's' or 'i'
	signed   bool
	bits     int
	overflow bitops.Overflow
}

// bitfieldTypeArg parses a type such as i16 or u8 (lower-case only, as in
// Redis): i1..i64 or u1..u63.
func (c *Ctx) bitfieldTypeArg(arg []byte) (signed bool, width int, ok bool) {
	arg = cstr(arg)
	if len(arg) == 0 || (arg[0] != 'i' && arg[0] != 'u') {
		c.replyError(errBitfieldType)
		return false, 0, false
	}
	signed = arg[0] == 'i'
	n, ok := num.ParseInt(arg[1:])
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		c.replyError(errBitfieldType)
		return false, 0, false
	}
	return signed, int(n), true
}

func bitfieldCommand(c *Ctx)   { bitfieldGeneric(c, false) }
func bitfieldROCommand(c *Ctx) { bitfieldGeneric(c, true) }

// bitfieldGeneric implements BITFIELD and BITFIELD_RO: every subcommand is
// parsed (and any error replied) before the key is touched; a command with
// any write grows the string to the furthest bit written, even if every
// write then fails under OVERFLOW FAIL.
func bitfieldGeneric(c *Ctx, readOnly bool) {
	argv := c.argv
	var opsBuf [8]bitfieldOp // most calls have a few operations
	ops := opsBuf[:0]
	overflow := bitops.Wrap
	writes := false
	var highest uint64 // the furthest bit a write reaches
	for j := 2; j < len(argv); j++ {
		rem := len(argv) - j - 1
		sub := argv[j]
		var op bitfieldOp
		switch {
		case isOpt(sub, "get") && rem >= 2:
			op.kind = 'g'
		case isOpt(sub, "set") && rem >= 3:
			op.kind = 's'
		case isOpt(sub, "incrby") && rem >= 3:
			op.kind = 'i'
		case isOpt(sub, "overflow") && rem >= 1:
			j++
			switch w := argv[j]; {
			case isOpt(w, "wrap"):
				overflow = bitops.Wrap
			case isOpt(w, "sat"):
				overflow = bitops.Sat
			case isOpt(w, "fail"):
				overflow = bitops.Fail
			default:
				c.replyError(errBitfieldOflow)
				return
			}
			continue
		default:
			c.replyError(errSyntax)
			return
		}
		var ok bool
		if op.signed, op.bits, ok = c.bitfieldTypeArg(argv[j+1]); !ok {
			return
		}
		if op.offset, ok = c.bitOffsetArg(argv[j+2], true, op.bits); !ok {
			return
		}
		if op.kind != 'g' {
			writes = true
			highest = max(highest, op.offset+uint64(op.bits)-1)
			if op.value, ok = c.intArg(argv[j+3]); !ok {
				return
			}
			j++
		}
		op.overflow = overflow
		ops = append(ops, op)
		j += 2
	}

	key := argv[1]
	var p *[]byte
	var val []byte
	var grew bool
	changes := 0
	if !writes {
		var ok bool
		if val, _, ok = c.lookupString(key); !ok {
			return
		}
	} else {
		if readOnly {
			c.replyError(errBitfieldRO)
			return
		}
		e, found, ok := c.lookupTypeWrite(key, store.TypeString)
		if !ok {
			return
		}
		grew = !found || int(highest>>3) >= len(e.Str())
		p = c.db.GrowString(key, int(highest>>3)+1, c.now)
	}

	c.replyArray(len(ops))
	for i := range ops {
		op := &ops[i]
		if op.kind == 'g' {
			if p != nil {
				val = *p
			}
			if op.signed {
				c.replyInt(bitops.GetSigned(val, op.offset, op.bits))
			} else {
				c.replyInt(int64(bitops.GetUnsigned(val, op.offset, op.bits)))
			}
			continue
		}
		b := *p
		if op.signed {
			old := bitops.GetSigned(b, op.offset, op.bits)
			var newVal, ret int64
			var oflow int
			if op.kind == 'i' {
				var limit int64
				limit, oflow = bitops.CheckSigned(old, op.value, op.bits, op.overflow)
				newVal = old + op.value
				if oflow != 0 {
					newVal = limit
				}
				ret = newVal
			} else {
				var limit int64
				limit, oflow = bitops.CheckSigned(op.value, 0, op.bits, op.overflow)
				newVal = op.value
				if oflow != 0 {
					newVal = limit
				}
				ret = old
			}
			if oflow != 0 && op.overflow == bitops.Fail {
				c.replyNull()
				continue
			}
			c.replyInt(ret)
			bitops.SetUnsigned(b, op.offset, op.bits, uint64(newVal))
			if grew || newVal != old {
				changes++
			}
		} else {
			old := bitops.GetUnsigned(b, op.offset, op.bits)
			var newVal, ret uint64
			var oflow int
			if op.kind == 'i' {
				var limit uint64
				limit, oflow = bitops.CheckUnsigned(old, op.value, op.bits, op.overflow)
				newVal = old + uint64(op.value)
				if oflow != 0 {
					newVal = limit
				}
				ret = newVal
			} else {
				var limit uint64
				limit, oflow = bitops.CheckUnsigned(uint64(op.value), 0, op.bits, op.overflow)
				newVal = uint64(op.value)
				if oflow != 0 {
					newVal = limit
				}
				ret = old
			}
			if oflow != 0 && op.overflow == bitops.Fail {
				c.replyNull()
				continue
			}
			c.replyInt(int64(ret))
			bitops.SetUnsigned(b, op.offset, op.bits, newVal)
			if grew || newVal != old {
				changes++
			}
		}
	}
	if p != nil {
		// Like Redis, each write not failed by OVERFLOW FAIL is a change
		// if it changed the value or the string was created or grown.
		c.setChanges(changes)
		if changes > 0 {
			c.notify(notifyString, "setbit", c.argv[1])
		}
	}
}
