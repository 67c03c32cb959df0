package server

import (
	"github.com/kvdserver/kvd/internal/hll"
	"github.com/kvdserver/kvd/store"
)

var hllCommands = []*Command{
	{Name: "pfadd", Proc: pfaddCommand},
	{Name: "pfcount", Proc: pfcountCommand},
	{Name: "pfmerge", Proc: pfmergeCommand},
}

// checkHLL replies an error and returns false unless e is a string that
// looks like a HyperLogLog (Redis's isHLLObjectOrReply).
func (c *Ctx) checkHLL(e store.Entry) bool {
	if e.Type() != store.TypeString {
		c.replyError(errWrongType)
		return false
	}
	if e.Encoding() == store.EncInt || !hll.Valid(e.Str()) {
		c.replyError(errNotHLL)
		return false
	}
	return true
}

// sparseMax returns hll-sparse-max-bytes.
func (c *Ctx) sparseMax() int { return int(c.cfg.HLLSparseMaxBytes) }

// pfaddCommand implements PFADD key [element ...]: 1 if the key was
// created or a register changed, else 0.
func pfaddCommand(c *Ctx) {
	key := c.argv[1]
	now := c.now
	e, found := c.lookupWrite(key)
	var p *[]byte
	updated := false
	if !found {
		p = c.db.SetStringOwned(key, hll.New(), now)
		updated = true
	} else {
		if !c.checkHLL(e) {
			return
		}
		p = c.db.MutableString(key, now)
	}
	sparseMax := c.sparseMax()
	for _, elem := range c.argv[2:] {
		switch hll.Add(p, elem, sparseMax) {
		case 1:
			updated = true
		case -1:
			c.replyError(errHLLCorrupt)
			return
		}
	}
	if updated {
		hll.Invalidate(*p)
		c.notify(notifyString, "pfadd", key)
		c.replyInt(1)
		return
	}
	c.noChange()
	c.replyInt(0)
}

// pfcountCommand implements PFCOUNT key [key ...]. One key answers from
// the cached cardinality, recomputing and storing it if stale (so the
// value changes, as in Redis); several keys answer the cardinality of
// their union.
func pfcountCommand(c *Ctx) {
	if len(c.argv) > 2 {
		var regs hll.Registers
		for _, key := range c.argv[1:] {
			e, found := c.lookupRead(key)
			if !found {
				continue
			}
			if !c.checkHLL(e) {
				return
			}
			if !regs.Merge(e.Str()) {
				c.replyError(errHLLCorrupt)
				return
			}
		}
		c.replyInt(int64(regs.Count()))
		return
	}
	key := c.argv[1]
	e, found := c.lookupRead(key)
	if !found {
		c.replyInt(0)
		return
	}
	if !c.checkHLL(e) {
		return
	}
	b := *c.db.MutableString(key, c.now)
	card, ok := hll.CachedCount(b)
	if !ok {
		if card, ok = hll.Count(b); !ok {
			c.replyError(errHLLCorrupt)
			return
		}
		hll.SetCachedCount(b, card)
	}
	c.replyInt(int64(card))
}

// pfmergeCommand implements PFMERGE destkey [sourcekey ...]: the
// destination (itself a source) gets the union of all; it turns dense if
// any source is dense.
func pfmergeCommand(c *Ctx) {
	var regs hll.Registers
	dense := false
	for _, key := range c.argv[1:] {
		e, found := c.lookupRead(key)
		if !found {
			continue
		}
		if !c.checkHLL(e) {
			return
		}
		b := e.Str()
		dense = dense || hll.IsDense(b)
		if !regs.Merge(b) {
			c.replyError(errHLLCorrupt)
			return
		}
	}
	key := c.argv[1]
	now := c.now
	var p *[]byte
	if _, found := c.lookupWrite(key); found {
		p = c.db.MutableString(key, now)
	} else {
		p = c.db.SetStringOwned(key, hll.New(), now)
	}
	if dense && !hll.SparseToDense(p) {
		c.replyError(errHLLCorrupt)
		return
	}
	sparseMax := c.sparseMax()
	for i, v := range &regs {
		if v != 0 {
			hll.Set(p, i, v, sparseMax)
		}
	}
	hll.Invalidate(*p)
	c.notify(notifyString, "pfadd", key)
	c.replyOK()
}
