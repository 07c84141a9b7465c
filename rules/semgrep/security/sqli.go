package store

import (
	"database/sql"
	"fmt"
	"net/http"
)

func FindUser(db *sql.DB, name string) (*sql.Rows, error) {
	query := fmt.Sprintf("SELECT id FROM users WHERE name = '%s'", name)
	// ruleid: go-sql-built-from-strings
	return db.Query(query)
}

func DeleteOrder(db *sql.DB, id string) error {
	// ruleid: go-sql-built-from-strings
	_, err := db.Exec("DELETE FROM orders WHERE id = " + id)
	return err
}

func Search(db *sql.DB, r *http.Request) *sql.Row {
	// ruleid: go-sql-built-from-strings
	return db.QueryRowContext(r.Context(), "SELECT id FROM products WHERE name = '"+r.FormValue("q")+"'")
}

func SafeUser(db *sql.DB, name string) (*sql.Rows, error) {
	// ok: go-sql-built-from-strings
	return db.Query("SELECT id FROM users WHERE name = $1", name)
}

func SafeLog(db *sql.DB, id string) error {
	msg := fmt.Sprintf("deleting %s", id)
	fmt.Println(msg)
	// ok: go-sql-built-from-strings
	_, err := db.Exec("DELETE FROM orders WHERE id = $1", id)
	return err
}
