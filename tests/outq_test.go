package tests

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"net"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestSlowReaderBacklogMemory pipelines GETs of a 100 KB value from a
// client that reads nothing until all are answered: the server holds the
// backlog in blocks about its size (tot-mem within 1.25× of the replies
// pending, where one buffer grown by doubling can hold twice), and the
// client then receives every reply intact and in order.
func TestSlowReaderBacklogMemory(t *testing.T) {
	addr := newKvd(t, nil).Addr().String()
	admin := dial(t, addr)
	val := make([]byte, 100<<10)
	rand.New(rand.NewSource(1)).Read(val)
	admin.do("SET", "v", string(val))
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	const gets = 300
	var req bytes.Buffer
	req.WriteString("*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$4\r\nslow\r\n")
	for i := 0; i < gets; i++ {
		req.WriteString("*2\r\n$3\r\nGET\r\n$1\r\nv\r\n")
	}
	req.WriteString("*1\r\n$4\r\nPING\r\n")
	if _, err := raw.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	field := func(line, name string) int64 {
		m := regexp.MustCompile(` ` + name + `=(\d+)`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("no %s in %q", name, line)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		return n
	}
	var line string
	waitFor(t, 10*time.Second, "the slow client's last command", func() bool {
		v, err := parseValue(admin.do("CLIENT", "LIST"))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range bytes.Split([]byte(v.str), []byte("\n")) {
			if bytes.Contains(l, []byte("name=slow")) && bytes.Contains(l, []byte("cmd=ping")) {
				line = string(l)
				return true
			}
		}
		return false
	})
	omem, tot := field(line, "omem"), field(line, "tot-mem")
	if omem < 10<<20 {
		t.Fatalf("only %d bytes of replies pending: the client read them? %s", omem, line)
	}
	if float64(tot) > 1.25*float64(omem) {
		t.Errorf("replies pending %d bytes held in %d bytes (%.2f×): %s", omem, tot, float64(tot)/float64(omem), line)
	}
	r := bufio.NewReaderSize(raw, 1<<20)
	raw.SetReadDeadline(time.Now().Add(30 * time.Second))
	if l, err := r.ReadString('\n'); err != nil || l != "+OK\r\n" {
		t.Fatalf("SETNAME: %q %v; %s", l, err, admin.do("CLIENT", "LIST"))
	}
	want := fmt.Sprintf("$%d\r\n", len(val))
	got := make([]byte, len(val)+2)
	for i := 0; i < gets; i++ {
		l, err := r.ReadString('\n')
		if err != nil || l != want {
			t.Fatalf("reply %d: header %q, %v; %s", i, l, err, admin.do("CLIENT", "LIST"))
		}
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[:len(val)], val) || string(got[len(val):]) != "\r\n" {
			t.Fatalf("reply %d differs from the value", i)
		}
	}
	if l, err := r.ReadString('\n'); err != nil || l != "+PONG\r\n" {
		t.Fatalf("PING: %q %v", l, err)
	}
}
