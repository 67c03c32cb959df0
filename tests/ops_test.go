package tests

import (
	"strconv"
	"sync"
	"testing"
)

// Operational behaviour: configuration read from other goroutines, limits,
// the output buffer limits enforced by the cron, INFO and CLIENT LIST facts.

// TestConfigReadDuringConfigSet calls Server.Config from another goroutine
// while CONFIG SET changes the configuration on the loop; under -race it
// proves that embedders may read the configuration at any time.
func TestConfigReadDuringConfigSet(t *testing.T) {
	srv := newKvd(t, nil)
	c := dial(t, srv.Addr().String())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			cfg := srv.Config()
			if cfg.Timeout < 0 || cfg.MaxClients < 1 {
				t.Errorf("Config() returned timeout %d, maxclients %d", cfg.Timeout, cfg.MaxClients)
				return
			}
		}
	}()
	for i := 0; i < 200; i++ {
		if r := c.do("CONFIG", "SET", "timeout", strconv.Itoa(i), "maxclients", strconv.Itoa(1000+i)); r != "+OK\r\n" {
			t.Fatalf("CONFIG SET: %q", r)
		}
	}
	close(stop)
	wg.Wait()
	if got := srv.Config(); got.Timeout != 199 || got.MaxClients != 1199 {
		t.Errorf("Config() after CONFIG SET: timeout %d, maxclients %d; want 199, 1199", got.Timeout, got.MaxClients)
	}
}
