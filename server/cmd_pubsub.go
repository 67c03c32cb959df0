package server

import (
	"github.com/kvdserver/kvd/internal/glob"
)

// Pub/Sub commands, as Redis 7.0's pubsub.c has them (standalone: the
// sharded forms behave like channels of their own namespace).
var pubsubCommands = []*Command{
	{Name: "subscribe", Proc: subscribeCommand},
	{Name: "unsubscribe", Proc: unsubscribeCommand},
	{Name: "psubscribe", Proc: psubscribeCommand},
	{Name: "punsubscribe", Proc: punsubscribeCommand},
	{Name: "ssubscribe", Proc: ssubscribeCommand},
	{Name: "sunsubscribe", Proc: sunsubscribeCommand},
	{Name: "publish", Proc: publishCommand},
	{Name: "spublish", Proc: spublishCommand},
	{Name: "pubsub", Subcommands: []*Command{
		{Name: "channels", Proc: pubsubChannelsCommand},
		{Name: "numsub", Proc: pubsubNumsubCommand},
		{Name: "numpat", Proc: pubsubNumpatCommand},
		{Name: "shardchannels", Proc: pubsubShardChannelsCommand},
		{Name: "shardnumsub", Proc: pubsubShardNumsubCommand},
		{Name: "help", Proc: pubsubHelpCommand},
	}},
}

// allowedSubscribed reports whether a RESP2 client in subscribed mode may
// run cmd: only the (un)subscribe commands, PING, QUIT and RESET.
func allowedSubscribed(cmd *cmdState) bool {
	switch cmd.fullName {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "ping", "quit", "reset":
		return true
	}
	return false
}

// pingSubscribed is PING's reply in RESP2 subscribed mode: ["pong", arg or ""].
func pingSubscribed(c *Ctx) {
	c.replyArray(2)
	c.replyBulkString("pong")
	if len(c.argv) == 2 {
		c.replyBulk(c.argv[1])
	} else {
		c.replyBulkString("")
	}
}

// subscribeCommand is SUBSCRIBE channel [channel ...]. Like Redis, it is
// refused where the client may not block, except inside MULTI (for
// compatibility, Redis allows it there).
func subscribeCommand(c *Ctx) {
	if c.denyBlocking && !c.client.inMulti() {
		c.replyError(errDenyBlockingSubscribe("SUBSCRIBE"))
		return
	}
	c.srv.subscribeCmd(c, kindChannel)
}

func psubscribeCommand(c *Ctx) {
	if c.denyBlocking && !c.client.inMulti() {
		c.replyError(errDenyBlockingSubscribe("PSUBSCRIBE"))
		return
	}
	c.srv.subscribeCmd(c, kindPattern)
}

// ssubscribeCommand is SSUBSCRIBE; unlike SUBSCRIBE it is refused inside
// MULTI too.
func ssubscribeCommand(c *Ctx) {
	if c.denyBlocking {
		c.replyError(errDenyBlockingSubscribe("SSUBSCRIBE"))
		return
	}
	c.srv.subscribeCmd(c, kindShard)
}

func unsubscribeCommand(c *Ctx)  { c.srv.unsubscribeCmd(c, kindChannel) }
func punsubscribeCommand(c *Ctx) { c.srv.unsubscribeCmd(c, kindPattern) }
func sunsubscribeCommand(c *Ctx) { c.srv.unsubscribeCmd(c, kindShard) }

// publishCommand is PUBLISH channel message.
func publishCommand(c *Ctx) {
	n := c.srv.publish(c.argv[1], c.argv[2])
	c.replyInt(int64(n))
}

// spublishCommand is SPUBLISH shardchannel message.
func spublishCommand(c *Ctx) {
	n := c.srv.spublish(c.argv[1], c.argv[2])
	c.replyInt(int64(n))
}

// PUBSUB CHANNELS [pattern] and SHARDCHANNELS [pattern]: the channels with
// subscribers that match pattern (all without one).
func pubsubChannelsCommand(c *Ctx)      { pubsubChannels(c, c.srv.ps.channels) }
func pubsubShardChannelsCommand(c *Ctx) { pubsubChannels(c, c.srv.ps.shard) }

func pubsubChannels(c *Ctx, reg map[string]*subscribers) {
	if len(c.argv) > 3 {
		c.subcommandSyntaxError()
		return
	}
	var pat []byte
	if len(c.argv) == 3 {
		pat = c.argv[2]
	}
	var names []string
	for name := range reg {
		if pat == nil || glob.MatchBytes(pat, []byte(name)) {
			names = append(names, name)
		}
	}
	c.replyArray(len(names))
	for _, n := range names {
		c.replyBulkString(n)
	}
}

// PUBSUB NUMSUB [channel ...] and SHARDNUMSUB: each channel and its
// subscriber count (patterns not counted), as a flat array in both protocols.
func pubsubNumsubCommand(c *Ctx)      { pubsubNumsub(c, c.srv.ps.channels) }
func pubsubShardNumsubCommand(c *Ctx) { pubsubNumsub(c, c.srv.ps.shard) }

func pubsubNumsub(c *Ctx, reg map[string]*subscribers) {
	chans := c.argv[2:]
	c.replyArray(2 * len(chans))
	for _, ch := range chans {
		c.replyBulk(ch)
		n := 0
		if l := reg[string(ch)]; l != nil {
			n = len(l.clients)
		}
		c.replyInt(int64(n))
	}
}

// PUBSUB NUMPAT: the number of patterns with subscribers.
func pubsubNumpatCommand(c *Ctx) { c.replyInt(int64(len(c.srv.ps.patterns))) }

var pubsubHelp = []string{
	"CHANNELS [<pattern>]",
	"    Return the currently active channels matching a <pattern> (default: '*').",
	"NUMPAT",
	"    Return number of subscriptions to patterns.",
	"NUMSUB [<channel> ...]",
	"    Return the number of subscribers for the specified channels, excluding",
	"    pattern subscriptions(default: no channels).",
	"SHARDCHANNELS [<pattern>]",
	"    Return the currently active shard level channels matching a <pattern> (default: '*').",
	"SHARDNUMSUB [<shardchannel> ...]",
	"    Return the number of subscribers for the specified shard level channel(s)",
}

func pubsubHelpCommand(c *Ctx) { c.replyHelpLines("PUBSUB", pubsubHelp) }
