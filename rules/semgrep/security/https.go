package client

import (
	"crypto/tls"
	"net/http"
)

func Insecure() *http.Client {
	// ruleid: go-tls-verification-disabled
	cfg := &tls.Config{InsecureSkipVerify: true}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}

func Secure() *http.Client {
	// ok: go-tls-verification-disabled
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}

func Quote() (*http.Response, error) {
	// ruleid: go-plain-http-service-call
	return http.Get("http://shipping.internal:8080/quote")
}

func Local() (*http.Response, error) {
	// ok: go-plain-http-service-call
	return http.Get("http://127.0.0.1:8080/health")
}

func Serve(h http.Handler) error {
	// ruleid: go-https-enforced
	return http.ListenAndServeTLS(":443", "cert.pem", "key.pem", h)
}
