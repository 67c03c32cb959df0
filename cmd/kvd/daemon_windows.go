package main

import (
	"fmt"
	"io"
)

const defaultPidFile = ""

// daemonize is not available on Windows: the server runs in the
// foreground, as Redis's Windows ports did.
func daemonize(args []string, stderr io.Writer) (child bool, status int) {
	fmt.Fprintln(stderr, "kvd: daemonize is not supported on Windows; running in the foreground")
	return true, 0
}
