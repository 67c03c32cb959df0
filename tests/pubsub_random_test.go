package tests

import (
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPubsubRandom replays seeded random scenarios of (un)subscriptions,
// publications and PUBSUB queries over three subscribers and a publisher
// on both servers, comparing every reply and message. The generator keeps
// a model of the subscriptions to know how many replies each step gets;
// it avoids what Redis leaves in hash-table order (UNSUBSCRIBE without
// arguments over several channels, a channel matching two patterns of
// one client). KVD_TEST_SEED replays one seed.
func TestPubsubRandom(t *testing.T) {
	needRedis(t)
	seed := time.Now().UnixNano()
	if v, err := strconv.ParseInt(os.Getenv("KVD_TEST_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d", seed)
	scenarios := map[string][]string{}
	for i := range 4 {
		scenarios[fmt.Sprintf("seed%d+%d", seed, i)] = randomPubsubSteps(rand.New(rand.NewSource(seed+int64(i))), 120)
	}
	diffScenarios(t, sharedServers(), scenarios)
}

func randomPubsubSteps(r *rand.Rand, n int) []string {
	channels := []string{"a", "b", "c", "ab", "bz"}
	patterns := []string{"a*", "b?", "c"} // each channel matches at most one
	shards := []string{"s1", "s2"}
	type state struct{ chans, pats, shard []string }
	subs := map[byte]*state{'A': {}, 'B': {}, 'C': {}}
	names := []byte{'A', 'B', 'C'}
	var steps []string
	count := func(s *state) int { return len(s.chans) + len(s.pats) }
	matches := func(p, ch string) bool {
		switch p {
		case "a*":
			return ch[0] == 'a'
		case "b?":
			return len(ch) == 2 && ch[0] == 'b'
		}
		return p == ch
	}
	pick := func(l []string) string { return l[r.Intn(len(l))] }
	for range n {
		x := names[r.Intn(len(names))]
		s := subs[x]
		c := string(x)
		switch op := r.Intn(12); op {
		case 0, 1: // SUBSCRIBE one or two channels
			args := []string{pick(channels)}
			if r.Intn(2) == 0 {
				args = append(args, pick(channels))
			}
			steps = append(steps, c+"> SUBSCRIBE "+strings.Join(args, " "))
			for _, ch := range args {
				if !slices.Contains(s.chans, ch) {
					s.chans = append(s.chans, ch)
				}
				steps = append(steps, c+"<")
			}
		case 2: // UNSUBSCRIBE a channel, or all when that is at most one
			if len(s.chans) <= 1 && r.Intn(2) == 0 {
				steps = append(steps, c+"> UNSUBSCRIBE", c+"<")
				s.chans = nil
			} else {
				ch := pick(channels)
				steps = append(steps, c+"> UNSUBSCRIBE "+ch, c+"<")
				s.chans = slices.DeleteFunc(s.chans, func(v string) bool { return v == ch })
			}
		case 3:
			p := pick(patterns)
			steps = append(steps, c+"> PSUBSCRIBE "+p, c+"<")
			if !slices.Contains(s.pats, p) {
				s.pats = append(s.pats, p)
			}
		case 4: // PUNSUBSCRIBE one, or all (Redis answers in subscription order)
			if r.Intn(2) == 0 {
				steps = append(steps, c+"> PUNSUBSCRIBE")
				for range max(1, len(s.pats)) {
					steps = append(steps, c+"<")
				}
				s.pats = nil
			} else {
				p := pick(patterns)
				steps = append(steps, c+"> PUNSUBSCRIBE "+p, c+"<")
				s.pats = slices.DeleteFunc(s.pats, func(v string) bool { return v == p })
			}
		case 5:
			sh := pick(shards)
			steps = append(steps, c+"> SSUBSCRIBE "+sh, c+"<")
			if !slices.Contains(s.shard, sh) {
				s.shard = append(s.shard, sh)
			}
		case 6:
			if len(s.shard) <= 1 && r.Intn(2) == 0 {
				steps = append(steps, c+"> SUNSUBSCRIBE", c+"<")
				s.shard = nil
			} else {
				sh := pick(shards)
				steps = append(steps, c+"> SUNSUBSCRIBE "+sh, c+"<")
				s.shard = slices.DeleteFunc(s.shard, func(v string) bool { return v == sh })
			}
		case 7, 8, 9: // PUBLISH, then every receiver reads its messages
			ch := pick(channels)
			steps = append(steps, fmt.Sprintf("P: PUBLISH %s m%d", ch, len(steps)))
			for _, y := range names {
				k := 0
				if slices.Contains(subs[y].chans, ch) {
					k++
				}
				for _, p := range subs[y].pats {
					if matches(p, ch) {
						k++
					}
				}
				for range k {
					steps = append(steps, string(y)+"<")
				}
			}
		case 10:
			sh := pick(shards)
			steps = append(steps, fmt.Sprintf("P: SPUBLISH %s m%d", sh, len(steps)))
			for _, y := range names {
				if slices.Contains(subs[y].shard, sh) {
					steps = append(steps, string(y)+"<")
				}
			}
		case 11:
			steps = append(steps, pick([]string{
				"P: PUBSUB NUMSUB a b c ab bz", "P: PUBSUB NUMPAT", "P: PUBSUB SHARDNUMSUB s1 s2",
				"P: PUBSUB CHANNELS a?", "P: PUBSUB SHARDCHANNELS s1",
			}))
			if count(s)+len(s.shard) > 0 {
				steps = append(steps, c+": PING x")
			}
		}
	}
	return steps
}
