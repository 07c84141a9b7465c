package auth

import (
	"os"

	"github.com/golang-jwt/jwt/v5"
)

func Issue(claims jwt.MapClaims) (string, error) {
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	// ruleid: jwt-literal-key-go
	return token.SignedString([]byte("k3y-for-pr0d-9f8e7d"))
}

func IssueFromEnv(claims jwt.MapClaims) (string, error) {
	token := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	// ok: jwt-literal-key-go
	return token.SignedString([]byte(os.Getenv("JWT_SECRET")))
}

func Parse(raw string) (*jwt.Token, error) {
	// ruleid: jwt-literal-key-go
	return jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) {
		return []byte("k3y-for-pr0d-9f8e7d"), nil
	})
}

func ParseFromEnv(raw string) (*jwt.Token, error) {
	// ok: jwt-literal-key-go
	return jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) {
		return []byte(os.Getenv("JWT_SECRET")), nil
	})
}
