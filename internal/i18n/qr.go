package i18n

// QR codes, drawn by the worker module (internal/qr): what shows in the
// code's place when it could not be drawn. The link or code beside it
// always works.
func init() {
	add(English, []msg{
		{"qr.drawing", "Drawing the QR code…"},
		{"qr.error", "The QR code could not be drawn. The link works: copy it instead."},
		{"qr.error.long", "This link is too long for a QR code. The link works: copy it instead."},
	})
	add(Spanish, []msg{
		{"qr.drawing", "Dibujando el código QR…"},
		{"qr.error", "No se pudo dibujar el código QR. El enlace funciona: cópialo."},
		{"qr.error.long", "Este enlace es demasiado largo para un código QR. El enlace funciona: cópialo."},
	})
}
