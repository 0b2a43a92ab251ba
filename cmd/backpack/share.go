//go:build !wasm

package main

import "net/http"

// shareAPI returns the share API handler when dir is set. It is wired to
// internal/share once that lands; until then the API stays off.
func shareAPI(dir string) (http.Handler, func(), error) {
	return nil, func() {}, nil
}
