package main

import "github.com/gin-gonic/gin"

func main() {
	// ruleid: gin-debug-mode
	gin.SetMode(gin.DebugMode)
	// ok: gin-debug-mode
	gin.SetMode(gin.ReleaseMode)
	r := gin.Default()
	r.Run()
}

func CapturePanicToClient(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec != nil {
				err := fmt.Errorf("%v", rec)
				// ruleid: go-panic-text-sent-to-client
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		}()
		next(w, r)
	}
}

func CapturePanicGeneric(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if rec := recover(); rec != nil {
				log.Printf("panic: %v", rec)
				// ok: go-panic-text-sent-to-client
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next(w, r)
	}
}
