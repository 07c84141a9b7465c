package ops

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
)

func Convert(name string) error {
	// ruleid: go-shell-command-from-data
	return exec.Command("sh", "-c", "convert "+name+" out.png").Run()
}

func ConvertOk(name string) error {
	// ok: go-shell-command-from-data
	return exec.Command("convert", name, "out.png").Run()
}

func Cleanup() error {
	// ok: go-shell-command-from-data
	return exec.Command("sh", "-c", "rm -rf /tmp/cache/*").Run()
}

func Download(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	// ruleid: go-path-from-request
	http.ServeFile(w, r, filepath.Join("/srv/files", name))
}

func DownloadOk(w http.ResponseWriter, r *http.Request) {
	name := filepath.Base(r.URL.Query().Get("name"))
	// ok: go-path-from-request
	f, _ := os.Open(filepath.Join("/srv/files", name))
	defer f.Close()
}
