// Package server is kvd's Redis-compatible server: clients, the command
// table and dispatch, configuration, INFO, and the glue between the event
// loop and the store.
//
// Every command runs against a command context (Ctx, ctx.go): its
// arguments, the selected database, the command's clock, the
// configuration, the calling client and a reply sink. A connection's Ctx
// lives in its Client; a fake client (newFakeClient) runs commands with no
// socket. After each command that changed data, call (command.go) counts
// the change, flags watchers of the keys (WATCH), emits the propagation
// stream (propagate.go) and serves clients blocked on keys that became
// ready (blocking.go).
//
// A Server is created with New, started with ListenAndServe (or Listen then
// Serve), and stopped with Shutdown or Close, like net/http's. Every command
// runs on one goroutine, the event loop's, so the store needs no locks. Many
// servers can live in one process.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kvdserver/kvd/eventloop"
	"github.com/kvdserver/kvd/iothreads"
	"github.com/kvdserver/kvd/store"
)

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown or Close.
var ErrServerClosed = errors.New("kvd: Server closed")

// Version is kvd's own version.
const Version = "0.1.0"

// RedisVersion is the Redis version kvd behaves like, reported where clients
// look for redis_version.
const RedisVersion = "7.0.15"

// Server is a kvd server.
type Server struct {
	cfg Config // the configuration, read and written on the loop only

	slowlog slowLog        // slowlog.go
	latency latencyMonitor // latency.go
	// cfgView is a copy of cfg published after every change, for Config,
	// which any goroutine may call.
	cfgView atomic.Pointer[Config]

	loop *eventloop.Loop
	log  *logger
	dbs  []*store.DB

	acl aclState // users and the ACL log (acl_state.go)
	// aclKeys is the executor's scratch slice for the keys of the command
	// whose permissions it checks.
	aclKeys []keyRef
	// geoPoints is the executor's scratch array of the points a geo
	// search found (cmd_geo_search.go).
	geoPoints []geoPoint
	// served is set once Serve has started (a server that never served
	// does not log Redis's farewell).
	served atomic.Bool
	// tcpAs is the bind list and port the TCP listeners were opened with.
	tcpAs tcpListeningAs
	// supervised is how the server is supervised (supervise.go).
	supervised int
	rdb        rdbState  // saving and loading (rdb.go)
	save       saveState // background saves, save points (save.go)
	aof        aofState  // the append-only file (aof.go)
	// aofFatalErr: the AOF failed where appendfsync always cannot go on
	// (aof.go); Serve returns it.
	aofFatalErr error
	// saveCron is (*Server).saveCron, called by the cron through this
	// field: a direct call would make an initialisation cycle (the config
	// table refers to the cron, the save to the config table).
	saveCron func()

	listeners []*listener
	runID     string
	startTime time.Time

	clients      map[int64]*Client
	nextClientID int64
	bufPool      bufPool

	commands *commandTable
	pidFile  string // the pid file written, removed at exit (see pidfile.go)
	stats    serverStats
	prop     propagator            // the propagation stream (propagate.go)
	repl     replState             // replication (repl.go)
	watchers map[watchID][]*Client // clients watching each key (WATCH)

	paused        pauseMode
	pauseEnd      int64     // unix ms
	pauseTimer    int64     // the loop timer that ends the pause, 0 if none
	pausedClients []*Client // held by CLIENT PAUSE, in the order they were held
	resumeQueue   []*Client // released by the pause's end (or unblocked), resumed before sleeping

	blk   blockIndex   // blocked clients (blocking.go)
	ps    pubsubState  // subscriptions (pubsub.go)
	mon   monitorState // MONITOR clients (monitor.go)
	evict evictState   // maxmemory and eviction (evict.go)

	trk        trackingState             // client-side caching (tracking.go)
	notifyBuf  []byte                    // a keyspace notification's channel, reused (notify.go)
	notifyHook func(channel, msg []byte) // tests: sees every keyspace notification

	scripts   *scriptEngine // Lua scripts and functions (script.go), made on first use
	scriptNow int64         // the time of the running script, which its commands see (0: none)

	ioPool    *iothreads.Pool // nil unless io-threads > 1
	cronTimer int64
	cronLoops int64
	lastNow   int64 // unix ms cached for the command being executed
	// cmdMark is the clock reading taken when a client's data arrived or
	// that ended the last command of that data, reused as the start of the
	// next command in the same data (one clock read per command in a
	// pipeline instead of two; what lies between is the parsing of the
	// next command). 0 when no such reading is current.
	cmdMark     int64
	clock       clock
	embed       embedState // embed.go
	pprofServer *http.Server

	state     atomic.Int32 // stateNew, stateListening, stateServing, stateClosed
	closeOnce sync.Once
	done      chan struct{} // closed when Serve has returned and cleaned up
	addrMu    sync.Mutex
	addrs     []net.Addr
	shutdown  bool // SHUTDOWN was executed
	// acceptPaused is set when accepts were paused for want of descriptors
	// (and logged), cleared by the next accepted connection.
	acceptPaused bool
	// stopping is closed (once, by stopRequested) when Shutdown or Close is
	// called, so that a command sleeping on the loop (DEBUG SLEEP) stops.
	stopping     chan struct{}
	stoppingOnce sync.Once

	infoStatic     *infoStatic // INFO values computed once, on first use
	noActiveExpire bool        // DEBUG SET-ACTIVE-EXPIRE 0
	debug          debugState  // what other DEBUG subcommands set

	// Keyspace tables dropped by resizes and flushes, not yet handed back
	// to the operating system (see releaseDropped).
	dropped          int
	releaseThreshold int
	releasing        atomic.Bool  // a release is running
	releases         atomic.Int64 // releases started

	// Streams (cmd_stream*.go): the range replier and the IDs a group
	// read delivered, reused from command to command.
	streamReplier   *streamReplier
	streamDelivered []store.StreamID
}

// defaultReleaseThreshold is how many bytes of dropped keyspace tables make
// the server return free memory to the operating system at once.
const defaultReleaseThreshold = 16 << 20

const (
	stateNew int32 = iota
	stateListening
	stateServing
	stateClosed
)

// pauseMode is what CLIENT PAUSE holds back; a larger mode holds back more.
type pauseMode int

const (
	pauseOff   pauseMode = iota
	pauseWrite           // commands that may write or replicate
	pauseAll             // every command
)

// New creates a server from cfg. It validates the configuration and
// prepares the event loop and databases, but does not listen yet.
func New(cfg Config) (*Server, error) {
	if cfg.Databases < 1 {
		return nil, fmt.Errorf("kvd: databases must be at least 1, got %d", cfg.Databases)
	}
	if cfg.Hz < 1 {
		cfg.Hz = 1
	}
	cfg.Hz = min(cfg.Hz, maxHz)
	if cfg.MaxClients < 1 {
		return nil, fmt.Errorf("kvd: maxclients must be at least 1, got %d", cfg.MaxClients)
	}
	if cfg.IOThreads < 1 {
		cfg.IOThreads = 1
	}
	if cfg.ClientQueryBufferLimit <= 0 {
		cfg.ClientQueryBufferLimit = 1 << 30
	}
	if cfg.ProtoMaxBulkLen <= 0 {
		cfg.ProtoMaxBulkLen = 512 << 20
	}
	if cfg.EnableDebugCommand == "" {
		cfg.EnableDebugCommand = "no"
	}
	lg, err := newLogger(cfg)
	if err != nil {
		return nil, err
	}
	loop, ioModel, err := newLoop(cfg, lg)
	if err != nil {
		lg.close()
		return nil, fmt.Errorf("kvd: %w", err)
	}
	cfg.IOModel = ioModel
	var id [20]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("kvd: run id: %w", err)
	}
	s := &Server{
		releaseThreshold: defaultReleaseThreshold,
		cfg:              cfg,
		loop:             loop,
		log:              lg,
		runID:            hex.EncodeToString(id[:]),
		startTime:        time.Now(),
		clients:          make(map[int64]*Client),
		ps:               newPubsubState(),
		commands:         newCommandTable(),
		done:             make(chan struct{}),
		stopping:         make(chan struct{}),
		clock:            newClock(),
	}
	s.rdb.lastSave, s.save.lastSecs = s.startTime.Unix(), -1
	s.saveCron = s.runSaveCron
	s.commands.rename(cfg.RenameCommands)
	if err := s.initACL(); err != nil {
		loop.Close()
		lg.close()
		return nil, err
	}
	// Like Redis at start-up: raise the open files limit to what
	// maxclients needs or, if the system refuses, lower maxclients to what
	// the limit allows, so that a client past it is refused with an error
	// rather than left waiting for a descriptor.
	n := s.adjustOpenFilesLimit()
	if n < 1 {
		loop.Close()
		lg.close()
		return nil, fmt.Errorf("kvd: the open files limit leaves no room for clients (maxclients %d needs %d)", cfg.MaxClients, cfg.MaxClients+reservedFds)
	}
	s.cfg.MaxClients = n
	s.publishConfig()
	s.stats.init()
	s.dbs = make([]*store.DB, cfg.Databases)
	for i := range s.dbs {
		s.dbs[i] = store.NewDB()
		s.dbs[i].OnExpire = func(key []byte) { s.keyExpired(i, key) }
	}
	s.applyNotify()
	s.applyMaxmemory() // evict.go
	if cfg.IOThreads > 1 && ioModel != "portable" {
		if n := runtime.GOMAXPROCS(0); n < cfg.IOThreads {
			s.logf(levelWarning, "io-threads %d but GOMAXPROCS is %d: the threads will share %d CPUs", cfg.IOThreads, n, n)
		}
		s.ioPool = iothreads.New(cfg.IOThreads)
		s.ioPool.SetAdaptive(cfg.IOThreadsAdaptive)
		// Like Redis, threads are used only when enough clients are
		// pending in one iteration to be worth waking them.
		loop.SetParallel(s.ioPool, 2*cfg.IOThreads, cfg.IOThreadsDoReads)
	}
	loop.BeforeSleep(s.beforeSleep)
	loop.SetPanicHandler(func(e *eventloop.PanicError) {
		s.logf(levelWarning, "%v (the server goes on)\n%s", e, e.Stack)
	})
	s.cronTimer = loop.AddTimer(time.Second/time.Duration(cfg.Hz), s.cron)
	return s, nil
}

// newLoop creates the event loop for cfg.IOModel, falling back to the
// reactor with a warning if io_uring is unavailable or I/O threads are
// asked for, and to the portable backend where the system has neither
// epoll nor io_uring. It returns the model in use.
func newLoop(cfg Config, lg *logger) (*eventloop.Loop, string, error) {
	if cfg.IOModel != "portable" && eventloop.DefaultBackend == eventloop.Portable {
		cfg.IOModel = "portable" // the only backend outside Linux
	}
	if cfg.IOModel == "portable" {
		if cfg.IOThreads > 1 {
			lg.printf(levelNotice, cfg.LogLevel, "io-threads %d: ignored by io-model portable, where every connection has its own goroutines", cfg.IOThreads)
		}
		loop, err := eventloop.NewWithOptions(eventloop.Options{Backend: eventloop.Portable})
		return loop, "portable", err
	}
	if cfg.IOModel == "proactor" && cfg.IOThreads > 1 {
		lg.printf(levelNotice, cfg.LogLevel, "io-threads %d: running the reactor, since the proactor does its I/O in the kernel and has no I/O threads", cfg.IOThreads)
	} else if cfg.IOModel == "proactor" {
		loop, err := eventloop.NewWithOptions(eventloop.Options{
			Backend:  eventloop.IOUring,
			SpinWait: time.Duration(cfg.ProactorSpinUsec) * time.Microsecond,
		})
		if err == nil {
			return loop, "proactor", nil
		}
		if !errors.Is(err, eventloop.ErrUnsupported) {
			return nil, "", err
		}
		lg.printf(levelWarning, cfg.LogLevel, "io-model proactor unavailable (%v): falling back to the reactor", err)
	}
	loop, err := eventloop.NewWithOptions(eventloop.Options{Backend: eventloop.Epoll})
	return loop, "reactor", err
}

// Config returns a copy of the server's current configuration. It is safe
// to call from any goroutine: it reads the copy published after the last
// change (see publishConfig), never the configuration CONFIG SET writes.
func (s *Server) Config() Config { return *s.cfgView.Load() }

// publishConfig publishes a copy of the configuration for Config. The loop
// calls it after every change to s.cfg.
func (s *Server) publishConfig() {
	cfg := s.cfg
	cfg.Bind = append([]string(nil), s.cfg.Bind...)
	s.cfgView.Store(&cfg)
}

// Listen opens the listeners the configuration asks for. After it returns,
// Addr reports where the server listens. Serve calls it if needed.
func (s *Server) Listen() error {
	if s.state.Load() != stateNew {
		if s.state.Load() == stateClosed {
			return ErrServerClosed
		}
		return nil
	}
	s.logStarting()
	lns, err := openListeners(s.cfg, func(format string, args ...any) { s.logf(levelWarning, format, args...) })
	if err != nil {
		return err
	}
	if len(lns) == 0 {
		return errors.New("kvd: no listening sockets configured (port < 0 and no unixsocket)")
	}
	for i, l := range lns {
		if err := s.addAcceptor(l); err != nil {
			for _, done := range lns[:i] {
				s.loop.RemoveAcceptor(done.fd)
			}
			closeListeners(lns)
			return fmt.Errorf("kvd: %w", err)
		}
	}
	s.listeners = lns
	s.tcpAs = tcpListeningAs{bind: slices.Clone(s.cfg.Bind), port: s.cfg.Port}
	s.addrMu.Lock()
	for _, l := range lns {
		s.addrs = append(s.addrs, l.addr)
	}
	s.addrMu.Unlock()
	s.state.Store(stateListening)
	s.writePidFile()
	return nil
}

// addListener has the portable loop accept connections on l's listener.
func (s *Server) addListener(l *listener) error {
	id, err := s.loop.AddListener(l.ln,
		func(fd int, peer net.Addr) { s.newClient(fd, peer, l) },
		func(err error) { s.acceptError(l, err) })
	if err != nil {
		return err
	}
	l.fd = id
	return nil
}

// Addr returns the address of the first listener (the TCP one if there is
// one), or nil before Listen.
func (s *Server) Addr() net.Addr {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	if len(s.addrs) == 0 {
		return nil
	}
	return s.addrs[0]
}

// Addrs returns the addresses of every listener.
func (s *Server) Addrs() []net.Addr {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	return append([]net.Addr(nil), s.addrs...)
}

// ListenAndServe listens as configured and serves until Shutdown or Close.
// It returns ErrServerClosed then, or the error that stopped it.
func (s *Server) ListenAndServe() error {
	if err := s.Listen(); err != nil {
		return err
	}
	return s.Serve()
}

// Serve runs the event loop on the calling goroutine until the server is
// shut down. It listens first if Listen was not called. It returns
// ErrServerClosed after Shutdown, Close or the SHUTDOWN command.
func (s *Server) Serve() error {
	if err := s.Listen(); err != nil {
		return err
	}
	if !s.state.CompareAndSwap(stateListening, stateServing) {
		return ErrServerClosed
	}
	s.served.Store(true)
	s.logRunning()
	if err := s.startPprof(); err != nil {
		s.cleanup()
		return err
	}
	if err := s.loadAtStartup(); err != nil { // rdb.go
		s.cleanup()
		return err
	}
	s.replStartup() // repl_client.go: the replicaof directive
	s.logf(levelNotice, "Ready to accept connections")
	s.signalReady()
	err := s.loop.Run()
	s.cleanup()
	if err != nil {
		return err
	}
	if s.aofFatalErr != nil {
		return s.aofFatalErr
	}
	return ErrServerClosed
}

// Shutdown stops accepting connections, writes what replies it can, closes
// every client and stops the loop. It waits until Serve has returned or ctx
// is done; in the latter case it closes the server forcibly and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.state.Load() != stateServing {
		s.cleanup()
		return nil
	}
	s.stopRequested()
	s.loop.Submit(func() {
		s.logf(levelWarning, "User requested shutdown...")
		s.stopLoop(true)
	})
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}

// Close closes the listeners and every connection at once and stops the
// loop. It waits until Serve has returned.
func (s *Server) Close() error {
	if s.state.Load() != stateServing {
		s.cleanup()
		return nil
	}
	s.stopRequested()
	s.loop.Submit(func() { s.stopLoop(false) })
	s.loop.Stop()
	<-s.done
	return nil
}

// Done returns a channel that is closed once the server has stopped and
// released its resources.
func (s *Server) Done() <-chan struct{} { return s.done }

// ShutdownOnSignal is Shutdown for a process that received the signal
// named sig (SIGTERM, SIGINT): it first logs the line Redis's signal
// handler logs, "Received SIGTERM scheduling shutdown...".
//
// With save points (or shutdown-on-sigterm/sigint "save") it first saves
// the dataset, as Redis does; if that save fails (and not "force") the
// server keeps running and the error is returned.
func (s *Server) ShutdownOnSignal(ctx context.Context, sig string) error {
	s.log.signalLine(levelWarning, s.cfg.LogLevel, "Received "+sig+" scheduling shutdown...")
	if s.state.Load() != stateServing {
		return s.Shutdown(ctx)
	}
	// A command sleeping on the loop (DEBUG SLEEP) is cut short, as Redis's
	// signal handler cuts it short (even if the final save then fails).
	s.stopRequested()
	errc := make(chan error, 1)
	s.loop.Submit(func() {
		s.logf(levelWarning, "User requested shutdown...")
		save, nosave, force := s.signalShutdownFlags(sig)
		if err := s.shutdownSave(save, nosave, force); err != nil {
			s.logf(levelWarning, "%s received but errors trying to shut down the server, check the logs for more information", sig)
			errc <- err
			return
		}
		s.stopLoop(true)
		errc <- nil
	})
	select {
	case err := <-errc:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}

// stopRequested tells a command sleeping on the loop that the server is
// stopping. It may be called from any goroutine, any number of times.
func (s *Server) stopRequested() {
	s.stoppingOnce.Do(func() { close(s.stopping) })
}

// stopLoop runs on the loop: it closes the listeners, optionally flushes
// replies, closes the clients and stops the loop.
func (s *Server) stopLoop(flush bool) {
	s.aofShutdown()
	if flush {
		s.notifySupervisor("STOPPING=1\n")
	}
	for _, l := range s.listeners {
		s.loop.RemoveAcceptor(l.fd)
		if l.path != "" && flush {
			s.logf(levelNotice, "Removing the unix socket file.")
		}
	}
	closeListeners(s.listeners)
	s.listeners = nil
	for _, c := range s.clientList() {
		if flush && c.pendingOutput() > 0 && !s.loop.Writing(c.fd) {
			// Best effort, without waiting: the peer may not be reading.
			for out := c.Output(); len(out) > 0; out = c.Output() {
				n, err := s.loop.WriteNow(c.fd, out)
				if n > 0 {
					c.OnWritten(n)
				}
				if err != nil || n < len(out) {
					break
				}
			}
		}
		c.close()
	}
	s.loop.Stop()
}

// cleanup releases everything once the loop has stopped (or never ran).
func (s *Server) cleanup() {
	s.closeOnce.Do(func() {
		s.state.Store(stateClosed)
		for _, c := range s.clientList() {
			c.close()
		}
		closeListeners(s.listeners)
		s.listeners = nil
		if s.pprofServer != nil {
			s.pprofServer.Close()
		}
		s.loop.Close()
		s.aofClose()
		if s.ioPool != nil {
			s.ioPool.Close()
		}
		s.removePidFile()
		if s.served.Load() {
			s.logf(levelWarning, "Redis is now ready to exit, bye bye...")
		}
		s.log.close()
		close(s.done)
	})
}

// ---- clients ----

// acceptError handles a failed accept. Out of descriptors or memory, the
// listener stays readable: stop accepting for a while instead of spinning.
func (s *Server) acceptError(l *listener, err error) {
	if !errors.Is(err, syscall.EMFILE) && !errors.Is(err, syscall.ENFILE) && !errors.Is(err, syscall.ENOBUFS) && !errors.Is(err, syscall.ENOMEM) {
		s.logf(levelWarning, "Accepting client connection: %v", err)
		return
	}
	// Logged once per episode, not on every retry (ten a second).
	if !s.acceptPaused {
		s.acceptPaused = true
		s.logf(levelWarning, "Accepting client connection: %v; pausing accepts for 100ms at a time until a descriptor is free", err)
	}
	if err := s.loop.PauseAcceptor(l.fd, true); err != nil {
		s.logf(levelWarning, "%v", err)
		return
	}
	s.loop.AddTimer(100*time.Millisecond, func() time.Duration {
		if l.fd >= 0 {
			s.loop.PauseAcceptor(l.fd, false)
		}
		return 0
	})
}

func (s *Server) newClient(fd int, peer net.Addr, l *listener) {
	s.stats.totalConnections++
	s.acceptPaused = false
	if len(s.clients) >= s.cfg.MaxClients {
		// Reject drains what the client already sent: closing a socket with
		// unread input sends a reset, which can destroy the error before it is read.
		s.loop.Reject(fd, []byte("-"+errMaxClients+"\r\n"))
		s.stats.rejectedConnections++
		return
	}
	if s.cfg.ProtectedMode && !l.unix && !isLocalPeer(peer) && s.acl.defaultUser.flags&userNoPass != 0 {
		// Protected mode, as Redis's clientAcceptHandler: no password on
		// the default user, so only local clients are served.
		s.loop.Reject(fd, []byte("-"+errProtectedModeFmt+"\r\n"))
		s.stats.rejectedConnections++
		return
	}
	if !l.unix {
		s.loop.TuneTCP(fd, s.cfg.TCPKeepAlive)
	}
	s.nextClientID++
	now := s.nowMs()
	c := &Client{
		fd:         fd,
		id:         s.nextClientID,
		ctime:      now,
		lastActive: now,
	}
	s.initCtx(c, true)
	c.parser.MaxBulkLen = s.cfg.ProtoMaxBulkLen
	c.addr, c.laddr = sockaddrString(peer, l), s.localAddrString(fd, l)
	if l.unix {
		c.flags |= flagUnix | flagLocal
	} else if isLocalPeer(peer) {
		// As Redis's islocalClient: 127.0.0.1 and ::1 only, not all of 127/8.
		c.flags |= flagLocal
	}
	c.user = s.acl.defaultUser
	if s.defaultAuthenticated() {
		c.flags |= flagAuthenticated
	}
	if err := s.loop.AddStream(fd, c); err != nil {
		s.logf(levelWarning, "Registering client: %v", err)
		s.loop.Reject(fd, nil)
		return
	}
	s.clients[c.id] = c
}

func (s *Server) removeClient(c *Client) {
	delete(s.clients, c.id)
}

// clientList returns the connected clients in the order they connected.
func (s *Server) clientList() []*Client {
	list := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].id < list[j].id })
	return list
}

// recoverClient, deferred by a client's handlers, turns a panic in a
// command into a logged stack trace and the close of that client only.
func (s *Server) recoverClient(c *Client) {
	if r := recover(); r != nil {
		s.logf(levelWarning, "panic serving client %s: %v\n%s", c.infoString(), r, debug.Stack())
		c.close()
	}
}

// safeProcess executes the commands already in a client's query buffer,
// with the same panic protection as OnData.
func (s *Server) safeProcess(c *Client) {
	defer s.recoverClient(c)
	c.processInput()
	c.flush()
}

// closeIfOverOutputLimit closes c if its pending replies are over the
// output buffer limit and reports whether it did. processInput calls it
// after every command, as Redis checks on every reply, so that one read of
// pipelined requests cannot pile up replies far past the limit (and stall
// the loop building them) before the client is dropped.
func (s *Server) closeIfOverOutputLimit(c *Client) bool {
	if c.closed() {
		return false
	}
	if !s.overOutputLimit(c) {
		c.maybeSpill()
		return false
	}
	s.logf(levelWarning, "Client %s closed for overcoming of output buffer limits.", c.infoString())
	c.close()
	return true
}

func (s *Server) overOutputLimit(c *Client) bool {
	lim := s.outputLimitOf(c)
	n := int64(c.pendingOutput())
	if n > unauthOutputLimit && c.authRequired() {
		return true
	}
	if lim.Hard > 0 && n >= lim.Hard {
		return true
	}
	if lim.Soft > 0 && n >= lim.Soft {
		now := s.nowMs()
		if c.outLimitSince == 0 {
			c.outLimitSince = now
		}
		return now-c.outLimitSince > int64(lim.SoftSeconds)*1000
	}
	c.outLimitSince = 0
	return false
}

// unauthOutputLimit is the most unwritten reply bytes a client that must
// still authenticate may have before it is closed, whatever the configured
// limits. Redis (since the fix for CVE-2025-21605) closes such a client as
// soon as its replies overflow the fixed 16 KB reply buffer into the reply
// list, so that a client without the password cannot make the server hold
// replies it never reads.
const unauthOutputLimit = ioBufSize

// beforeSleep runs before the loop waits: it resumes the clients a pause
// released. The loop then writes the replies of every flushed client.
func (s *Server) beforeSleep() {
	s.cmdMark = 0 // timers (the cron among them) ran since the last command
	s.resumeReleased()
	s.trackingBeforeSleep()
	s.evictClients() // evict_clients.go
	s.closeOverLimit()
	s.aofBeforeSleep() // aof.go: written (and fsynced) before the replies go out
	s.cmdMark = 0      // the loop waits next
}

// ---- time and cron ----

// clock reads the time with one monotonic clock reading: the wall time is
// derived from a base taken at start-up and re-taken by every cron run, so
// a step of the system clock shows within a cron period. time.Now costs two
// clock reads (wall and monotonic); this hot path needs only one.
type clock struct {
	base   time.Time
	baseNs int64 // base in unix nanoseconds
}

func newClock() clock {
	now := time.Now()
	return clock{base: now, baseNs: now.UnixNano()}
}

// mono returns nanoseconds since the base.
func (k *clock) mono() int64 { return int64(time.Since(k.base)) }

// ms converts a mono reading to unix milliseconds. The base keeps its
// nanoseconds, so the result never lags the wall clock by a fraction of
// a millisecond (a client that computed a deadline as now+N ms must never
// see a TTL above N).
func (k *clock) ms(mono int64) int64 { return (k.baseNs + mono) / 1e6 }

// now returns the current wall time.
func (k *clock) now() time.Time { return k.base.Add(time.Duration(k.mono())) }

// nowMs returns the current time in unix milliseconds.
func (s *Server) nowMs() int64 { return s.clock.ms(s.clock.mono()) }

// cron runs hz times a second: active expiry, idle timeouts, pause expiry.
func (s *Server) cron() time.Duration {
	s.resetClock() // readings of the old clock do not compare with the new one
	if s.debug.pauseCron {
		return time.Second / time.Duration(s.cfg.Hz)
	}
	s.cronLoops++
	now := s.nowMs()
	if s.runWithPeriod(100) {
		s.trackMetrics(now)
	}
	heap := readMemory().objects
	s.notePeak(uint64(s.usedMemory())) // used_memory_peak follows used_memory (evict.go)
	// Active rehashing, as Redis's activerehashing yes: a keyspace table
	// being resized moves for up to a millisecond per tick even when no
	// write comes to move it.
	for _, db := range s.dbs {
		db.Rehash(time.Millisecond)
	}
	s.releaseDropped(heap)
	s.evictCron() // evict.go
	s.saveCron()
	s.aofCron()
	if tick := s.repl.tick; tick != nil {
		tick() // repl.go: set when replication begins (a direct call would be an initialisation cycle)
	}
	if s.paused != pauseOff && now >= s.pauseEnd {
		s.unpause()
	}
	// Active expiry: up to 25% of a cron period, like Redis's slow cycle.
	// Like Redis, no key is expired while clients are paused: the data set
	// stays as it was when the pause began.
	if !s.noActiveExpire && s.paused == pauseOff && s.repl.master == nil {
		budget := time.Second / time.Duration(s.cfg.Hz) / 4
		start := time.Now()
		capped := false
		for _, db := range s.dbs {
			if db.ExpiresLen() > 0 {
				if _, timedOut := db.ExpireCycle(now, budget); timedOut {
					capped = true
				}
			}
		}
		took := time.Since(start)
		s.stats.expireCycleTime += took
		s.latencyAddSampleIfNeeded("expire-cycle", took.Milliseconds())
		if capped {
			s.stats.expireTimeCapReached++
		}
	}
	// Like Redis's clientsCron, every client with pending replies is checked
	// against the output buffer limits once a second: one that stopped
	// reading sends nothing more, so the check after each command never
	// comes, and it would otherwise stay above the soft limit for ever.
	if s.anySoftOutputLimit() && s.cronLoops%int64(s.cfg.Hz) == 0 {
		for _, c := range s.clients {
			if c.pendingOutput() > 0 {
				s.closeIfOverOutputLimit(c)
			}
		}
	}
	// Receive buffers a burst left resident go back to the system once the
	// loop has received nothing for a cron period.
	s.loop.TrimIdle()
	if s.cfg.Timeout > 0 && s.cronLoops%int64(s.cfg.Hz) == 0 {
		limit := int64(s.cfg.Timeout) * 1000
		for _, c := range s.clientList() {
			// Like Redis, subscribers and monitors are never idle.
			if now-c.lastActive > limit && c.flags&(flagPaused|flagBlocked|flagPubSub|flagMonitor|flagReplica|flagMaster) == 0 {
				s.logf(levelVerbose, "Closing idle client")
				c.close()
			}
		}
	}
	return time.Second / time.Duration(s.cfg.Hz)
}

// releaseDropped returns free memory to the operating system once the
// databases have dropped releaseThreshold bytes of keyspace tables, or
// clients that many bytes of buffers (and a share of the heap, heap bytes
// in use, see bufPool.takeDropped). A table
// that grows is copied into one half as large again, and the old one would
// otherwise stay resident until the next garbage collection and the
// runtime's slow scavenger, which at a million keys is a third of the
// server's memory. The release (a collection, then returning every free
// page) runs beside the loop, one at a time; tables grow geometrically, so
// releases are rare and their total work is proportional to the data set.
func (s *Server) releaseDropped(heap uint64) {
	for _, db := range s.dbs {
		s.dropped += db.TakeDropped()
	}
	s.dropped += s.bufPool.takeDropped(heap)
	if s.dropped < s.releaseThreshold || !s.releasing.CompareAndSwap(false, true) {
		return
	}
	s.dropped = 0
	s.releases.Add(1)
	go func() {
		defer s.releasing.Store(false)
		debug.FreeOSMemory()
	}()
}

// runWithPeriod reports whether a task meant to run every ms milliseconds
// is due in this cron tick, like Redis's run_with_period.
func (s *Server) runWithPeriod(ms int) bool {
	period := 1000 / s.cfg.Hz
	return ms <= period || s.cronLoops%int64(ms/period) == 0
}

func (s *Server) applyHz() {
	if s.cronTimer != 0 {
		s.loop.CancelTimer(s.cronTimer)
	}
	s.cronTimer = s.loop.AddTimer(time.Second/time.Duration(s.cfg.Hz), s.cron)
}

// ---- pprof ----

func (s *Server) startPprof() error {
	if s.cfg.PprofAddr == "" {
		return nil
	}
	addr, err := pprofListenAddr(s.cfg.PprofAddr, s.cfg.PprofAllowRemote)
	if err != nil {
		return fmt.Errorf("kvd: pprof: %w", err)
	}
	ln, err := net.ListenTCP("tcp", addr)
	if err != nil {
		return fmt.Errorf("kvd: pprof: %w", err)
	}
	s.pprofServer = &http.Server{Handler: pprofMux(os.Args), ReadHeaderTimeout: 10 * time.Second}
	s.logf(levelNotice, "pprof listening on http://%s/debug/pprof/", ln.Addr())
	go s.pprofServer.Serve(ln)
	return nil
}
