//go:build js && wasm

package ui

import (
	"context"
	"errors"
	"net/url"
	"syscall/js"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/jsutil"
)

// DataURL returns the Blob that URL made last as a data: URL, read by the
// browser (Go never holds the bytes). A frame showing a data: URL has an
// opaque origin of its own: what it holds cannot act as the app.
func (w *blobWriter) DataURL(ctx context.Context, name string) (app.Value, error) {
	if !w.blob.Truthy() {
		return nil, errors.New("no blob")
	}
	fr := js.Global().Get("FileReader").New()
	var onload, onerror js.Func
	p := js.Global().Get("Promise").New(js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		onload = js.FuncOf(func(js.Value, []js.Value) any { resolve.Invoke(fr.Get("result")); return nil })
		onerror = js.FuncOf(func(js.Value, []js.Value) any { reject.Invoke(fr.Get("error")); return nil })
		fr.Set("onload", onload)
		fr.Set("onerror", onerror)
		return nil
	}))
	defer func() { onload.Release(); onerror.Release() }()
	if _, err := jsutil.Call(fr, "readAsDataURL", w.blob); err != nil {
		return nil, err
	}
	v, err := jsutil.Await(ctx, p)
	if err != nil {
		return nil, err
	}
	if name != "" { // the viewer's title, rather than the start of the data
		replace := js.Global().Get("String").Get("prototype").Get("replace")
		v = replace.Call("call", v, ";base64,", ";name="+url.PathEscape(name)+";base64,")
	}
	return app.ValueOf(v), nil
}
