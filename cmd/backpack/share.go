//go:build !wasm

package main

import (
	"net/http"

	shareserver "backpack/internal/share/server"
)

// shareAPI returns the share API when dir is set; otherwise the API answers
// that sharing is off on this server (a static-only deployment).
func shareAPI(dir string) (http.Handler, func(), error) {
	if dir == "" {
		return shareserver.Disabled(), func() {}, nil
	}
	h, closer, err := shareserver.Handler(shareserver.Config{Dir: dir})
	if err != nil {
		return nil, nil, err
	}
	return h, func() { closer.Close() }, nil
}
