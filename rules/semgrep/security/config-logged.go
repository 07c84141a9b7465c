package main

import "log"

func start(cfg Config) {
	// ruleid: go-whole-config-logged
	log.Printf("config: %+v", cfg)
	// ok: go-whole-config-logged
	log.Printf("listening on %s", cfg.Addr)
}
