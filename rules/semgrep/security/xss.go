package web

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
)

func Bio(bio string) template.HTML {
	// ruleid: go-template-html-of-non-literal
	return template.HTML(bio)
}

func Badge() template.HTML {
	// ok: go-template-html-of-non-literal
	return template.HTML("<span>new</span>")
}

func Hello(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	// ruleid: go-response-of-request-data
	fmt.Fprintf(w, "<h1>Hello %s</h1>", name)
}

func HelloSafe(w http.ResponseWriter, r *http.Request) {
	name := html.EscapeString(r.URL.Query().Get("name"))
	// ok: go-response-of-request-data
	fmt.Fprintf(w, "<h1>Hello %s</h1>", name)
}
