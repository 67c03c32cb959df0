package server

// hiddenCmdFlags are flags Redis 7.0.15 gives commands but COMMAND INFO
// does not show ("hidden on purpose" in Redis's addReplyCommandFlags), so
// that the metadata generated from COMMAND INFO lacks them: may_replicate,
// on the commands that do not write but may propagate something (a
// script's writes, a message, PFCOUNT's re-encoded HyperLogLog). Redis acts
// on it: CLIENT PAUSE WRITE holds these commands back, a read-only script
// may not call them, and a monitor (a replica to Redis) may not run them.
// Redis's src/commands/*.json files name them.
var hiddenCmdFlags = map[string]CmdFlag{
	"eval":     FlagMayReplicate,
	"evalsha":  FlagMayReplicate,
	"fcall":    FlagMayReplicate,
	"pfcount":  FlagMayReplicate,
	"publish":  FlagMayReplicate,
	"spublish": FlagMayReplicate,
}
