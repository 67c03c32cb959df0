package server

// saveCommands are the RDB persistence commands of save.go.
var saveCommands = []*Command{
	{Name: "bgsave", Proc: bgsaveCommand},
	{Name: "lastsave", Proc: lastsaveCommand},
	{Name: "bgrewriteaof", Proc: bgrewriteaofCommand}, // aof_rewrite.go
}
