package server

import (
	"strconv"
	"strings"
)

// Client eviction (maxmemory-clients, Redis 7.0): when the memory of the
// clients that may be evicted (all but those with CLIENT NO-EVICT on)
// reaches the limit, the clients using the most are closed, largest first,
// until the rest are under it. kvd checks before the loop sleeps (so after
// every batch of input) and in cron, walking the clients, where Redis
// keeps them in buckets by size and checks before every command too.

// clientMemory is what a client holds for CLIENT LIST's tot-mem and
// eviction: its query buffer, output buffers, arguments and structure.
func (c *Client) clientMemory() int64 {
	m := int64(cap(c.qbuf)+c.outMem()) + clientStructSize
	for _, a := range c.argv {
		m += int64(len(a))
	}
	return m
}

// minClientsLimit is the least maxmemory-clients Redis enforces (128 KB),
// so that a tiny setting cannot cut every client off the server.
const minClientsLimit = 128 << 10

// clientsLimit is maxmemory-clients in bytes (a percentage is of
// maxmemory), 0 when off.
func (s *Server) clientsLimit() int64 {
	v := s.cfg.other["maxmemory-clients"]
	var limit int64
	if p, ok := strings.CutSuffix(v, "%"); ok {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n <= 0 || s.evict.maxmemory == 0 {
			return 0
		}
		limit = s.evict.maxmemory * n / 100
	} else {
		limit = s.otherInt("maxmemory-clients", 0)
	}
	if limit <= 0 {
		return 0
	}
	return max(limit, minClientsLimit)
}

// evictClients closes the largest evictable clients while their memory
// together is at or over maxmemory-clients.
func (s *Server) evictClients() {
	limit := s.evict.clientsMax
	if limit <= 0 {
		return
	}
	var total int64
	for _, c := range s.clients {
		if c.evictable() {
			total += c.clientMemory()
		}
	}
	for total >= limit {
		var worst *Client
		var worstMem int64
		for _, c := range s.clients {
			if !c.evictable() {
				continue
			}
			if m := c.clientMemory(); worst == nil || m > worstMem {
				worst, worstMem = c, m
			}
		}
		if worst == nil {
			return
		}
		s.logf(levelVerbose, "Evicting client: %s", worst.infoString())
		s.evict.evictedClients++
		worst.flags |= flagCloseASAP
		s.ps.closing = append(s.ps.closing, worst)
		total -= worstMem
	}
}

// evictable reports whether client eviction may close c.
func (c *Client) evictable() bool {
	return c.fd >= 0 && c.flags&(flagNoEvict|flagClosed|flagCloseASAP|flagCloseAfterReply) == 0
}
