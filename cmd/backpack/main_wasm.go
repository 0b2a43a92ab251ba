//go:build wasm

package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	ui "backpack/app"
)

// In the browser the binary is the app and nothing else: no server code.
func main() {
	ui.Register()
	app.RunWhenOnBrowser()
}
