package auth

import (
	"crypto/des"
	"crypto/md5"
	"encoding/hex"
	"math/rand"
)

func HashPassword(password string) string {
	// ruleid: go-fast-hash-for-password
	sum := md5.Sum([]byte(password))
	return hex.EncodeToString(sum[:])
}

func ETag(body []byte) string {
	// ok: go-fast-hash-for-password
	sum := md5.Sum(body)
	return hex.EncodeToString(sum[:])
}

func resetToken() string {
	letters := "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 32)
	for i := range b {
		// ruleid: go-insecure-random-for-secret
		b[i] = letters[rand.Intn(len(letters))]
	}
	return string(b)
}

func jitter() int {
	// ok: go-insecure-random-for-secret
	delay := rand.Intn(100)
	return delay
}

func Encrypt(key []byte) {
	// ruleid: go-weak-cipher
	block, _ := des.NewCipher(key)
	_ = block
}
