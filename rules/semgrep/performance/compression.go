package main

import (
	"github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
)

func main() {
	r := gin.Default()
	// ruleid: response-compression-go
	r.Use(gzip.Gzip(gzip.DefaultCompression))
	// ok: response-compression-go
	r.Use(gin.Logger())
}
