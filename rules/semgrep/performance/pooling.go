package main

import "database/sql"

func open() *sql.DB {
	db, _ := sql.Open("postgres", "")
	// ruleid: db-pool-configured-go
	db.SetMaxOpenConns(20)
	// ok: db-pool-configured-go
	db.Ping()
	return db
}
