package main

import "net/http"

func routes(mux *http.ServeMux, r Router) {
	// ruleid: health-route-go
	mux.HandleFunc("/healthz", healthz)
	// ruleid: health-route-go
	http.HandleFunc("GET /readyz", readyz)
	// ruleid: health-route-go
	r.GET("/ping", ping)
	// ok: health-route-go
	mux.HandleFunc("/orders", orders)
}
