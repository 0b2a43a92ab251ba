package worker

import "backpack/internal/frame"

// Frame kinds of drawing a QR code.
const (
	kindQR    = 0x30 // the text, and the image's name
	kindQRSVG = 0x31 // the reply: the SVG element
)

// QRRequest asks for a QR code of Text as an SVG element named Title
// (qr.SVG): the page links no QR encoder.
type QRRequest struct {
	Text, Title string
	Fault       string // tests only (FaultPanic, FaultExit)
}

// Encode is the request's message.
func (q QRRequest) Encode() []byte {
	w := frame.NewWriter(32 + len(q.Text) + len(q.Title))
	var e frame.Encoder
	e.String(OpQR).String(q.Fault)
	w.Frame(kindRequest, e.Payload())
	e.Reset()
	e.String(q.Text).String(q.Title)
	w.Frame(kindQR, e.Payload())
	return w.Bytes()
}

// DecodeQR reads a QR request.
func DecodeQR(msg []byte) (QRRequest, error) {
	var q QRRequest
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() || r.Kind() != kindRequest {
		return q, errBadRequest
	}
	d := r.Decoder()
	if d.String() != OpQR {
		return q, errBadRequest
	}
	q.Fault = d.String()
	if !r.Next() || r.Kind() != kindQR {
		return q, errBadRequest
	}
	d = r.Decoder()
	q.Text, q.Title = d.String(), d.String()
	if d.Err() != nil || r.Next() {
		return q, errBadRequest
	}
	return q, nil
}

// EncodeQRSVG is a QR request's reply.
func EncodeQRSVG(svg string) []byte {
	w := frame.NewWriter(16 + len(svg))
	var e frame.Encoder
	e.String(svg)
	w.Frame(kindQRSVG, e.Payload())
	return w.Bytes()
}

// QRReply reads a QR request's reply: the SVG element, or a *Failure
// (KeyQRTooLong when the text does not fit in a QR code).
func QRReply(msg []byte) (string, error) {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() {
		return "", &Failure{Key: KeyCrash}
	}
	d := r.Decoder()
	switch r.Kind() {
	case kindFailed:
		return "", failure(d)
	case kindQRSVG:
		svg := d.String()
		if d.Err() != nil || svg == "" || r.Next() {
			return "", &Failure{Key: KeyCrash}
		}
		return svg, nil
	}
	return "", &Failure{Key: KeyCrash}
}
