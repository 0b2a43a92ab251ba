//go:build js && wasm

package replica

import "net/http"

// fetchOptions makes the browser's fetch same-origin only, without
// cookies, and no redirects.
func fetchOptions(req *http.Request) {
	req.Header.Set("js.fetch:mode", "same-origin")
	req.Header.Set("js.fetch:credentials", "omit")
	req.Header.Set("js.fetch:redirect", "error")
}
