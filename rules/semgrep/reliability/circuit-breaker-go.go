package main

import "github.com/sony/gobreaker"

func newBreaker() *gobreaker.CircuitBreaker {
	// ruleid: circuit-breaker-go
	return gobreaker.NewCircuitBreaker(gobreaker.Settings{Name: "pricing"})
}
