package web

import "net/http"

func SetSession(w http.ResponseWriter, id string) {
	// ruleid: go-cookie-without-secure-flags
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: id})
	// ok: go-cookie-without-secure-flags
	// ruleid: go-cookie-flags-set
	http.SetCookie(w, &http.Cookie{Name: "sid", Value: id, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}
