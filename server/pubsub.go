package server

import (
	"strconv"

	"github.com/kvdserver/kvd/internal/glob"
)

// Pub/Sub: the server's subscription registries, the per-client sets and
// message delivery. The commands are in cmd_pubsub.go.
//
// As in Redis, a channel maps to its subscribers in subscription order and
// a pattern to the clients subscribed to it; a client keeps the set of its
// channels and shard channels and the list of its patterns (Redis 7.0
// keeps patterns in a list, so PUNSUBSCRIBE without arguments answers in
// subscription order; channels are in a hash table, whose order kvd does
// not reproduce). Messages are encoded once per PUBLISH (once per matching
// pattern for pattern subscribers) and copied into each subscriber's output
// buffer, which the loop writes once before it sleeps.

// pubsubState is a server's subscription registry.
type pubsubState struct {
	channels map[string]*subscribers // channel → its subscribers
	shard    map[string]*subscribers // shard channel → its subscribers
	patterns map[string]*subscribers // pattern → its subscribers
	patList  []*subscribers          // the patterns, for matching (each knows its index)

	msg     []byte    // scratch: the message being delivered, RESP2-encoded
	closing []*Client // clients over their output limit, closed before the loop sleeps
}

// subscribers are the clients subscribed to one channel or pattern.
type subscribers struct {
	name    string
	clients []*Client
	idx     int // position in pubsubState.patList, for a pattern
}

func (l *subscribers) remove(c *Client) {
	for i, cl := range l.clients {
		if cl == c {
			copy(l.clients[i:], l.clients[i+1:])
			l.clients[len(l.clients)-1] = nil
			l.clients = l.clients[:len(l.clients)-1]
			return
		}
	}
}

// clientPubsub is what one client is subscribed to.
type clientPubsub struct {
	channels nameSet
	shard    nameSet
	patterns []string // in subscription order
}

// nameSet is a set of names that remembers an order (insertion order,
// until a removal moves the last name into the hole).
type nameSet struct {
	idx   map[string]int
	names []string
}

func (s *nameSet) len() int { return len(s.names) }

func (s *nameSet) has(name []byte) bool {
	_, ok := s.idx[string(name)]
	return ok
}

// add adds name and reports whether it was new.
func (s *nameSet) add(name string) bool {
	if _, ok := s.idx[name]; ok {
		return false
	}
	if s.idx == nil {
		s.idx = make(map[string]int)
	}
	s.idx[name] = len(s.names)
	s.names = append(s.names, name)
	return true
}

// remove removes name and reports whether it was there.
func (s *nameSet) remove(name []byte) bool {
	i, ok := s.idx[string(name)]
	if !ok {
		return false
	}
	delete(s.idx, string(name))
	last := len(s.names) - 1
	if i != last {
		s.names[i] = s.names[last]
		s.idx[s.names[i]] = i
	}
	s.names[last] = ""
	s.names = s.names[:last]
	return true
}

func newPubsubState() pubsubState {
	return pubsubState{
		channels: make(map[string]*subscribers),
		shard:    make(map[string]*subscribers),
		patterns: make(map[string]*subscribers),
	}
}

// pubsubKind is one of the three kinds of subscription.
type pubsubKind int

const (
	kindChannel pubsubKind = iota
	kindShard
	kindPattern
)

// Message type names, per kind: subscribe, unsubscribe, message.
var pubsubNames = [3][3]string{
	kindChannel: {"subscribe", "unsubscribe", "message"},
	kindShard:   {"ssubscribe", "sunsubscribe", "smessage"},
	kindPattern: {"psubscribe", "punsubscribe", "pmessage"},
}

func (c *Client) pubsub() *clientPubsub {
	if c.ps == nil {
		c.ps = &clientPubsub{}
	}
	return c.ps
}

// subscriptions is the count a (p)subscribe or (p)unsubscribe reply
// carries: channels and patterns; the shard kinds count shard channels.
func (c *Client) subscriptions(kind pubsubKind) int {
	if c.ps == nil {
		return 0
	}
	if kind == kindShard {
		return c.ps.shard.len()
	}
	return c.ps.channels.len() + len(c.ps.patterns)
}

// totalSubscriptions counts every subscription of the client; it is in
// subscribed mode while it has any.
func (c *Client) totalSubscriptions() int {
	if c.ps == nil {
		return 0
	}
	return c.ps.channels.len() + c.ps.shard.len() + len(c.ps.patterns)
}

// inPubsub reports whether the client is in subscribed mode.
func (c *Client) inPubsub() bool { return c.flags&flagPubSub != 0 }

// replySubscription replies one subscribe/unsubscribe confirmation: an
// array in RESP2, a push in RESP3; a nil name is a null (unsubscribing
// while subscribed to nothing). Like Redis, CLIENT REPLY OFF and SKIP do
// not silence it: while they are in effect it goes to the client's
// pushKeep, which execute adds back after dropping the command's replies.
func (x *Ctx) replySubscription(kind pubsubKind, op int, name []byte, count int) {
	if c := x.client; c.flags&(flagReplyOff|flagReplySkip) != 0 && x.pooled {
		out := x.out
		x.out = c.pushKeep
		x.pooled = false
		x.replySubscription(kind, op, name, count)
		c.pushKeep, x.out, x.pooled = x.out, out, true
		return
	}
	if x.proto == 2 {
		x.replyArray(3)
	} else {
		x.out = appendLen(x.buf(), '>', 3)
	}
	x.replyBulkString(pubsubNames[kind][op])
	if name == nil {
		x.replyNull()
	} else {
		x.replyBulk(name)
	}
	x.replyInt(int64(count))
}

func appendLen(b []byte, prefix byte, n int) []byte {
	b = append(b, prefix)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

func appendBulk(b, s []byte) []byte {
	b = appendLen(b, '$', len(s))
	b = append(b, s...)
	return append(b, '\r', '\n')
}

func appendBulkStr(b []byte, s string) []byte {
	b = appendLen(b, '$', len(s))
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// subscribe subscribes c to name; it reports whether it was new.
func (s *Server) subscribe(c *Client, kind pubsubKind, name []byte) bool {
	ps := c.pubsub()
	var reg map[string]*subscribers
	switch kind {
	case kindChannel:
		if ps.channels.has(name) {
			return false
		}
		ps.channels.add(string(name))
		reg = s.ps.channels
	case kindShard:
		if ps.shard.has(name) {
			return false
		}
		ps.shard.add(string(name))
		reg = s.ps.shard
	case kindPattern:
		for _, p := range ps.patterns {
			if p == string(name) {
				return false
			}
		}
		ps.patterns = append(ps.patterns, string(name))
		reg = s.ps.patterns
	}
	l := reg[string(name)]
	if l == nil {
		l = &subscribers{name: string(name)}
		reg[l.name] = l
		if kind == kindPattern {
			l.idx = len(s.ps.patList)
			s.ps.patList = append(s.ps.patList, l)
		}
	}
	l.clients = append(l.clients, c)
	c.flags |= flagPubSub
	return true
}

// unsubscribe unsubscribes c from name; it reports whether c was
// subscribed to it.
func (s *Server) unsubscribe(c *Client, kind pubsubKind, name []byte) bool {
	ps := c.ps
	if ps == nil {
		return false
	}
	var reg map[string]*subscribers
	switch kind {
	case kindChannel:
		if !ps.channels.remove(name) {
			return false
		}
		reg = s.ps.channels
	case kindShard:
		if !ps.shard.remove(name) {
			return false
		}
		reg = s.ps.shard
	case kindPattern:
		found := false
		for i, p := range ps.patterns {
			if p == string(name) {
				copy(ps.patterns[i:], ps.patterns[i+1:])
				ps.patterns[len(ps.patterns)-1] = ""
				ps.patterns = ps.patterns[:len(ps.patterns)-1]
				found = true
				break
			}
		}
		if !found {
			return false
		}
		reg = s.ps.patterns
	}
	if l := reg[string(name)]; l != nil {
		l.remove(c)
		if len(l.clients) == 0 {
			delete(reg, l.name)
			if kind == kindPattern {
				last := len(s.ps.patList) - 1
				moved := s.ps.patList[last]
				s.ps.patList[l.idx] = moved
				moved.idx = l.idx
				s.ps.patList[last] = nil
				s.ps.patList = s.ps.patList[:last]
			}
		}
	}
	return true
}

// subscribeCmd subscribes the caller to each name of argv[1:] and confirms each.
func (s *Server) subscribeCmd(x *Ctx, kind pubsubKind) {
	c := x.client
	for _, name := range x.argv[1:] {
		s.subscribe(c, kind, name)
		x.replySubscription(kind, 0, name, c.subscriptions(kind))
	}
	c.flags |= flagPubSub
}

// unsubscribeCmd unsubscribes the caller from the names of argv[1:], or
// from every name of the kind if there are none, confirming each; with no
// subscription of the kind it confirms a null name.
func (s *Server) unsubscribeCmd(x *Ctx, kind pubsubKind) {
	c := x.client
	if len(x.argv) > 1 {
		for _, name := range x.argv[1:] {
			s.unsubscribe(c, kind, name)
			x.replySubscription(kind, 1, name, c.subscriptions(kind))
		}
	} else if !s.unsubscribeAll(c, kind, x) {
		x.replySubscription(kind, 1, nil, c.subscriptions(kind))
	}
	if c.totalSubscriptions() == 0 {
		c.flags &^= flagPubSub
	}
}

// unsubscribeAll unsubscribes c from every name of a kind, confirming each
// on x if it is not nil; it reports whether there were any.
func (s *Server) unsubscribeAll(c *Client, kind pubsubKind, x *Ctx) bool {
	ps := c.ps
	if ps == nil {
		return false
	}
	any := false
	for {
		var name string
		switch kind {
		case kindChannel:
			if ps.channels.len() == 0 {
				return any
			}
			name = ps.channels.names[0]
		case kindShard:
			if ps.shard.len() == 0 {
				return any
			}
			name = ps.shard.names[0]
		case kindPattern:
			if len(ps.patterns) == 0 {
				return any
			}
			name = ps.patterns[0]
		}
		any = true
		b := []byte(name)
		s.unsubscribe(c, kind, b)
		if x != nil {
			x.replySubscription(kind, 1, b, c.subscriptions(kind))
		}
	}
}

// pubsubFree drops every subscription of a client that is going away (or
// RESET) without confirming any.
func (s *Server) pubsubFree(c *Client) {
	if c.ps == nil {
		return
	}
	s.unsubscribeAll(c, kindChannel, nil)
	s.unsubscribeAll(c, kindShard, nil)
	s.unsubscribeAll(c, kindPattern, nil)
	c.flags &^= flagPubSub
	c.ps = nil
}

// publish delivers message on channel to subscribers and pattern subscribers; it returns the receiver count.
func (s *Server) publish(channel, message []byte) int {
	return s.publishKind(kindChannel, channel, message)
}

// spublish delivers message on shard channel to its subscribers; it returns the receiver count.
func (s *Server) spublish(channel, message []byte) int {
	return s.publishKind(kindShard, channel, message)
}

// publishKind delivers a message to the subscribers of a channel or shard
// channel and, for a channel, to the subscribers of every matching
// pattern (a client subscribed to several matching patterns gets one
// message per pattern), in Redis's order: channel subscribers in
// subscription order, then pattern by pattern.
func (s *Server) publishKind(kind pubsubKind, channel, message []byte) int {
	reg := s.ps.channels
	if kind == kindShard {
		reg = s.ps.shard
	}
	n := 0
	if l := reg[string(channel)]; l != nil && len(l.clients) > 0 {
		b := appendLen(s.ps.msg[:0], '*', 3)
		b = appendBulkStr(b, pubsubNames[kind][2])
		b = appendBulk(b, channel)
		b = appendBulk(b, message)
		s.ps.msg = b
		for _, c := range l.clients {
			s.deliver(c, b)
		}
		n += len(l.clients)
	}
	if kind == kindChannel {
		for i := 0; i < len(s.ps.patList); i++ {
			l := s.ps.patList[i]
			if !glob.MatchPattern(l.name, channel) {
				continue
			}
			b := appendLen(s.ps.msg[:0], '*', 4)
			b = appendBulkStr(b, "pmessage")
			b = appendBulkStr(b, l.name)
			b = appendBulk(b, channel)
			b = appendBulk(b, message)
			s.ps.msg = b
			for _, c := range l.clients {
				s.deliver(c, b)
			}
			n += len(l.clients)
		}
	}
	return n
}

// deliver appends a RESP2-encoded message to a subscriber's output (as a
// push in RESP3) and schedules its write. A subscriber whose pending output
// goes over its class's limit gets no more and is closed before the loop
// sleeps, as Redis closes such a client asynchronously: delivery may run
// in the middle of another client's command or of serving blocked clients.
//
// Like Redis, CLIENT REPLY OFF does not silence messages.
func (s *Server) deliver(c *Client, msg []byte) {
	if c.flags&(flagClosed|flagCloseAfterReply|flagCloseASAP) != 0 {
		return
	}
	x := &c.Ctx
	b := x.reserve(len(msg))
	start := len(b)
	b = append(b, msg...)
	if x.proto == 3 {
		b[start] = '>'
	}
	x.out = b
	if c.fd < 0 {
		return
	}
	s.afterDelivery(c)
}

// afterDelivery schedules the write of what was delivered to c, closes c
// before the loop sleeps if that put it over its output limit, and else
// moves a full output buffer to its queue of blocks, as after a command
// (not while c runs a command of its own: it has arguments then, and may
// still patch its replies).
func (s *Server) afterDelivery(c *Client) {
	c.flush()
	if s.overOutputLimit(c) {
		s.closeASAP(c)
	} else if len(c.argv) == 0 {
		c.maybeSpill()
	}
}

// closeASAP schedules c to be closed before the loop sleeps (it is over its
// output buffer limit); nothing more is appended to its output meanwhile.
func (s *Server) closeASAP(c *Client) {
	if c.flags&flagCloseASAP != 0 {
		return
	}
	c.flags |= flagCloseASAP
	s.logf(levelWarning, "Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", c.infoString())
	s.ps.closing = append(s.ps.closing, c)
}

// closeOverLimit closes the clients scheduled by closeASAP.
func (s *Server) closeOverLimit() {
	for i, c := range s.ps.closing {
		c.close()
		s.ps.closing[i] = nil
	}
	s.ps.closing = s.ps.closing[:0]
}

// pubsubCounts are INFO's pubsub_channels, pubsub_patterns and pubsubshard_channels.
func (s *Server) pubsubCounts() (channels, patterns, shard int) {
	return len(s.ps.channels), len(s.ps.patterns), len(s.ps.shard)
}

// clientSubCounts are CLIENT LIST's sub, psub and ssub.
func (c *Client) clientSubCounts() (sub, psub, ssub int) {
	if c.ps == nil {
		return 0, 0, 0
	}
	return c.ps.channels.len(), len(c.ps.patterns), c.ps.shard.len()
}

// deliverRaw appends msg, the same in both protocols (a MONITOR line), to
// c's output and schedules its write, closing c before the loop sleeps if
// that puts it over its output limit.
func (s *Server) deliverRaw(c *Client, msg []byte) {
	if c.flags&(flagReplyOff|flagClosed|flagCloseAfterReply|flagCloseASAP) != 0 {
		return
	}
	x := &c.Ctx
	x.out = append(x.reserve(len(msg)), msg...)
	if c.fd >= 0 {
		s.afterDelivery(c)
	}
}
