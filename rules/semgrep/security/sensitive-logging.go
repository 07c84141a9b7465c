package auth

import (
	"log"
	"net/http"
)

func Login(w http.ResponseWriter, r *http.Request) {
	password := r.FormValue("password")
	// ruleid: go-secret-logged
	log.Printf("login with password %s", password)
	// ruleid: go-secret-logged
	log.Println("auth:", r.Header.Get("Authorization"))
	// ok: go-secret-logged
	log.Printf("login for %s", r.FormValue("username"))
	// ok: go-secret-logged
	log.Printf("password length %d", len(password))
}

func Routes() {
	http.HandleFunc("/reset", func(w http.ResponseWriter, r *http.Request) {
		token := r.FormValue("token")
		// ruleid: go-secret-logged
		log.Printf("reset with token %s", token)
	})
}
