package users

import (
	"crypto/md5"
	"encoding/hex"
	"net/http"

	"golang.org/x/crypto/bcrypt"
)

func Md5Hex(text string) string {
	sum := md5.Sum([]byte(text))
	return hex.EncodeToString(sum[:])
}

func login(r *http.Request) string {
	// ruleid: fast-hash-helper-on-password
	return Md5Hex(r.FormValue("password"))
}

func loginSafe(r *http.Request) ([]byte, error) {
	// ok: fast-hash-helper-on-password
	return bcrypt.GenerateFromPassword([]byte(r.FormValue("password")), bcrypt.DefaultCost)
}

func etag(body string) string {
	// ok: fast-hash-helper-on-password
	return Md5Hex(body)
}
