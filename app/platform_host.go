//go:build !(js && wasm)

package ui

import (
	"context"
	"errors"
	"io"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/vault"
)

// Host stand-ins: the server prerenders pages but never runs them.

func openStore(ctx context.Context) (vault.Store, error) { return vault.NewMemStore(), nil }
func reloadTo(path string)                               {}
func printPage()                                         {}
func persistStorage(ctx context.Context) (bool, error)   { return false, errNoBrowser }
func storageEstimate(ctx context.Context) (usage, quota uint64, err error) {
	return 0, 0, errNoBrowser
}

type jsFile struct{}

func (jsFile) Name() string                         { return "" }
func (jsFile) Type() string                         { return "" }
func (jsFile) Size() int64                          { return 0 }
func (jsFile) Open() io.ReadCloser                  { return io.NopCloser(eofReader{}) }
func filesOf(e app.Event) []jsFile                  { return nil }
func download(r io.Reader, name, mime string) error { return errNoBrowser }

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

type blobWriter struct{}

func newBlobWriter() *blobWriter                  { return &blobWriter{} }
func (w *blobWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *blobWriter) URL(mime string) string      { return "" }
func revokeURL(u string)                          {}
func pref(key string) string                      { return "" }
func setPref(key, value string)                   {}
func autoLockMinutes() int                        { return defaultAutoLock }
func setAutoLockMinutes(n int)                    {}

var errNoBrowser = errors.New("not in a browser")
