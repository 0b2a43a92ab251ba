package worker

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
	w, e := newRequest(32+len(q.Text)+len(q.Title), OpQR, q.Fault)
	e.String(q.Text).String(q.Title)
	w.Frame(kindQR, e.Payload())
	return w.Bytes()
}

// DecodeQR reads a QR request.
func DecodeQR(msg []byte) (QRRequest, error) {
	var q QRRequest
	r, fault, err := readRequest(msg, OpQR, kindQR)
	if err != nil {
		return q, err
	}
	q.Fault = fault
	d := r.Decoder()
	q.Text, q.Title = d.String(), d.String()
	if d.Err() != nil || r.Next() {
		return q, errBadRequest
	}
	return q, nil
}

// EncodeQRSVG is a QR request's reply.
func EncodeQRSVG(svg string) []byte { return encodeText(kindQRSVG, svg) }

// QRReply reads a QR request's reply: the SVG element, or a *Failure
// (KeyQRTooLong when the text does not fit in a QR code).
func QRReply(msg []byte) (string, error) { return textReply(msg, kindQRSVG) }
