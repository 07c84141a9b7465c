package main

import "github.com/redis/go-redis/v9"

func newCache() *redis.Client {
	// ruleid: cache-client-go
	return redis.NewClient(&redis.Options{Addr: "cache:6379"})
}

func other() {
	// ok: cache-client-go
	fmt.Println("x")
}
