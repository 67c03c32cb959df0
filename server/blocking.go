package server

import (
	"container/heap"
	"math"
	"math/big"
	"time"

	"github.com/kvdserver/kvd/internal/num"
	"github.com/kvdserver/kvd/store"
)

// Blocking commands, the way Redis 7.0 runs them (blocked.c, t_list.c,
// t_zset.c):
//
//   - A blocking command whose keys hold nothing to pop blocks its client:
//     it replies nothing, and the client's further input is kept unread
//     until it is served, times out or is unblocked (flagBlocked, like
//     CLIENT_BLOCKED). Inside EXEC or a script (Ctx.denyBlocking) it
//     answers as if its timeout had expired.
//   - Each database key some client waits on has a queue of its waiters, in
//     the order they blocked; a client keeps its place in every queue it is
//     in, so unblocking costs O(keys it waits on).
//   - A write command that changed data marks the keys it names that have
//     waiters as ready (O(keys of the command), and nothing at all while no
//     client waits on a key). When the outermost execution unit ends (a
//     command, EXEC, a script), the ready keys are served in the order they
//     became ready: each waiter whose kind matches the key's type, in
//     blocking order, is served as the non-blocking command would serve it,
//     with Redis's reply and propagation (LPOP, LMOVE, RPOPLPUSH, ZPOPMIN
//     ...), each its own execution unit, until the key is gone. A BLMOVE
//     served pushes onto its destination, which becomes ready in turn.
//   - Deadlines live in a heap; one loop timer fires at the earliest.
//   - WAIT blocks without keys until its deadline: with no replicas there is
//     nothing to acknowledge (replicasAcked is the seam replication plugs
//     into).
//
// A served or timed-out client is queued with the clients a pause
// released (resumeQueue), so that its pending input runs before the loop
// sleeps.

// blockKind is what a blocked client waits for.
type blockKind uint8

const (
	blockNone   blockKind = iota
	blockList             // a list to pop from (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP)
	blockZSet             // a sorted set to pop from (BZPOPMIN, BZPOPMAX, BZMPOP)
	blockWait             // replicas' acknowledgements (WAIT)
	blockStream           // entries of a stream (XREAD, XREADGROUP: cmd_stream_read.go)
)

// blockOp is the blocking command, for the reply's shape and what a served
// pop propagates.
type blockOp uint8

const (
	opPop       blockOp = iota // BLPOP, BRPOP: [key, element]
	opMPop                     // BLMPOP, BZMPOP: [key, [elements]]
	opMove                     // BLMOVE: the element; propagated as LMOVE
	opRPopLPush                // BRPOPLPUSH: the element; propagated as RPOPLPUSH
	opZPop                     // BZPOPMIN, BZPOPMAX: [key, member, score]
	opWait                     // WAIT
	opXRead                    // XREAD, XREADGROUP
)

// dbKey names a key of one database.
type dbKey struct {
	db  int
	key string
}

// waiter is a blocked client's place in the queue of one key.
type waiter struct {
	c          *Client
	prev, next *waiter
}

// waitQueue is the clients waiting on one key, in the order they blocked.
type waitQueue struct {
	head, tail *waiter
	n          int
	ready      bool // in blockIndex.ready
}

func (q *waitQueue) push(w *waiter) {
	w.prev, w.next = q.tail, nil
	if q.tail != nil {
		q.tail.next = w
	} else {
		q.head = w
	}
	q.tail = w
	q.n++
}

func (q *waitQueue) remove(w *waiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		q.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		q.tail = w.prev
	}
	w.prev, w.next = nil, nil
	q.n--
}

// blockState is what a blocked client waits for. A client keeps it once it
// has blocked, for reuse.
type blockState struct {
	kind     blockKind
	op       blockOp
	cmd      *cmdState // the blocking command, for its statistics
	db       int
	keys     []dbKey     // the keys waited on, without duplicates
	places   []*waiter   // the client's place in each key's queue
	target   []byte      // BLMOVE's and BRPOPLPUSH's destination (a copy)
	fromBack bool        // pop from the tail (lists) or the highest score (zsets)
	toBack   bool        // BLMOVE pushes onto the tail
	count    int64       // BLMPOP's and BZMPOP's count; -1 for the others
	deadline int64       // unix ms; 0: none
	heapIdx  int         // index in the timeout heap, -1 if not in it
	xs       *streamWait // XREAD's and XREADGROUP's IDs, group and count

	slow slowPending // for the slow log, which logs the command when it is answered (slowlog.go)
}

// blockIndex is a server's blocked clients: the queues of the keys they
// wait on, the keys made ready by the current execution unit, and their
// deadlines.
type blockIndex struct {
	queues  []map[string]*waitQueue // by database, then key
	nqueues int
	ready   []dbKey
	spare   []dbKey // the ready list last served, reused

	blocked int // blocked clients (every kind)
	onKeys  int // clients blocked on keys (lists and sorted sets)

	timeouts timeoutHeap
	timer    int64 // the loop timer for the earliest deadline, 0 if none
	timerAt  int64 // the deadline it is armed for (unix ms)
}

// timeoutHeap orders blocked clients by deadline.
type timeoutHeap []*Client

func (h timeoutHeap) Len() int { return len(h) }
func (h timeoutHeap) Less(i, j int) bool {
	return h[i].blk.deadline < h[j].blk.deadline
}
func (h timeoutHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].blk.heapIdx, h[j].blk.heapIdx = i, j
}
func (h *timeoutHeap) Push(x any) {
	c := x.(*Client)
	c.blk.heapIdx = len(*h)
	*h = append(*h, c)
}
func (h *timeoutHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	c.blk.heapIdx = -1
	return c
}

// blockingSizes reports the sizes of every index of blocked clients, for
// tests: all are 0 once no client is blocked.
func (s *Server) blockingSizes() (queues, ready, timeouts, blocked, onKeys int) {
	b := &s.blk
	return b.nqueues, len(b.ready), len(b.timeouts), b.blocked, b.onKeys
}

// ---- arguments ----

var thousand = new(big.Float).SetPrec(64).SetInt64(1000)

// timeoutArg parses a blocking command's timeout, in seconds, into a
// deadline (unix ms; 0 for none), like Redis 7.0's
// getTimeoutFromObjectOrReply: a long double, multiplied by 1000 in long
// double precision and rounded up to a whole millisecond; a product outside
// the range of a 64-bit integer converts (as on x86-64) to the most
// negative one.
func (c *Ctx) timeoutArg(b []byte) (deadline int64, ok bool) {
	f, ok := num.ParseLongDouble(b)
	if !ok {
		c.replyError(errTimeoutNotFloat)
		return 0, false
	}
	ms := int64(math.MinInt64)
	if !f.IsInf() {
		p := new(big.Float).SetPrec(64).SetMode(big.ToNearestEven).Mul(f, thousand)
		i, acc := p.Int(nil) // truncated toward zero
		if acc == big.Below {
			i.Add(i, big.NewInt(1)) // a positive fraction rounds up
		}
		if i.IsInt64() {
			ms = i.Int64()
		}
	}
	return c.deadlineAfter(ms)
}

// msTimeoutArg parses WAIT's timeout, whole milliseconds, into a deadline.
func (c *Ctx) msTimeoutArg(b []byte) (deadline int64, ok bool) {
	ms, ok := c.intArgMsg(b, errTimeoutNotInteger)
	if !ok {
		return 0, false
	}
	return c.deadlineAfter(ms)
}

// deadlineAfter turns a timeout in ms into a deadline, replying an error
// for a negative one. A deadline past the end of time is no deadline.
func (c *Ctx) deadlineAfter(ms int64) (int64, bool) {
	if ms < 0 {
		c.replyError(errTimeoutNegative)
		return 0, false
	}
	if ms == 0 || ms > math.MaxInt64-c.now {
		return 0, true
	}
	return c.now + ms, true
}

// ---- blocking and unblocking ----

// block blocks the calling client on keys (none for WAIT) until deadline
// (0: for ever). The command replies nothing now and changes nothing.
func (c *Ctx) block(kind blockKind, op blockOp, keys [][]byte, deadline int64) *blockState {
	s := c.srv
	cl := c.client
	if cl.blk == nil {
		cl.blk = &blockState{heapIdx: -1}
	}
	b := cl.blk
	b.kind, b.op, b.cmd, b.db, b.deadline = kind, op, c.cmd, c.dbIndex, deadline
	b.target, b.fromBack, b.toBack, b.count = nil, false, false, -1
	bi := &s.blk
	if bi.queues == nil {
		bi.queues = make([]map[string]*waitQueue, len(s.dbs))
	}
	queues := bi.queues[c.dbIndex]
	if queues == nil {
		queues = make(map[string]*waitQueue)
		bi.queues[c.dbIndex] = queues
	}
	for _, k := range keys {
		dk := dbKey{c.dbIndex, string(k)}
		dup := false
		for _, have := range b.keys {
			if have == dk {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		q := queues[dk.key]
		if q == nil {
			q = &waitQueue{}
			queues[dk.key] = q
			bi.nqueues++
		}
		// A client reuses its waiters from one block to the next.
		var w *waiter
		if n := len(b.places); n < cap(b.places) {
			w = b.places[:n+1][n]
		}
		if w == nil {
			w = &waiter{c: cl}
		}
		q.push(w)
		b.keys = append(b.keys, dk)
		b.places = append(b.places, w)
	}
	cl.flags |= flagBlocked
	bi.blocked++
	if kind == blockList || kind == blockZSet || kind == blockStream {
		bi.onKeys++
	}
	if deadline != 0 {
		heap.Push(&bi.timeouts, cl)
		s.armBlockTimer(deadline)
	}
	c.noChange()
	return b
}

// unblock removes a blocked client from every index. Unless it is gone, it
// is queued to run its pending input before the loop sleeps.
func (s *Server) unblock(c *Client) {
	if c.flags&flagBlocked == 0 {
		return
	}
	b, bi := c.blk, &s.blk
	for i, dk := range b.keys {
		queues := bi.queues[dk.db]
		q := queues[dk.key]
		q.remove(b.places[i])
		if q.n == 0 {
			delete(queues, dk.key)
			bi.nqueues--
		}
	}
	clear(b.keys)
	b.keys, b.places = b.keys[:0], b.places[:0]
	if b.heapIdx >= 0 {
		heap.Remove(&bi.timeouts, b.heapIdx)
	}
	bi.blocked--
	if b.kind == blockList || b.kind == blockZSet || b.kind == blockStream {
		bi.onKeys--
	}
	b.kind, b.target, b.cmd = blockNone, nil, nil
	c.flags &^= flagBlocked
	if !c.closed() && c.flags&flagResumeQueued == 0 {
		c.flags |= flagResumeQueued
		s.resumeQueue = append(s.resumeQueue, c)
	}
}

// armBlockTimer makes the block timer fire by deadline.
func (s *Server) armBlockTimer(deadline int64) {
	bi := &s.blk
	if bi.timer != 0 && bi.timerAt <= deadline {
		return
	}
	if bi.timer != 0 {
		s.loop.CancelTimer(bi.timer)
	}
	bi.timerAt = deadline
	bi.timer = s.loop.AddTimer(time.Duration(max(deadline-s.nowMs(), 0))*time.Millisecond, s.blockTimeouts)
}

// blockTimeouts is the block timer's callback: it answers the clients
// whose deadline has passed and waits for the next deadline.
func (s *Server) blockTimeouts() time.Duration {
	bi := &s.blk
	now := s.nowMs()
	for len(bi.timeouts) > 0 && bi.timeouts[0].blk.deadline <= now {
		c := bi.timeouts[0]
		mark := len(c.out)
		s.replyTimedOut(c)
		s.unblocked(c, mark)
	}
	if len(bi.timeouts) == 0 {
		bi.timer = 0
		return 0
	}
	bi.timerAt = bi.timeouts[0].blk.deadline
	return time.Duration(max(bi.timerAt-now, 1)) * time.Millisecond
}

// replyTimedOut gives a blocked client the answer of an expired timeout.
func (s *Server) replyTimedOut(c *Client) {
	if c.blk.kind == blockWait {
		c.replyInt(int64(s.replicasAcked(c)))
		return
	}
	c.replyNullArray()
}

// replicasAcked is how many replicas acknowledged the writes a WAIT waits
// for: none, as kvd has no replication yet. Replication plugs in here, and
// wakes the clients blocked in WAIT (blockWait) whose count is reached.

// clientUnblocked unblocks the client with id as CLIENT UNBLOCK does, with
// the timeout's answer or, if withError, an -UNBLOCKED error. It reports
// whether the client was blocked. A client held by CLIENT PAUSE is not
// blocked by its command and is left alone.
func (s *Server) clientUnblocked(id int64, withError bool) bool {
	c := s.clients[id]
	if c == nil || c.flags&flagBlocked == 0 {
		return false
	}
	mark := len(c.out)
	s.slowlogUnblocked(c, false)
	if withError {
		c.replyError(errUnblocked)
	} else {
		s.replyTimedOut(c)
	}
	if c.blk.cmd != nil {
		c.blk.cmd.failed++ // Redis 7.0 counts the command failed either way
	}
	s.unblocked(c, mark)
	return true
}

// unblocked unblocks a client that has just been answered (its reply
// starting at mark in its output) and schedules the reply's write; CLIENT
// REPLY OFF drops the reply.
func (s *Server) unblocked(c *Client, mark int) {
	if c.flags&flagReplyOff != 0 {
		c.out = c.out[:mark]
	}
	s.unblock(c)
	c.flush()
}

// ---- ready keys ----

// afterCall runs after every command while some client is blocked: it
// marks the keys a write named as ready, and at the end of the outermost
// execution unit serves the clients waiting on the ready keys.
func (s *Server) afterCall(x *Ctx, cmd *cmdState, changes int) {
	bi := &s.blk
	if changes > 0 && bi.onKeys > 0 && cmd.Flags&FlagWrite != 0 {
		s.signalKeysOf(x.dbIndex, cmd, x.argv)
	}
	if s.prop.depth == 0 && len(bi.ready) > 0 {
		s.serveReady()
	}
}

// signalKeysOf marks the keys of a write command as ready: from its
// fixed key positions without allocating, or as COMMAND GETKEYS finds them
// for a command whose keys move.
func (s *Server) signalKeysOf(db int, cmd *cmdState, argv [][]byte) {
	if cmd.GetKeys == nil && cmd.Flags&FlagMovableKeys == 0 && cmd.FirstKey > 0 {
		last := cmd.LastKey
		if last < 0 {
			last += len(argv)
		}
		for i := cmd.FirstKey; i <= last && i < len(argv); i += max(cmd.Step, 1) {
			s.signalKey(db, argv[i])
		}
		return
	}
	for _, r := range cmd.findKeys(argv) {
		s.signalKey(db, argv[r.pos])
	}
}

// signalKey marks key of database db as ready if a client waits on it and
// it holds a list or a sorted set.
func (s *Server) signalKey(db int, key []byte) {
	bi := &s.blk
	if bi.onKeys == 0 {
		return
	}
	q := bi.queues[db][string(key)]
	if q == nil || q.ready {
		return
	}
	// Like Redis, which signals a key when a list or sorted set is
	// created under it, a key that holds another type is not ready, so
	// keys become ready in the order Redis makes them ready.
	e, ok := s.dbs[db].LookupWith(key, s.now(), store.NoTouch|store.NoStats)
	if !ok || e.Type() != store.TypeList && e.Type() != store.TypeZSet && e.Type() != store.TypeStream {
		// A stream gone (or replaced) answers the XREADGROUP readers.
		if !q.hasGroupReaders() {
			return
		}
	}
	q.ready = true
	bi.ready = append(bi.ready, dbKey{db, string(key)})
}

// signalDB marks every key of database db that clients wait on as ready,
// for a command that changed a whole database (SWAPDB).
func (s *Server) signalDB(db int) {
	if s.blk.queues == nil {
		return
	}
	for key := range s.blk.queues[db] {
		s.signalKey(db, []byte(key))
	}
}

// serveReady serves the clients waiting on the ready keys, in the order the
// keys became ready; keys that serving makes ready (BLMOVE's destination)
// are served next, until none is left.
func (s *Server) serveReady() {
	bi := &s.blk
	for len(bi.ready) > 0 {
		keys := bi.ready
		bi.ready = bi.spare[:0]
		for i, dk := range keys {
			s.serveKey(dk)
			keys[i] = dbKey{}
		}
		bi.spare = keys[:0]
	}
}

// serveKey serves the clients waiting on one ready key whose type matches
// what they wait for, in the order they blocked, until the key is gone.
func (s *Server) serveKey(dk dbKey) {
	q := s.blk.queues[dk.db][dk.key]
	if q == nil {
		return
	}
	q.ready = false
	key := []byte(dk.key)
	e, found := s.dbs[dk.db].LookupWith(key, s.nowMs(), store.NoStats|store.NoTouch)
	if !found || e.Type() != store.TypeList && e.Type() != store.TypeZSet {
		s.serveStreamKey(q, key, e, found)
		return
	}
	var kind blockKind
	switch e.Type() {
	case store.TypeList:
		kind = blockList
	case store.TypeZSet:
		kind = blockZSet
	default:
		return
	}
	for w := q.head; w != nil; {
		next := w.next
		c := w.c
		if c.blk.kind == kind {
			if s.serveClient(c, key) {
				return
			}
		}
		w = next
	}
}

// serveClient serves a client blocked on key, which holds what it waits
// for, and unblocks it. It reports whether the key is gone.
func (s *Server) serveClient(c *Client, key []byte) (gone bool) {
	x := &c.Ctx
	b := c.blk
	mark := len(c.out)
	x.now = s.nowMs()
	s.lastNow = x.now
	x.errored, x.changes, x.rewritten = false, -1, false
	s.prop.enter()
	switch b.kind {
	case blockList:
		gone = serveList(x, b, key)
	case blockZSet:
		gone = serveZSet(x, b, key)
	}
	s.prop.exit()
	if x.errored && b.cmd != nil {
		b.cmd.failed++
	}
	s.slowlogUnblocked(c, true)
	s.unblocked(c, mark)
	return gone
}

var (
	bLPOP      = []byte("LPOP")
	bRPOP      = []byte("RPOP")
	bLMOVE     = []byte("LMOVE")
	bRPOPLPUSH = []byte("RPOPLPUSH")
	bZPOPMIN   = []byte("ZPOPMIN")
	bZPOPMAX   = []byte("ZPOPMAX")
	bLeft      = []byte("left")
	bRight     = []byte("right")
)

func popName(back bool) []byte {
	if back {
		return bRPOP
	}
	return bLPOP
}

func zpopName(highest bool) []byte {
	if highest {
		return bZPOPMAX
	}
	return bZPOPMIN
}

func sideName(back bool) []byte {
	if back {
		return bRight
	}
	return bLeft
}

// serveList serves a client blocked on a list, as Redis's
// serveClientBlockedOnList does.
func serveList(x *Ctx, b *blockState, key []byte) (gone bool) {
	l, _ := x.lookupListWrite(key)
	switch b.op {
	case opPop:
		v := popOne(l, b.fromBack)
		x.replyArray(2)
		x.replyBulk(key)
		x.replyBulk(v)
		x.propagate(popName(b.fromBack), key)
		x.notify(notifyList, popEvent(b.fromBack), key)
	case opMPop:
		n := min(b.count, int64(l.Len()))
		x.replyArray(2)
		x.replyBulk(key)
		popRangeReply(x, l, b.fromBack, b.count)
		x.propagate(popName(b.fromBack), key, num.AppendInt(nil, n))
		x.notify(notifyList, popEvent(b.fromBack), key)
	case opMove, opRPopLPush:
		dst, ok := x.lookupListWrite(b.target)
		if !ok {
			return false // WRONGTYPE: nothing popped
		}
		if dst == nil {
			dst = store.NewList()
			x.db.AddList(b.target, dst, x.now)
		}
		v, _ := l.Move(dst, b.fromBack, b.toBack)
		x.replyBulk(v)
		x.notify(notifyList, pushName(b.toBack), b.target)
		x.notify(notifyList, popEvent(b.fromBack), key)
		if b.op == opRPopLPush {
			x.propagate(bRPOPLPUSH, key, b.target)
		} else {
			x.propagate(bLMOVE, key, b.target, sideName(b.fromBack), sideName(b.toBack))
		}
		x.srv.signalKey(x.dbIndex, b.target)
	}
	if l.Len() == 0 {
		x.db.Delete(key, x.now)
		x.notify(notifyGeneric, "del", key)
		return true
	}
	return false
}

// serveZSet serves a client blocked on a sorted set.
func serveZSet(x *Ctx, b *blockState, key []byte) (gone bool) {
	e, _ := x.lookupWrite(key)
	z := e.ZSet()
	n := z.Len()
	if b.op == opMPop {
		zpopGeneric(x, [][]byte{key}, b.fromBack, true, b.count)
		x.propagate(zpopName(b.fromBack), key, num.AppendInt(nil, min(b.count, int64(n))))
	} else {
		zpopOneReply(x, key, z, b.fromBack)
		x.propagate(zpopName(b.fromBack), key)
	}
	return n <= int(max(b.count, 1))
}

// popOne pops one element from an end of l.
func popOne(l *store.List, back bool) []byte {
	var v []byte
	if back {
		v, _ = l.PopBack()
	} else {
		v, _ = l.PopFront()
	}
	return v
}

// zpopOneReply pops the member with the lowest (or highest) score and
// replies [key, member, score], as BZPOPMIN and BZPOPMAX do, deleting the
// key if that emptied it.
func zpopOneReply(x *Ctx, key []byte, z *store.ZSet, highest bool) {
	x.replyArray(3)
	x.replyBulk(key)
	emit := func(m []byte, score float64) bool {
		x.replyBulk(m)
		x.replyDouble(score)
		return false
	}
	if highest {
		z.Descend(z.Len()-1, emit)
		z.RemoveRanks(z.Len()-1, z.Len())
	} else {
		z.Ascend(0, emit)
		z.RemoveRanks(0, 1)
	}
	x.notify(notifyZSet, zpopEvent(highest), key)
	x.deleteIfEmptyZSet(key, z)
}

// ---- the commands ----

// blpopCommand is BLPOP key [key ...] timeout.
func blpopCommand(c *Ctx) { blockingPop(c, false) }

// brpopCommand is BRPOP key [key ...] timeout.
func brpopCommand(c *Ctx) { blockingPop(c, true) }

// blockingPop implements BLPOP and BRPOP: pop from the first non-empty list
// among the keys (propagated as LPOP or RPOP), or block.
func blockingPop(c *Ctx, back bool) {
	deadline, ok := c.timeoutArg(c.argv[len(c.argv)-1])
	if !ok {
		return
	}
	keys := c.argv[1 : len(c.argv)-1]
	for _, key := range keys {
		l, ok := c.lookupListWrite(key)
		if !ok {
			return
		}
		if l == nil {
			continue
		}
		v := popOne(l, back)
		c.replyArray(2)
		c.replyBulk(key)
		c.replyBulk(v)
		c.propagate(popName(back), key)
		c.notify(notifyList, popEvent(back), key)
		c.deleteIfEmpty(key, l)
		c.touched(c.dbIndex, key) // the key popped, not every key named
		return
	}
	if c.denyBlocking {
		c.replyNullArray()
		return
	}
	b := c.block(blockList, opPop, keys, deadline)
	b.fromBack = back
}

// blmpopCommand is BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT
// count].
func blmpopCommand(c *Ctx) {
	keys, back, count, ok := mpopArgsAt(c, 2, "left", "right")
	if !ok {
		return
	}
	deadline, ok := c.timeoutArg(c.argv[1])
	if !ok {
		return
	}
	if listMPop(c, keys, back, count) {
		return
	}
	if c.denyBlocking {
		c.replyNullArray()
		return
	}
	b := c.block(blockList, opMPop, keys, deadline)
	b.fromBack, b.count = back, count
}

// blmoveCommand is BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout.
func blmoveCommand(c *Ctx) {
	fromBack, ok := c.listEnd(c.argv[3])
	if !ok {
		return
	}
	toBack, ok := c.listEnd(c.argv[4])
	if !ok {
		return
	}
	deadline, ok := c.timeoutArg(c.argv[5])
	if !ok {
		return
	}
	blockingMove(c, opMove, fromBack, toBack, deadline)
}

// brpoplpushCommand is BRPOPLPUSH source destination timeout.
func brpoplpushCommand(c *Ctx) {
	deadline, ok := c.timeoutArg(c.argv[3])
	if !ok {
		return
	}
	blockingMove(c, opRPopLPush, true, false, deadline)
}

// blockingMove moves an element like LMOVE when the source list exists
// (propagated as LMOVE or RPOPLPUSH), or blocks on the source.
func blockingMove(c *Ctx, op blockOp, fromBack, toBack bool, deadline int64) {
	src, dst := c.argv[1], c.argv[2]
	l, ok := c.lookupListWrite(src)
	if !ok {
		return
	}
	if l != nil {
		errored := c.errored
		lmoveGeneric(c, fromBack, toBack)
		if c.errored == errored {
			if op == opRPopLPush {
				c.propagate(bRPOPLPUSH, src, dst)
			} else {
				c.propagate(bLMOVE, src, dst, c.argv[3], c.argv[4])
			}
		}
		return
	}
	if c.denyBlocking {
		c.replyNull()
		return
	}
	b := c.block(blockList, op, c.argv[1:2], deadline)
	b.target = append([]byte(nil), dst...)
	b.fromBack, b.toBack = fromBack, toBack
}

// bzpopminCommand is BZPOPMIN key [key ...] timeout.
func bzpopminCommand(c *Ctx) { blockingZPop(c, false) }

// bzpopmaxCommand is BZPOPMAX key [key ...] timeout.
func bzpopmaxCommand(c *Ctx) { blockingZPop(c, true) }

// blockingZPop implements BZPOPMIN and BZPOPMAX: pop from the first
// existing sorted set among the keys (propagated as ZPOPMIN or ZPOPMAX),
// or block.
func blockingZPop(c *Ctx, highest bool) {
	deadline, ok := c.timeoutArg(c.argv[len(c.argv)-1])
	if !ok {
		return
	}
	keys := c.argv[1 : len(c.argv)-1]
	for _, key := range keys {
		e, found, ok := c.lookupTypeWrite(key, store.TypeZSet)
		if !ok {
			return
		}
		if !found {
			continue
		}
		zpopOneReply(c, key, e.ZSet(), highest)
		c.propagate(zpopName(highest), key)
		c.touched(c.dbIndex, key) // the key popped, not every key named
		return
	}
	if c.denyBlocking {
		c.replyNullArray()
		return
	}
	b := c.block(blockZSet, opZPop, keys, deadline)
	b.fromBack = highest
}

// bzmpopCommand is BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT
// count].
func bzmpopCommand(c *Ctx) {
	keys, highest, count, ok := mpopArgsAt(c, 2, "min", "max")
	if !ok {
		return
	}
	deadline, ok := c.timeoutArg(c.argv[1])
	if !ok {
		return
	}
	if zsetMPop(c, keys, highest, count) {
		return
	}
	if c.denyBlocking {
		c.replyNullArray()
		return
	}
	b := c.block(blockZSet, opMPop, keys, deadline)
	b.fromBack, b.count = highest, count
}

// waitCommand is WAIT numreplicas timeout: it answers how many replicas
// acknowledged the client's writes, at once if enough did (or inside EXEC),
// else when the timeout expires (0: never).
func waitCommand(c *Ctx) {
	n, ok := c.intArg(c.argv[1])
	if !ok {
		return
	}
	deadline, ok := c.msTimeoutArg(c.argv[2])
	if !ok {
		return
	}
	acked := c.srv.replicasAcked(c.client)
	if int64(acked) >= n || c.denyBlocking {
		c.replyInt(int64(acked))
		return
	}
	c.block(blockWait, opWait, nil, deadline)
	c.srv.replWaitBlocked(c.client, n)
}

// blmpopGetKeys finds the keys of BLMPOP and BZMPOP: timeout numkeys key ...
func blmpopGetKeys(argv [][]byte) []int { return numkeysKeys(argv, 2, false) }
