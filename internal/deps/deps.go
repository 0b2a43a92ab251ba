//go:build tools

// Package deps pins modules that the build and tests use but no package imports yet.
package deps

import (
	_ "github.com/ProtonMail/gopenpgp/v2/crypto"
	_ "github.com/andybalholm/brotli"
	_ "github.com/chromedp/chromedp"
	_ "github.com/hack-pad/go-indexeddb/idb"
	_ "github.com/maxence-charriere/go-app/v10/pkg/app"
	_ "github.com/skip2/go-qrcode"
	_ "golang.org/x/crypto/argon2"
)
