package server

import (
	"math/bits"
	"slices"
	"sort"
	"strconv"
)

// Client-side caching (CLIENT TRACKING), as Redis 7.0's tracking.c has it.
//
// In the default mode the server remembers, for every key a tracking
// client read (a read-only command's keys), the ids of the clients that
// may cache it: the tracking table. When the key changes — the same points
// that make a watching client's EXEC fail (touchWatchedKey), or a flush —
// every client that read it gets one invalidation message and the key
// leaves the table, until it is read again. In BCAST mode nothing is
// remembered: a client subscribes to key prefixes (all keys by default),
// and the keys changed under each prefix are sent to it in one message
// per prefix before the loop sleeps.
//
// An invalidation is a RESP3 push, ["invalidate", [key…]] (null for a
// flush), on the client's own connection, or on the connection it
// redirects to: a RESP3 push there too, or for a RESP2 connection
// subscribed to __redis__:invalidate a pub/sub message on that channel.
// The table has no database dimension, as in Redis: a key name stands for
// that name in every database.

// clientTracking is a client's tracking mode (nil while never enabled).
type clientTracking struct {
	on, bcast, optin, optout, noloop bool
	caching                          bool // CLIENT CACHING YES/NO for the next command
	brokenRedir                      bool // the redirection target is gone
	redirect                         int64
	prefixes                         map[string]struct{} // BCAST prefixes
}

// trackingState is the server's tracking table and BCAST prefixes.
type trackingState struct {
	table    map[string]map[int64]struct{} // key → ids of the clients that may cache it
	items    int                           // sum of the table's id sets (tracking_total_items)
	prefixes map[string]*bcastState        // BCAST prefix → its clients and changed keys
	clients  int                           // clients with tracking on (tracking_clients)
	current  *Client                       // the client whose command is executing (outermost)
	// pending are invalidations for the current client, sent after its
	// command's reply as Redis does (nil: a flush).
	pending [][]byte
	// effort counter of the table's eviction (tracking-table-max-keys).
	timeouts int
	msg      []byte   // an invalidation message being built, reused
	refs     []keyRef // the keys of the command being remembered, reused
}

// bcastState is one BCAST prefix: its clients and the keys under it
// changed since the last broadcast, each with the first client that
// changed it (NOLOOP clients are not told of their own changes).
type bcastState struct {
	clients map[*Client]struct{}
	keys    map[string]*Client
}

// on reports whether any tracking work may be needed when a key changes.
func (t *trackingState) on() bool { return t.clients > 0 || len(t.table) > 0 }

// ---- CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO ----

// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN]
// [OPTOUT] [NOLOOP], with Redis's checks in Redis's order.
func clientTrackingCommand(c *Ctx) {
	argv := c.argv
	var redirect int64
	var bcast, optin, optout, noloop bool
	var prefixes [][]byte
	for j := 3; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch opt := argv[j]; {
		case isOpt(opt, "redirect") && more > 0:
			j++
			if redirect != 0 {
				c.replyError(errRedirectTwice)
				return
			}
			id, ok := c.intArg(argv[j])
			if !ok {
				return
			}
			if c.srv.clients[id] == nil {
				c.replyError(errRedirectMissing)
				return
			}
			redirect = id
		case isOpt(opt, "bcast"):
			bcast = true
		case isOpt(opt, "optin"):
			optin = true
		case isOpt(opt, "optout"):
			optout = true
		case isOpt(opt, "noloop"):
			noloop = true
		case isOpt(opt, "prefix") && more > 0:
			j++
			prefixes = append(prefixes, argv[j])
		default:
			c.replyError(errSyntax)
			return
		}
	}
	cl := c.client
	t := cl.trk
	switch {
	case isOpt(argv[2], "on"):
		switch {
		case !bcast && len(prefixes) > 0:
			c.replyError(errPrefixNeedsBcast)
			return
		case t != nil && t.on && t.bcast != bcast:
			c.replyError(errTrackingBcastSwitch)
			return
		case bcast && (optin || optout):
			c.replyError(errOptinOptoutBcast)
			return
		case optin && optout:
			c.replyError(errOptinAndOptout)
			return
		case t != nil && t.on && (optin && t.optout || optout && t.optin):
			c.replyError(errTrackingOptSwitch)
			return
		}
		if bcast && !checkPrefixCollisions(c, prefixes) {
			return
		}
		c.srv.enableTracking(cl, redirect, bcast, optin, optout, noloop, prefixes)
	case isOpt(argv[2], "off"):
		c.srv.disableTracking(cl)
	default:
		c.replyError(errSyntax)
		return
	}
	c.replyOK()
}

// hasPrefix reports whether one of a and b is a prefix of the other.
func prefixOverlap(a, b string) bool {
	n := min(len(a), len(b))
	return a[:n] == b[:n]
}

// checkPrefixCollisions replies Redis's error and returns false if a
// prefix overlaps one the client has or another one given. (Redis 7.0
// also enables tracking after replying the error for a collision among
// the given prefixes other than the first: kvd stops at the error.)
func checkPrefixCollisions(c *Ctx, prefixes [][]byte) bool {
	var have []string
	if t := c.client.trk; t != nil {
		for p := range t.prefixes {
			have = append(have, p)
		}
		sort.Strings(have)
	}
	for i, p := range prefixes {
		for _, h := range have {
			if prefixOverlap(h, string(p)) {
				c.replyError(errPrefixOverlap(cString(p), "an existing", cString([]byte(h))))
				return false
			}
		}
		for _, q := range prefixes[i+1:] {
			if prefixOverlap(string(p), string(q)) {
				c.replyError(errPrefixOverlap(cString(p), "another provided", cString(q)))
				return false
			}
		}
	}
	return true
}

// cString is b up to its first NUL byte, as Redis's %s prints it.
func cString(b []byte) string {
	for i, x := range b {
		if x == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// CLIENT CACHING YES|NO: track (OPTIN) or do not track (OPTOUT) the keys
// of the next command (or transaction).
func clientCachingCommand(c *Ctx) {
	t := c.client.trk
	if t == nil || !t.on {
		c.replyError(errCachingMode)
		return
	}
	switch {
	case isOpt(c.argv[2], "yes"):
		if !t.optin {
			c.replyError(errCachingYes)
			return
		}
	case isOpt(c.argv[2], "no"):
		if !t.optout {
			c.replyError(errCachingNo)
			return
		}
	default:
		c.replyError(errSyntax)
		return
	}
	t.caching = true
	c.replyOK()
}

// CLIENT GETREDIR: the redirection target, 0 for none, -1 if tracking is off.
func clientGetredirCommand(c *Ctx) {
	if t := c.client.trk; t != nil && t.on {
		c.replyInt(t.redirect)
		return
	}
	c.replyInt(-1)
}

// CLIENT TRACKINGINFO: flags, redirection and prefixes, as Redis shows them.
func clientTrackinginfoCommand(c *Ctx) {
	t := c.client.trk
	if t == nil {
		t = &clientTracking{}
	}
	flags := []string{"off"}
	if t.on {
		flags[0] = "on"
	}
	if t.bcast {
		flags = append(flags, "bcast")
	}
	if t.optin {
		flags = append(flags, "optin")
		if t.caching {
			flags = append(flags, "caching-yes")
		}
	}
	if t.optout {
		flags = append(flags, "optout")
		if t.caching {
			flags = append(flags, "caching-no")
		}
	}
	if t.noloop {
		flags = append(flags, "noloop")
	}
	if t.brokenRedir {
		flags = append(flags, "broken_redirect")
	}
	c.replyMap(3)
	c.replyBulkString("flags")
	c.replySet(len(flags))
	for _, f := range flags {
		c.replyBulkString(f)
	}
	c.replyBulkString("redirect")
	if t.on {
		c.replyInt(t.redirect)
	} else {
		c.replyInt(-1)
	}
	c.replyBulkString("prefixes")
	ps := sortedPrefixes(t.prefixes)
	c.replyArray(len(ps))
	for _, p := range ps {
		c.replyBulkString(p)
	}
}

func sortedPrefixes(m map[string]struct{}) []string {
	ps := make([]string, 0, len(m))
	for p := range m {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// ---- enabling and disabling ----

// enableTracking turns tracking on (again) for c with the given options;
// BCAST prefixes add to those c has ("" if it gives none).
func (s *Server) enableTracking(c *Client, redirect int64, bcast, optin, optout, noloop bool, prefixes [][]byte) {
	t := c.trk
	if t == nil {
		t = &clientTracking{}
		c.trk = t
	}
	if !t.on {
		s.trk.clients++
	}
	t.on = true
	t.brokenRedir = false
	t.bcast, t.optin, t.optout, t.noloop = bcast, optin, optout, noloop
	t.redirect = redirect
	if !bcast {
		return
	}
	if len(prefixes) == 0 {
		prefixes = [][]byte{nil}
	}
	if t.prefixes == nil {
		t.prefixes = map[string]struct{}{}
	}
	if s.trk.prefixes == nil {
		s.trk.prefixes = map[string]*bcastState{}
	}
	for _, p := range prefixes {
		bs := s.trk.prefixes[string(p)]
		if bs == nil {
			bs = &bcastState{clients: map[*Client]struct{}{}, keys: map[string]*Client{}}
			s.trk.prefixes[string(p)] = bs
		}
		bs.clients[c] = struct{}{}
		t.prefixes[string(p)] = struct{}{}
	}
}

// disableTracking turns tracking off for c. The keys it read stay in the
// table until they change, as in Redis.
func (s *Server) disableTracking(c *Client) {
	t := c.trk
	if t == nil || !t.on {
		return
	}
	for p := range t.prefixes {
		if bs := s.trk.prefixes[p]; bs != nil {
			delete(bs.clients, c)
			if len(bs.clients) == 0 {
				delete(s.trk.prefixes, p)
			}
		}
	}
	s.trk.clients--
	*t = clientTracking{}
}

// ---- remembering keys ----

// trackingAfterCommand remembers the keys a read-only command of a
// tracking client read (unless OPTIN without CACHING YES, or OPTOUT with
// CACHING NO). A read-only command run by a script counts for the client
// that ran the script, and, as in Redis 7.0, what is remembered then is
// the script command's own keys (EVAL's KEYS), not the inner command's.
func (s *Server) trackingAfterCommand(x *Ctx, cmd *cmdState) {
	c := x.client
	if cmd.Flags&FlagReadonly == 0 || cmd.Flags&FlagPubSub != 0 {
		return
	}
	if cur := s.trk.current; cur != nil && c != cur && c.fd < 0 {
		c = cur // a script's fake client: its caller
		if cur.Ctx.cmd == nil {
			return
		}
		x, cmd = &cur.Ctx, cur.Ctx.cmd
	}
	t := c.trk
	if t == nil || !t.on || t.bcast {
		return
	}
	if t.optin && !t.caching || t.optout && t.caching {
		return
	}
	refs := cmd.appendKeys(s.trk.refs[:0], x.argv)
	s.trk.refs = refs
	if len(refs) == 0 {
		return
	}
	if s.trk.table == nil {
		s.trk.table = map[string]map[int64]struct{}{}
	}
	for _, r := range refs {
		if r.pos >= len(x.argv) {
			continue
		}
		key := x.argv[r.pos]
		ids := s.trk.table[string(key)]
		if ids == nil {
			ids = map[int64]struct{}{}
			s.trk.table[string(key)] = ids
		}
		if _, ok := ids[c.id]; !ok {
			ids[c.id] = struct{}{}
			s.trk.items++
		}
	}
}

// trackingCommandDone ends a client's command at the outermost level:
// the invalidations of its own keys follow its reply.
func (s *Server) trackingCommandDone() {
	c := s.trk.current
	s.trk.current = nil
	if len(s.trk.pending) == 0 {
		return
	}
	pending := s.trk.pending
	s.trk.pending = nil
	for _, key := range pending {
		if key == nil {
			s.sendInvalidation(c, nil, trackFlush)
		} else {
			s.sendInvalidation(c, key, trackKey)
		}
	}
}

// trackingClientReset ends the effect of CLIENT CACHING after a command
// that was not a CLIENT subcommand, outside a transaction, as Redis's
// resetClient does.
func (c *Client) trackingClientReset() {
	if t := c.trk; t != nil && t.caching && !c.inMulti() && (c.lastCmd == nil || !isClientCommand(c.lastCmd)) {
		t.caching = false
	}
}

func isClientCommand(cmd *cmdState) bool {
	n := cmd.fullName
	return len(n) > 7 && n[:7] == "client|"
}

// ---- invalidation ----

// trackingInvalidate handles a change of key: the clients that read it
// are told, and BCAST prefixes matching it collect it.
func (s *Server) trackingInvalidate(key []byte) {
	if len(s.trk.prefixes) > 0 {
		for p, bs := range s.trk.prefixes {
			if len(key) >= len(p) && string(key[:len(p)]) == p {
				if _, ok := bs.keys[string(key)]; !ok {
					bs.keys[string(key)] = s.trk.current
				}
			}
		}
	}
	s.trackingInvalidateKey(key)
}

// trackingInvalidateKey tells the clients that may cache key that it
// changed and drops it from the table.
func (s *Server) trackingInvalidateKey(key []byte) {
	ids, ok := s.trk.table[string(key)]
	if !ok {
		return
	}
	var small [8]int64
	order := small[:0]
	for id := range ids {
		order = append(order, id)
	}
	// Redis's table keeps the ids in the order of their bytes in memory.
	slices.SortFunc(order, func(a, b int64) int {
		x, y := bits.ReverseBytes64(uint64(a)), bits.ReverseBytes64(uint64(b))
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	cur := s.trk.current
	for _, id := range order {
		target := s.clients[id]
		if target == nil || target.trk == nil || !target.trk.on || target.trk.bcast {
			continue
		}
		if target.trk.noloop && target == cur {
			continue
		}
		if target == cur {
			s.trk.pending = append(s.trk.pending, []byte(string(key)))
			continue
		}
		s.sendInvalidation(target, key, trackKey)
	}
	s.trk.items -= len(ids)
	delete(s.trk.table, string(key))
}

// trackingFlushed tells every tracking client that everything changed
// (FLUSHDB, FLUSHALL) and empties the table.
func (s *Server) trackingFlushed() {
	if s.trk.clients > 0 {
		ids := make([]int64, 0, len(s.clients))
		for id, c := range s.clients {
			if c.trk != nil && c.trk.on {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			c := s.clients[id]
			if c == s.trk.current {
				s.trk.pending = append(s.trk.pending, nil)
				continue
			}
			s.sendInvalidation(c, nil, trackFlush)
		}
	}
	s.trk.table, s.trk.items = nil, 0
}

// What an invalidation message carries.
const (
	trackKey   = iota // one key
	trackFlush        // everything: null
	trackKeys         // an array of keys, already encoded (BCAST)
)

// sendInvalidation sends c (or the client it redirects to) an
// invalidation of key, of everything, or of the keys in an encoded array,
// as Redis's sendTrackingMessage does.
func (s *Server) sendInvalidation(c *Client, payload []byte, what int) {
	t := c.trk
	target := c
	redirected := false
	// A flush's null is in the tracking client's own protocol.
	nullProto := c.proto
	if t != nil && t.redirect != 0 {
		r := s.clients[t.redirect]
		if r == nil {
			t.brokenRedir = true
			if c.proto > 2 {
				b := append(s.trk.msg[:0], ">2\r\n$21\r\ntracking-redir-broken\r\n:"...)
				b = strconv.AppendInt(b, t.redirect, 10)
				b = append(b, "\r\n"...)
				s.trk.msg = b
				s.trackingDeliver(c, b)
			}
			return
		}
		target, redirected = r, true
	}
	var b []byte
	switch {
	case target.proto > 2:
		b = append(s.trk.msg[:0], ">2\r\n$10\r\ninvalidate\r\n"...)
	case redirected && target.flags&flagPubSub != 0:
		b = append(s.trk.msg[:0], "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"...)
	default:
		return // a RESP2 connection without redirection gets nothing
	}
	switch what {
	case trackKey:
		b = append(b, "*1\r\n$"...)
		b = strconv.AppendInt(b, int64(len(payload)), 10)
		b = append(b, "\r\n"...)
		b = append(b, payload...)
		b = append(b, "\r\n"...)
	case trackFlush:
		if nullProto > 2 {
			b = append(b, "_\r\n"...)
		} else {
			b = append(b, "$-1\r\n"...)
		}
	default:
		b = append(b, payload...)
	}
	s.trk.msg = b
	s.trackingDeliver(target, b)
}

// trackingDeliver appends an encoded message to c's output and schedules
// its write, like a pub/sub message.
func (s *Server) trackingDeliver(c *Client, msg []byte) {
	if c.flags&(flagClosed|flagCloseAfterReply|flagCloseASAP) != 0 {
		return
	}
	x := &c.Ctx
	x.out = append(x.reserve(len(msg)), msg...)
	if c.fd < 0 {
		return
	}
	c.flush()
	if s.overOutputLimit(c) {
		s.closeASAP(c)
	}
}

// ---- before sleeping: broadcasts and the table's limit ----

// trackingBeforeSleep sends the BCAST invalidations collected since the
// last iteration and keeps the table within tracking-table-max-keys.
func (s *Server) trackingBeforeSleep() {
	if s.trk.clients > 0 && len(s.trk.prefixes) > 0 {
		s.trackingBroadcast()
	}
	if len(s.trk.table) > 0 {
		s.trackingLimit()
	}
}

// trackingBroadcast sends each BCAST prefix's changed keys (sorted, as
// Redis's radix tree gives them) to its clients, prefix by prefix.
func (s *Server) trackingBroadcast() {
	ps := make([]string, 0, len(s.trk.prefixes))
	for p := range s.trk.prefixes {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	for _, p := range ps {
		bs := s.trk.prefixes[p]
		if len(bs.keys) == 0 {
			continue
		}
		keys := make([]string, 0, len(bs.keys))
		for k := range bs.keys {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		clients := make([]*Client, 0, len(bs.clients))
		for c := range bs.clients {
			clients = append(clients, c)
		}
		slices.SortFunc(clients, func(a, b *Client) int { return int(a.id - b.id) })
		all := encodeKeys(bs, keys, nil)
		for _, c := range clients {
			if c.trk.noloop {
				if own := encodeKeys(bs, keys, c); own != nil {
					s.sendInvalidation(c, own, trackKeys)
				}
				continue
			}
			s.sendInvalidation(c, all, trackKeys)
		}
		clear(bs.keys)
	}
}

// encodeKeys encodes keys as an array, leaving out those first changed by
// except (if not nil); nil if none is left.
func encodeKeys(bs *bcastState, keys []string, except *Client) []byte {
	n := 0
	for _, k := range keys {
		if except == nil || bs.keys[k] != except {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	b := append([]byte{'*'}, strconv.Itoa(n)...)
	b = append(b, "\r\n"...)
	for _, k := range keys {
		if except == nil || bs.keys[k] != except {
			b = append(b, '$')
			b = strconv.AppendInt(b, int64(len(k)), 10)
			b = append(b, "\r\n"...)
			b = append(b, k...)
			b = append(b, "\r\n"...)
		}
	}
	return b
}

// trackingLimit invalidates keys of the table, chosen at random, while it
// holds more than tracking-table-max-keys, with an effort that grows each
// time it stays over the limit, as Redis's trackingLimitUsedSlots.
func (s *Server) trackingLimit() {
	maxKeys := s.cfg.TrackingTableMaxKeys
	if maxKeys == 0 || int64(len(s.trk.table)) <= maxKeys {
		s.trk.timeouts = 0
		return
	}
	effort := 100 * (s.trk.timeouts + 1)
	for ; effort > 0; effort-- {
		var key string
		for k := range s.trk.table { // map order is random
			key = k
			break
		}
		s.trackingInvalidateKey([]byte(key))
		if int64(len(s.trk.table)) <= maxKeys {
			s.trk.timeouts = 0
			return
		}
	}
	s.trk.timeouts++
}

// trackingInfoFlags are CLIENT LIST's tracking flags (t, R, B).
func (c *Client) trackingInfoFlags(f []byte) []byte {
	t := c.trk
	if t == nil || !t.on {
		return f
	}
	f = append(f, 't')
	if t.brokenRedir {
		f = append(f, 'R')
	}
	if t.bcast {
		f = append(f, 'B')
	}
	return f
}

// trackingRedir is CLIENT LIST's redir field.
func (c *Client) trackingRedir() int64 {
	if t := c.trk; t != nil && t.on {
		return t.redirect
	}
	return -1
}
