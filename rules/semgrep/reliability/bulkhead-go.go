package main

import (
	"database/sql"

	"golang.org/x/sync/semaphore"
)

func setup(db *sql.DB) *semaphore.Weighted {
	// ruleid: bounded-pool-go
	db.SetMaxOpenConns(20)
	// ruleid: bounded-pool-go
	return semaphore.NewWeighted(8)
}
