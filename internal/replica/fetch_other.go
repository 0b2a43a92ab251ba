//go:build !(js && wasm)

package replica

import "net/http"

func fetchOptions(*http.Request) {}
