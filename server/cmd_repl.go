package server

// Replication commands (repl.go, repl_sync.go, repl_client.go).
var replCommands = []*Command{
	{Name: "replconf", Proc: replconfCommand},
	{Name: "psync", Proc: psyncCommand},
	{Name: "sync", Proc: syncCommand},
	{Name: "role", Proc: roleCommand},
	{Name: "replicaof", Proc: replicaofCommand},
	{Name: "slaveof", Proc: replicaofCommand},
}
