package eventloop

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

func newTestRing(t *testing.T) *uring {
	t.Helper()
	r, err := newUring(64, 256, setupSingleIssuer|setupDeferTaskrun)
	if err != nil {
		t.Fatalf("io_uring: %v", err)
	}
	t.Cleanup(r.close)
	return r
}

func TestUringNop(t *testing.T) {
	r := newTestRing(t)
	for i := 0; i < 3; i++ {
		s := r.getSQE()
		s.opcode = opNop
		s.userData = uint64(100 + i)
	}
	if _, err := r.enter(3, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		c := r.peekCQE()
		if c == nil || c.userData != uint64(100+i) || c.res != 0 {
			t.Fatalf("cqe %d: %+v", i, c)
		}
		r.advanceCQ(1)
	}
	if r.peekCQE() != nil {
		t.Fatal("unexpected extra completion")
	}
}

func TestUringMultishotRecvWithBufferRing(t *testing.T) {
	r := newTestRing(t)
	if !r.probe(opRecv, opSend, opAccept) {
		t.Fatal("kernel lacks recv/send/accept")
	}
	br, err := r.newBufRing(1, 8, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer br.close()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	s := r.getSQE()
	s.opcode, s.fd, s.ioprio, s.flags, s.bufIndex, s.userData = opRecv, int32(fds[0]), recvMultishot, sqeBufferSelect, 1, 7
	if _, err := r.enter(0, nil); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for _, msg := range []string{"hello ", "io_uring ", "world"} {
		unix.Write(fds[1], []byte(msg))
		if _, err := r.enter(1, nil); err != nil {
			t.Fatal(err)
		}
		c := r.peekCQE()
		if c == nil || c.res <= 0 || c.flags&cqeFBuffer == 0 || c.flags&cqeFMore == 0 {
			t.Fatalf("recv cqe: %+v", c)
		}
		id := uint16(c.flags >> cqeBufferShift)
		got = append(got, br.buf(id)[:c.res]...)
		r.advanceCQ(1)
		br.add(id)
		br.publish()
	}
	if !bytes.Equal(got, []byte("hello io_uring world")) {
		t.Fatalf("got %q", got)
	}
	unix.Close(fds[1])
	if _, err := r.enter(1, nil); err != nil {
		t.Fatal(err)
	}
	c := r.peekCQE()
	if c == nil || c.res != 0 || c.flags&cqeFMore != 0 {
		t.Fatalf("EOF cqe: %+v", c)
	}
}
