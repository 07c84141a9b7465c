package handlers

import (
	"fmt"
	"io"
	"net/http"
)

func Preview(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Query().Get("url")
	// ruleid: go-ssrf-request-to-outbound-url
	resp, err := http.Get(target)
	if err != nil {
		http.Error(w, "upstream error", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	io.Copy(w, resp.Body)
}

func Callback(w http.ResponseWriter, r *http.Request) {
	// ruleid: go-ssrf-request-to-outbound-url
	req, _ := http.NewRequest("POST", r.FormValue("callback"), nil)
	http.DefaultClient.Do(req)
}

func Checked(w http.ResponseWriter, r *http.Request) {
	target := allowedURL(r.URL.Query().Get("url"))
	// ok: go-ssrf-request-to-outbound-url
	resp, _ := http.Get(target)
	defer resp.Body.Close()
}

func Fixed(w http.ResponseWriter, r *http.Request) {
	// ok: go-ssrf-request-to-outbound-url
	resp, _ := http.Get("https://api.partner.example/status?q=" + "fixed")
	defer resp.Body.Close()
}

func Quote(w http.ResponseWriter, r *http.Request) {
	// ok: go-ssrf-request-to-outbound-url
	resp, _ := http.Get(fmt.Sprintf("https://quotes.example.com/v1/quote/%s", r.URL.Query().Get("symbol")))
	defer resp.Body.Close()
}

func Search(w http.ResponseWriter, r *http.Request) {
	// ok: go-ssrf-request-to-outbound-url
	resp, _ := http.Get("https://search.example.com/find?q=" + r.FormValue("q"))
	defer resp.Body.Close()
}

func Mirror(w http.ResponseWriter, r *http.Request) {
	// ruleid: go-ssrf-request-to-outbound-url
	resp, _ := http.Get("https://" + r.FormValue("host") + "/feed")
	defer resp.Body.Close()
}

func Internal(w http.ResponseWriter, r *http.Request) {
	// ruleid: go-ssrf-request-to-outbound-url
	resp, _ := http.Get(fmt.Sprintf("http://billing:9000/invoices/%s", r.FormValue("id")))
	defer resp.Body.Close()
}

func allowedURL(raw string) string {
	if raw == "https://api.partner.example/status" {
		return raw
	}
	return "https://api.partner.example/status"
}
