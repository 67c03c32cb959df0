package tests

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRedisCliInteractiveHints drives an interactive redis-cli (in a tmux
// pane, so it has a terminal) against kvd and against redis-server, types
// the start of several commands, and requires the same screen: the hints
// redis-cli shows come from COMMAND DOCS, so this proves kvd's docs serve
// the real client.
func TestRedisCliInteractiveHints(t *testing.T) {
	needRedis(t)
	cli := needTool(t, "redis-cli")
	tmux := needTool(t, "tmux")
	typed := []string{"SET ", "ZADD k ", "LPOS ", "CLIENT KILL ", "HRANDFIELD h ", "GETEX k "}
	screens := map[string][]string{}
	for name, addr := range map[string]string{"kvd": env.kvdAddr, "redis": env.redisAddr} {
		h, p := hostPort(t, addr)
		session := fmt.Sprintf("kvd-cli-%s-%d", name, time.Now().UnixNano())
		run := func(args ...string) string {
			t.Helper()
			out, err := exec.Command(tmux, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("tmux %v: %v: %s", args, err, out)
			}
			return string(out)
		}
		run("new-session", "-d", "-s", session, "-x", "200", "-y", "10", cli, "-h", h, "-p", p)
		t.Cleanup(func() { exec.Command(tmux, "kill-session", "-t", session).Run() })
		prompt := addr + ">" // capture-pane trims the space after it
		waitFor(t, 10*time.Second, "the redis-cli prompt", func() bool {
			return strings.Contains(run("capture-pane", "-p", "-t", session), prompt)
		})
		for _, s := range typed {
			run("send-keys", "-t", session, "-l", s)
			var line string
			waitFor(t, 10*time.Second, "the hint for "+s, func() bool {
				for _, l := range strings.Split(run("capture-pane", "-p", "-t", session), "\n") {
					if strings.HasPrefix(l, prompt+" "+s) {
						line = strings.TrimPrefix(l, prompt+" ")
						return strings.TrimSpace(line) != strings.TrimSpace(s)
					}
				}
				return false
			})
			screens[name] = append(screens[name], strings.TrimRight(line, " "))
			run("send-keys", "-t", session, "C-u") // clear the line
		}
	}
	for i, s := range typed {
		if screens["kvd"][i] != screens["redis"][i] {
			t.Errorf("hint after %q:\n redis: %q\n   kvd: %q", s, screens["redis"][i], screens["kvd"][i])
		}
	}
	t.Logf("hints: %q", screens["kvd"])
}
