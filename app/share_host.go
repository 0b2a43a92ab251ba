//go:build !(js && wasm)

package ui

func xpLocation() (origin, hash string) { return "", "" }
func xpCopy(text string) error          { return errNoBrowser }
func xpDropFragment()                   {}

type xpResponse struct {
	Status     int
	Body       []byte
	RetryAfter string
}

func xpFetch(method, url string, body string, headers map[string]string) (xpResponse, error) {
	return xpResponse{}, errNoBrowser
}
