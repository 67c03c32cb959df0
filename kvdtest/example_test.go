package kvdtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kvdserver/kvd/kvdtest"
	"github.com/redis/go-redis/v9"
)

// A server, a client, and the clock moved past a TTL without sleeping.
func Example() {
	s, err := kvdtest.Run()
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, DisableIdentity: true})
	defer c.Close()

	c.Set(ctx, "session", "alice", time.Hour)
	fmt.Println(s.Get("session"))
	s.FastForward(time.Hour)
	fmt.Println(s.Exists("session"))
	// Output:
	// alice <nil>
	// false
}

// Seeding data with the helpers and inspecting it with Dump.
func ExampleServer_Dump() {
	s, _ := kvdtest.Run()
	defer s.Close()
	s.Set("greeting", "hello")
	s.HSet("user:1", "name", "bob", "age", "42")
	s.Push("queue", "a", "b")
	fmt.Print(s.Dump())
	// Output:
	// - greeting
	//    "hello"
	// - queue
	//    "a"
	//    "b"
	// - user:1
	//    age: "42"
	//    name: "bob"
}

// SetError makes every client command fail, to test error paths.
func ExampleServer_SetError() {
	s, _ := kvdtest.Run()
	defer s.Close()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2, DisableIdentity: true})
	defer c.Close()
	s.SetError("ERR server on fire")
	fmt.Println(c.Ping(context.Background()).Err())
	s.SetError("")
	fmt.Println(c.Ping(context.Background()).Val())
	// Output:
	// ERR server on fire
	// PONG
}
