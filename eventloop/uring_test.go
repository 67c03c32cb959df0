//go:build linux

package eventloop

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// newTestRing returns a single-issuer ring. The kernel refuses such a
// ring's submissions and registrations (probe included) from any thread but
// its creator's, so the test goroutine stays on its thread until cleanup.
func newTestRing(t *testing.T) *uring {
	t.Helper()
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
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

// TestUringStarvedReceives gives many streams data at once with small
// rings: most receives end with ENOBUFS (every provided buffer taken), the
// completions overflow the completion queue and the submission queue fills
// up inside handlers. Every stream must still get its data and echo it
// back. The first case stalled a backend that re-armed starved receives
// only on a publish (an ENOBUFS can be seen after the publish that ended
// it); the second hung one that never drained the overflow and re-entered
// handlers from a full submission queue.
func TestUringStarvedReceives(t *testing.T) {
	for _, tc := range []struct {
		sq, cq  uint32
		buffers uint16
		streams int
	}{
		{8, 16, 4, 300},
		{16, 128, 16, 1000},
	} {
		t.Run(fmt.Sprintf("sq%d-cq%d-bufs%d-streams%d", tc.sq, tc.cq, tc.buffers, tc.streams), func(t *testing.T) {
			l, err := NewWithOptions(Options{Backend: IOUring, ringEntries: tc.sq, ringCQEntries: tc.cq, recvBuffers: tc.buffers})
			if err != nil {
				t.Fatalf("NewWithOptions: %v", err)
			}
			t.Cleanup(func() { l.Close() })
			peers := make([]int, tc.streams)
			for i := range peers {
				fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { unix.Close(fds[1]) })
				peers[i] = fds[1]
				if err := l.AddStream(fds[0], &echoHandler{l: l, fd: fds[0], echo: true}); err != nil {
					t.Fatal(err)
				}
				if _, err := unix.Write(fds[1], []byte(fmt.Sprintf("msg-%d", i))); err != nil {
					t.Fatal(err)
				}
			}
			got := make([][]byte, len(peers))
			done := 0
			buf := make([]byte, 64)
			spin(t, l, "every echo", func() bool {
				for i, fd := range peers {
					want := fmt.Sprintf("msg-%d", i)
					if len(got[i]) == len(want) {
						continue
					}
					if k, _ := unix.Read(fd, buf); k > 0 {
						got[i] = append(got[i], buf[:k]...)
						if len(got[i]) == len(want) {
							if string(got[i]) != want {
								t.Fatalf("stream %d echoed %q, want %q", i, got[i], want)
							}
							done++
						}
					}
				}
				return done == len(peers)
			})
		})
	}
}

// TestUringSpinWait drives echo round trips through a loop with SpinWait:
// back-to-back requests turn spinning on and are then caught by spins;
// requests 30 ms apart find it off, turned off by the first empty spin.
func TestUringSpinWait(t *testing.T) {
	const spinFor = 5 * time.Millisecond
	l, err := NewWithOptions(Options{Backend: IOUring, SpinWait: spinFor})
	if err != nil {
		t.Fatalf("NewWithOptions: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	b := l.be.(*uringBackend)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	peer := fds[1]
	t.Cleanup(func() { unix.Close(peer) })
	if err := unix.SetNonblock(peer, false); err != nil {
		t.Fatal(err)
	}
	l.Submit(func() {
		if err := l.AddStream(fds[0], &echoHandler{l: l, fd: fds[0], echo: true}); err != nil {
			panic(err)
		}
	})
	ran := make(chan error, 1)
	go func() { ran <- l.Run() }()
	defer func() {
		l.Stop()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	roundTrip := func(i int) {
		t.Helper()
		msg := []byte(fmt.Sprintf("req-%04d", i))
		if _, err := unix.Write(peer, msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 0, len(msg))
		buf := make([]byte, 64)
		for len(got) < len(msg) {
			n, err := unix.Read(peer, buf)
			if err != nil || n == 0 {
				t.Fatalf("read: %d, %v", n, err)
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != string(msg) {
			t.Fatalf("echo %q, want %q", got, msg)
		}
	}
	// counters reads the backend's counters on the loop goroutine.
	counters := func() (hits, misses uint64) {
		done := make(chan struct{})
		l.Submit(func() {
			hits, misses = b.spinHits, b.spinMisses
			close(done)
		})
		<-done
		return
	}

	for i := 0; i < 300; i++ {
		roundTrip(i)
	}
	hits, misses0 := counters()
	if hits < 100 {
		t.Fatalf("back-to-back round trips: %d spins found work (%d empty), want most of 300", hits, misses0)
	}

	// A loop that kept spinning would come up empty once per gap (then
	// block); one that stops spinning after an empty spin, once in all: a
	// request's reply completes at once, a short wait, but one short wait
	// is not enough to spin again.
	const gaps = 5
	for i := 0; i < gaps; i++ {
		time.Sleep(6 * spinFor)
		roundTrip(1000 + i)
	}
	_, misses := counters()
	if misses-misses0 > 2 {
		t.Fatalf("%d round trips %v apart: %d empty spins, want at most 2", gaps, 6*spinFor, misses-misses0)
	}
}

// TestUringFullSubmissionQueue flushes far more streams in one iteration
// than the submission queue holds, with a completion queue too small for
// their completions: sqe must make room by submitting and reaping (the
// completions overflow and are moved to the backlog), without waiting, and
// every send must arrive.
func TestUringFullSubmissionQueue(t *testing.T) {
	l, err := NewWithOptions(Options{Backend: IOUring, ringEntries: 4, ringCQEntries: 8})
	if err != nil {
		t.Fatalf("NewWithOptions: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	const streams = 200
	var peers []int
	for i := 0; i < streams; i++ {
		a, b := socketpair(t)
		h := &echoHandler{l: l, fd: a}
		if err := l.AddStream(a, h); err != nil {
			t.Fatal(err)
		}
		h.send([]byte(fmt.Sprintf("msg-%03d", i)))
		peers = append(peers, b)
	}
	got := make([]string, streams)
	done := 0
	buf := make([]byte, 64)
	spin(t, l, "every send", func() bool {
		for i, fd := range peers {
			if got[i] != "" {
				continue
			}
			if k, _ := unix.Read(fd, buf); k > 0 {
				got[i] = string(buf[:k])
				if want := fmt.Sprintf("msg-%03d", i); got[i] != want {
					t.Fatalf("stream %d got %q, want %q", i, got[i], want)
				}
				done++
			}
		}
		return done == streams
	})
	b := l.be.(*uringBackend)
	if b.makeRooms == 0 || b.makeRoomWaits != 0 {
		t.Fatalf("submission queue full %d times, %d waits for room; want some and none", b.makeRooms, b.makeRoomWaits)
	}
}

// TestUringTrimIdle streams bursts of data through the proactor, trimming
// between bursts as kvd's cron does: after a burst that cycled the ring
// and an idle period the receive buffers hold no resident page, and every
// byte still arrives intact and in order, whether the trim lands between
// bursts or while data is arriving.
func TestUringTrimIdle(t *testing.T) {
	l := newBackendLoop(t, IOUring)
	b := l.be.(*uringBackend)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	h := &echoHandler{l: l, fd: fds[0]}
	if err := l.AddStream(fds[0], h); err != nil {
		t.Fatal(err)
	}
	resident := func() int {
		vec := make([]byte, (len(b.br.bufs)+4095)/4096)
		if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&b.br.bufs[0])), uintptr(len(b.br.bufs)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
			t.Fatal(errno)
		}
		n := 0
		for _, v := range vec {
			n += int(v & 1)
		}
		return n
	}
	var sent []byte
	burst := func(size int, trimMidway bool) {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(len(sent) + i*7)
		}
		go func() {
			for off := 0; off < len(data); {
				n, err := unix.Write(fds[1], data[off:])
				if err == unix.EAGAIN {
					time.Sleep(time.Millisecond)
					continue
				}
				if err != nil {
					return
				}
				off += n
			}
		}()
		sent = append(sent, data...)
		spin(t, l, "burst", func() bool {
			if trimMidway {
				l.TrimIdle()
			}
			return len(h.got) >= len(sent)
		})
	}
	for round := 0; round < 4; round++ {
		burst(4<<20, round%2 == 1)
		if round == 0 && resident() < 256 {
			t.Fatalf("a burst of 4 MB left only %d pages of the ring resident", resident())
		}
		l.TrimIdle() // sees the burst
		l.TrimIdle() // and now an idle period: trims
		if n := resident(); n != 0 {
			t.Fatalf("round %d: %d pages of the receive ring resident after an idle trim", round, n)
		}
	}
	if !bytes.Equal(h.got, sent) {
		t.Fatalf("received %d bytes, sent %d: the data differs", len(h.got), len(sent))
	}
}
