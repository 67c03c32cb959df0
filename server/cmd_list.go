package server

import (
	"math"

	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/store"
)

// listCommands are the list commands (arity, flags and key positions come
// from Redis's metadata; LMPOP's keys move with its numkeys argument).
var listCommands = []*Command{
	{Name: "lpush", Proc: lpushCommand},
	{Name: "rpush", Proc: rpushCommand},
	{Name: "lpushx", Proc: lpushxCommand},
	{Name: "rpushx", Proc: rpushxCommand},
	{Name: "lpop", Proc: lpopCommand},
	{Name: "rpop", Proc: rpopCommand},
	{Name: "llen", Proc: llenCommand},
	{Name: "lrange", Proc: lrangeCommand},
	{Name: "lindex", Proc: lindexCommand},
	{Name: "lset", Proc: lsetCommand},
	{Name: "linsert", Proc: linsertCommand},
	{Name: "lrem", Proc: lremCommand},
	{Name: "ltrim", Proc: ltrimCommand},
	{Name: "lpos", Proc: lposCommand},
	{Name: "lmove", Proc: lmoveCommand},
	{Name: "rpoplpush", Proc: rpoplpushCommand},
	{Name: "lmpop", Proc: lmpopCommand, GetKeys: numkeysFirstKeys},
	{Name: "blpop", Proc: blpopCommand},
	{Name: "brpop", Proc: brpopCommand},
	{Name: "brpoplpush", Proc: brpoplpushCommand},
	{Name: "blmove", Proc: blmoveCommand},
	{Name: "blmpop", Proc: blmpopCommand, GetKeys: blmpopGetKeys},
}

// lookupList finds key for reading. It returns nil for a missing key, and
// ok == false after replying WRONGTYPE if the key holds another type.
func (c *Ctx) lookupList(key []byte) (l *store.List, ok bool) {
	e, found, ok := c.lookupType(key, store.TypeList)
	if !found || !ok {
		return nil, ok
	}
	return e.List(), true
}

// lookupListWrite is lookupList for commands that may change the list.
func (c *Ctx) lookupListWrite(key []byte) (l *store.List, ok bool) {
	e, found, ok := c.lookupTypeWrite(key, store.TypeList)
	if !found || !ok {
		return nil, ok
	}
	return e.List(), true
}

// deleteIfEmpty removes key once a command has emptied its list: Redis
// never keeps an empty list.
func (c *Ctx) deleteIfEmpty(key []byte, l *store.List) {
	if l.Len() == 0 {
		c.db.Delete(key, c.now)
		c.notify(notifyGeneric, "del", key)
	}
}

// listEnd parses LEFT or RIGHT, reporting whether it names the tail.
func (c *Ctx) listEnd(arg []byte) (back, ok bool) {
	switch {
	case isOpt(arg, "right"):
		return true, true
	case isOpt(arg, "left"):
		return false, true
	}
	c.replyError(errSyntax)
	return false, false
}

// ---- push ----

func lpushCommand(c *Ctx)  { pushGeneric(c, false, false) }
func rpushCommand(c *Ctx)  { pushGeneric(c, true, false) }
func lpushxCommand(c *Ctx) { pushGeneric(c, false, true) }
func rpushxCommand(c *Ctx) { pushGeneric(c, true, true) }

// pushGeneric implements LPUSH, RPUSH and (xx: only onto an existing list)
// LPUSHX and RPUSHX, replying with the list's new length.
func pushGeneric(c *Ctx, back, xx bool) {
	key := c.argv[1]
	l, ok := c.lookupListWrite(key)
	if !ok {
		return
	}
	if l == nil {
		if xx {
			c.noChange()
			c.replyInt(0)
			return
		}
		l = store.NewList()
		c.db.AddList(key, l, c.now)
	}
	for _, v := range c.argv[2:] {
		if back {
			l.PushBack(v)
		} else {
			l.PushFront(v)
		}
	}
	c.replyInt(int64(l.Len()))
	c.notify(notifyList, pushName(back), key)
}

// ---- pop ----

func lpopCommand(c *Ctx) { popGeneric(c, false) }
func rpopCommand(c *Ctx) { popGeneric(c, true) }

// popGeneric implements LPOP and RPOP: one element as a bulk string, or
// with a count an array of up to count elements.
func popGeneric(c *Ctx, back bool) {
	if len(c.argv) > 3 {
		c.replyError(errWrongArgs(c.cmd.fullName))
		return
	}
	hasCount := len(c.argv) == 3
	var count int64
	if hasCount {
		var ok bool
		if count, ok = c.positiveArg(c.argv[2]); !ok {
			return
		}
	}
	key := c.argv[1]
	l, ok := c.lookupListWrite(key)
	if !ok {
		return
	}
	if l == nil {
		c.noChange()
		if hasCount {
			c.replyNullArray()
		} else {
			c.replyNull()
		}
		return
	}
	if !hasCount {
		var v []byte
		if back {
			v, _ = l.PopBack()
		} else {
			v, _ = l.PopFront()
		}
		c.replyBulk(v)
	} else {
		if count == 0 {
			c.noChange()
			c.replyEmptyArray()
			return
		}
		popRangeReply(c, l, back, count)
	}
	c.notify(notifyList, popEvent(back), key)
	c.deleteIfEmpty(key, l)
}

// popRangeReply replies with up to count elements from one end of l, in
// the order popping them one by one would give, and removes them.
func popRangeReply(c *Ctx, l *store.List, back bool, count int64) {
	n := int(min(count, int64(l.Len())))
	c.replyArray(n)
	start := 0
	if back {
		start = l.Len() - 1
	}
	it := l.Iter(start, back)
	for range n {
		v, _ := it.Next()
		c.replyBulk(v)
	}
	if back {
		l.DeleteBack(n)
	} else {
		l.DeleteFront(n)
	}
}

// ---- reading ----

func llenCommand(c *Ctx) {
	l, ok := c.lookupList(c.argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.replyInt(0)
		return
	}
	c.replyInt(int64(l.Len()))
}

func lrangeCommand(c *Ctx) {
	start, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	end, ok := c.intArg(c.argv[3])
	if !ok {
		return
	}
	l, ok := c.lookupList(c.argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.replyEmptyArray()
		return
	}
	start, end, ok = indexRange(start, end, int64(l.Len()))
	if !ok {
		c.replyEmptyArray()
		return
	}
	n := int(end - start + 1)
	c.replyArray(n)
	it := l.Iter(int(start), false)
	for range n {
		v, _ := it.Next()
		c.replyBulk(v)
	}
}

// listIndex converts a possibly negative index into a position in a list
// of n elements; ok is false if it is out of range.
func listIndex(index int64, n int) (int, bool) {
	if index < 0 {
		index += int64(n)
	}
	if index < 0 || index >= int64(n) {
		return 0, false
	}
	return int(index), true
}

func lindexCommand(c *Ctx) {
	l, ok := c.lookupList(c.argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.replyNull()
		return
	}
	index, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	i, ok := listIndex(index, l.Len())
	if !ok {
		c.replyNull()
		return
	}
	v, _ := l.Index(i)
	c.replyBulk(v)
}

// lposCommand implements LPOS key element [RANK rank] [COUNT num-matches]
// [MAXLEN len].
func lposCommand(c *Ctx) {
	argv := c.argv
	rank, count, maxlen := int64(1), int64(-1), int64(0) // count -1: no COUNT option
	for j := 3; j < len(argv); j++ {
		more := j < len(argv)-1
		var ok bool
		switch {
		case isOpt(argv[j], "rank") && more:
			j++
			if rank, ok = c.intArg(argv[j]); !ok {
				return
			}
			if rank == 0 {
				c.replyError(errLposRank)
				return
			}
		case isOpt(argv[j], "count") && more:
			j++
			if count, ok = c.rangeArg(argv[j], 0, math.MaxInt64, errLposCount); !ok {
				return
			}
		case isOpt(argv[j], "maxlen") && more:
			j++
			if maxlen, ok = c.rangeArg(argv[j], 0, math.MaxInt64, errLposMaxlen); !ok {
				return
			}
		default:
			c.replyError(errSyntax)
			return
		}
	}
	// A negative rank searches from the tail. Like Redis, negating the
	// smallest int64 leaves it negative, which then matches the first hit
	// and, with COUNT, every hit after it.
	reverse := rank < 0
	if reverse {
		rank = -rank
	}
	l, ok := c.lookupList(argv[1])
	if !ok {
		return
	}
	if l == nil {
		if count != -1 {
			c.replyEmptyArray()
		} else {
			c.replyNull()
		}
		return
	}
	llen := int64(l.Len())
	start := 0
	if reverse {
		start = l.Len() - 1
	}
	it := l.Iter(start, reverse)
	var small [16]int64
	found := small[:0]
	ele := argv[2]
	index, matches, matchIndex := int64(0), int64(0), int64(-1)
	for maxlen == 0 || index < maxlen {
		v, ok := it.Next()
		if !ok {
			break
		}
		if string(v) == string(ele) {
			matches++
			matchIndex = index
			if reverse {
				matchIndex = llen - index - 1
			}
			if matches >= rank {
				if count == -1 {
					break
				}
				found = append(found, matchIndex)
				if count != 0 && matches-rank+1 >= count {
					break
				}
			}
		}
		index++
		matchIndex = -1
	}
	if count != -1 {
		c.replyArray(len(found))
		for _, i := range found {
			c.replyInt(i)
		}
		return
	}
	if matchIndex != -1 {
		c.replyInt(matchIndex)
	} else {
		c.replyNull()
	}
}

// ---- changing elements ----

func lsetCommand(c *Ctx) {
	l, ok := c.lookupListWrite(c.argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.replyError(errNoSuchKey)
		return
	}
	index, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	i, ok := listIndex(index, l.Len())
	if !ok {
		c.replyError(errIndexOutOfRange)
		return
	}
	l.Set(i, c.argv[3])
	c.replyOK()
	c.notify(notifyList, "lset", c.argv[1])
}

// linsertCommand implements LINSERT key BEFORE|AFTER pivot element: it
// inserts next to the first element equal to pivot, from the head.
func linsertCommand(c *Ctx) {
	var after bool
	switch {
	case isOpt(c.argv[2], "after"):
		after = true
	case isOpt(c.argv[2], "before"):
	default:
		c.replyError(errSyntax)
		return
	}
	l, ok := c.lookupListWrite(c.argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.noChange()
		c.replyInt(0)
		return
	}
	pivot := c.argv[3]
	it := l.Iter(0, false)
	for i := 0; ; i++ {
		v, ok := it.Next()
		if !ok {
			c.noChange()
			c.replyInt(-1)
			return
		}
		if string(v) == string(pivot) {
			if after {
				i++
			}
			l.Insert(i, c.argv[4])
			c.notify(notifyList, "linsert", c.argv[1])
			c.replyInt(int64(l.Len()))
			return
		}
	}
}

// lremCommand implements LREM key count element.
func lremCommand(c *Ctx) {
	count, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	key := c.argv[1]
	l, ok := c.lookupListWrite(key)
	if !ok {
		return
	}
	if l == nil {
		c.noChange()
		c.replyInt(0)
		return
	}
	// A negative count removes from the tail. -MinInt64 stays negative,
	// which Remove, like Redis, takes as no limit.
	fromBack := count < 0
	if fromBack {
		count = -count
	}
	removed := l.Remove(c.argv[3], int(count), fromBack)
	if removed > 0 {
		c.notify(notifyList, "lrem", key)
		c.deleteIfEmpty(key, l)
	} else {
		c.noChange()
	}
	c.replyInt(int64(removed))
}

// ltrimCommand implements LTRIM key start stop.
func ltrimCommand(c *Ctx) {
	start, ok := c.intArg(c.argv[2])
	if !ok {
		return
	}
	end, ok := c.intArg(c.argv[3])
	if !ok {
		return
	}
	key := c.argv[1]
	l, ok := c.lookupListWrite(key)
	if !ok {
		return
	}
	if l == nil {
		c.noChange()
		c.replyOK()
		return
	}
	if start, end, ok = indexRange(start, end, int64(l.Len())); ok {
		l.Trim(int(start), int(end-start+1))
	} else {
		l.Trim(0, 0)
	}
	c.notify(notifyList, "ltrim", key)
	c.deleteIfEmpty(key, l)
	c.replyOK()
}

// ---- moving between lists ----

func lmoveCommand(c *Ctx) {
	fromBack, ok := c.listEnd(c.argv[3])
	if !ok {
		return
	}
	toBack, ok := c.listEnd(c.argv[4])
	if !ok {
		return
	}
	lmoveGeneric(c, fromBack, toBack)
}

func rpoplpushCommand(c *Ctx) { lmoveGeneric(c, true, false) }

// lmoveGeneric pops from the source list and pushes onto the destination,
// which may be the same list (a rotation), replying with the element.
func lmoveGeneric(c *Ctx, fromBack, toBack bool) {
	srcKey, dstKey := c.argv[1], c.argv[2]
	src, ok := c.lookupListWrite(srcKey)
	if !ok {
		return
	}
	if src == nil {
		c.noChange()
		c.replyNull()
		return
	}
	dst, ok := c.lookupListWrite(dstKey)
	if !ok {
		return
	}
	if dst == nil {
		dst = store.NewList()
		c.db.AddList(dstKey, dst, c.now)
	}
	v, _ := src.Move(dst, fromBack, toBack)
	c.touched(c.dbIndex, dstKey) // the destination first, as Redis signals them
	c.notify(notifyList, pushName(toBack), dstKey)
	c.replyBulk(v)
	c.notify(notifyList, popEvent(fromBack), srcKey)
	c.deleteIfEmpty(srcKey, src)
	c.touched(c.dbIndex, srcKey)
}

// lmpopCommand implements LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT
// count]: it pops from the first non-empty list among the keys.
func lmpopCommand(c *Ctx) {
	keys, back, count, ok := mpopArgs(c, "left", "right")
	if !ok {
		return
	}
	if !listMPop(c, keys, back, count) {
		c.noChange()
		c.replyNullArray()
	}
}

// listMPop pops up to count elements from an end of the first non-empty
// list among keys and replies [key, elements], as LMPOP and BLMPOP do when
// they need not block; Redis 7.0 propagates it as LPOP/RPOP key n. It
// reports whether it replied (popped, or WRONGTYPE); false means every
// list is empty.
func listMPop(c *Ctx, keys [][]byte, back bool, count int64) bool {
	for _, key := range keys {
		l, ok := c.lookupListWrite(key)
		if !ok {
			return true
		}
		if l == nil {
			continue
		}
		n := min(count, int64(l.Len()))
		c.replyArray(2)
		c.replyBulk(key)
		popRangeReply(c, l, back, count)
		c.propagate(popName(back), key, num.AppendInt(nil, n))
		c.notify(notifyList, popEvent(back), key)
		c.deleteIfEmpty(key, l)
		c.touched(c.dbIndex, key) // the key popped, not every key named
		return true
	}
	return false
}

// pushName is the keyspace event of a push onto the list's tail (back) or head.
func pushName(back bool) string {
	if back {
		return "rpush"
	}
	return "lpush"
}

// popEvent is the keyspace event of a pop from the list's tail (back) or head.
func popEvent(back bool) string {
	if back {
		return "rpop"
	}
	return "lpop"
}
