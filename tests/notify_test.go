package tests

import (
	"testing"
)

// TestDiffNotifyConfig sets notify-keyspace-events to every class alone,
// combinations, duplicates and bad characters on both servers, comparing
// CONFIG SET's reply and what CONFIG GET shows afterwards.
func TestDiffNotifyConfig(t *testing.T) {
	s := privateServers(t, nil)
	var steps []step
	values := []string{"", "K", "E", "KE", "A", "KEA", "AKE", "g", "$", "l", "s", "h", "z", "x", "e", "t", "m", "d", "n",
		"g$lshzxetd", "g$lshzxet", "KEA", "KEAmn", "AKEmn", "mn", "nm", "Kn", "KEgd", "KEnmtdg", "AAKK", "gA",
		"Ex", "Kg$", "q", "AX", "KEA ", "a", "k", "G", "kea", "KE\x00", "\xff"}
	for _, v := range values {
		steps = append(steps, "CONFIG SET notify-keyspace-events "+quoteArg(v), "CONFIG GET notify-keyspace-events")
	}
	steps = append(steps, "CONFIG SET notify-keyspace-events", "CONFIG SET notify-keyspace-events KEA x",
		"CONFIG SET notify-keyspace-events KEA notify-keyspace-events Kx", "CONFIG GET notify-keyspace-events",
		"CONFIG GET notify*", "CONFIG SET notify-keyspace-events \"\"")
	diffSession(t, s, steps)
}
