package web

import (
	"bytes"
	"net/http"
)

// favicon answers /favicon.ico, which browsers ask for on pages that do not link an icon
// (a JSON answer, a file): the same SVG the layout links, with its own type.
func (a *assets) favicon(w http.ResponseWriter, r *http.Request) {
	as, ok := a.byName["favicon.svg"]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", as.contentType)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, "", assetModTime, bytes.NewReader(as.body))
}
