//go:build !windows

package main

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// daemonChildEnv marks the process started by daemonize, which must not
// daemonize again.
const daemonChildEnv = "KVD_DAEMONIZED"

// defaultPidFile is where a daemonized server writes its pid when no
// pidfile is configured: Redis's, so that init scripts find it.
const defaultPidFile = "/var/run/redis.pid"

// daemonize does what "daemonize yes" asks: a Go process cannot fork, so
// it starts itself again with the same arguments in a new session, its
// standard streams on /dev/null, and returns (the caller exits 0, like
// Redis's parent after its fork). It reports whether this process is the
// daemon and must go on serving.
func daemonize(args []string, stderr io.Writer) (child bool, status int) {
	if os.Getenv(daemonChildEnv) != "" {
		return true, 0
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "kvd: daemonize: %v\n", err)
		return false, 1
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(stderr, "kvd: daemonize: %v\n", err)
		return false, 1
	}
	defer null.Close()
	p, err := os.StartProcess(exe, append([]string{os.Args[0]}, args...), &os.ProcAttr{
		Env:   append(os.Environ(), daemonChildEnv+"=1"),
		Files: []*os.File{null, null, null},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		fmt.Fprintf(stderr, "kvd: daemonize: %v\n", err)
		return false, 1
	}
	p.Release()
	return false, 0
}
