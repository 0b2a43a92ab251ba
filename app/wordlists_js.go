//go:build js && wasm

package ui

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/vault"
)

const wordListsFetchable = true

// fetchWordLists GETs web/zxcvbn.dat at this version's URL (immutable,
// brotli from the server, precached by the service worker), on this
// origin.
func fetchWordLists(ctx context.Context) ([]byte, error) {
	web := app.Getenv("GOAPP_STATIC_RESOURCES_URL")
	if web == "" {
		web = "/web"
	}
	b, status, err := connectGet(ctx, connectOrigin()+strings.TrimSuffix(web, "/")+"/"+vault.WordListsFile)
	if err == nil && status != http.StatusOK {
		err = errors.New("word lists: " + http.StatusText(status))
	}
	return b, err
}
