package server_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/kvdserver/kvd/server"
	"github.com/redis/go-redis/v9"
)

// Example embeds kvd in a Go program: it starts a server on a free
// loopback port, talks to it with a Redis client, and shuts it down.
func Example() {
	cfg := server.DefaultConfig()
	cfg.Bind = []string{"127.0.0.1"}
	cfg.Port = 0 // pick a free port; Addr reports it
	srv, err := server.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		log.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()

	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr().String()})
	if err := rdb.Set(ctx, "greeting", "hello from kvd", 0).Err(); err != nil {
		log.Fatal(err)
	}
	val, err := rdb.Get(ctx, "greeting").Result()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(val)
	_, err = rdb.Get(ctx, "missing").Result()
	fmt.Println(err == redis.Nil)
	rdb.Close()

	shutdownCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(errors.Is(<-served, server.ErrServerClosed))
	// Output:
	// hello from kvd
	// true
	// true
}
