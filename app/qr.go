package ui

import (
	"context"
	"errors"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/worker"
)

// qrCode is a QR code as a page shows it: the drawing of text, or why it
// could not be drawn (a catalog key), or neither while the worker module
// draws it. The QR encoder is in the worker module (internal/qr), so the
// link or code it stands for shows first and its drawing follows.
type qrCode struct {
	text   string
	svg    string
	errKey string
}

// drawQR draws a QR code of text named title ("share.qr.title" when
// empty), in the worker module.
func drawQR(ctx context.Context, text, title string) qrCode {
	if title == "" {
		title = i18n.T("share.qr.title")
	}
	svg, err := xpDrawQR(ctx, text, title)
	if err == nil {
		return qrCode{text: text, svg: svg}
	}
	var f *worker.Failure
	if errors.As(err, &f) && f.Key == worker.KeyQRTooLong {
		return qrCode{text: text, errKey: worker.KeyQRTooLong}
	}
	return qrCode{text: text, errKey: "qr.error"}
}

// drawQRLater draws a QR code of text and hands it to set on the UI
// goroutine; set checks that it is still the one to show.
func drawQRLater(ctx app.Context, text, title string, set func(qrCode)) {
	ctx.Async(func() {
		q := drawQR(ctx, text, title)
		ctx.Dispatch(func(app.Context) { set(q) })
	})
}

// qrView is q in a page: the drawing, what stands in for it while it is
// drawn, or why there is none.
func qrView(q qrCode) app.UI {
	switch {
	case q.svg != "":
		return app.Raw(q.svg)
	case q.errKey != "":
		return app.P().Class("qr-error muted").Text(i18n.T(q.errKey))
	}
	return app.Div().Class("qr-wait").Aria("busy", "true").Text(i18n.T("qr.drawing"))
}
