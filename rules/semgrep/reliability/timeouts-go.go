package main

import (
	"net/http"
	"time"
)

func quote() (*http.Response, error) {
	// ruleid: go-http-default-client
	return http.Get("https://pricing.example.com/quote")
}

func clients() (*http.Client, *http.Client) {
	// ruleid: go-http-client-without-timeout
	slow := &http.Client{}
	// ok: go-http-client-without-timeout
	// ruleid: go-http-client-with-timeout
	fast := &http.Client{Timeout: 5 * time.Second}
	return slow, fast
}

func send(req *http.Request) (*http.Response, error) {
	// ruleid: go-http-default-client
	return http.DefaultClient.Do(req)
}
