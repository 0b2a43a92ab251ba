// Package frame is the binary message format the page and Backpack's worker
// speak over postMessage: a four-byte header ("BPF" and a version), then
// frames, each a kind byte, a uvarint length and that many bytes. A frame's
// payload is a sequence of fields written with an Encoder and read back, in
// the same order, with a Decoder.
//
// Nothing is ever allocated from a declared length: a length longer than
// what is left is an error, and Bytes returns slices of the message itself.
package frame

import (
	"encoding/binary"
	"errors"
)

// Version is the format's version, the header's fourth byte. A message of
// another version is refused (the page and the worker come from one build,
// but a service worker may hand out an older worker for a moment).
const Version = 1

var header = [4]byte{'B', 'P', 'F', Version}

// Errors of Reader and Decoder.
var (
	ErrHeader    = errors.New("frame: not a Backpack message")
	ErrVersion   = errors.New("frame: unknown message version")
	ErrTruncated = errors.New("frame: message cut short")
)

// Writer builds a message.
type Writer struct{ b []byte }

// NewWriter starts a message, with room for about size bytes.
func NewWriter(size int) *Writer {
	w := &Writer{b: make([]byte, 0, max(size, 0)+len(header))}
	w.b = append(w.b, header[:]...)
	return w
}

// Frame appends one frame.
func (w *Writer) Frame(kind byte, payload []byte) {
	w.b = append(w.b, kind)
	w.b = binary.AppendUvarint(w.b, uint64(len(payload)))
	w.b = append(w.b, payload...)
}

// Bytes is the message so far.
func (w *Writer) Bytes() []byte { return w.b }

// Reader reads a message's frames in order.
type Reader struct {
	b       []byte
	kind    byte
	payload []byte
	err     error
}

// NewReader checks the header and returns a reader of the frames after it.
func NewReader(msg []byte) (*Reader, error) {
	if len(msg) < len(header) || msg[0] != header[0] || msg[1] != header[1] || msg[2] != header[2] {
		return nil, ErrHeader
	}
	if msg[3] != Version {
		return nil, ErrVersion
	}
	return &Reader{b: msg[len(header):]}, nil
}

// Next moves to the next frame; false at the end or on an error (see Err).
func (r *Reader) Next() bool {
	if r.err != nil || len(r.b) == 0 {
		return false
	}
	kind := r.b[0]
	n, k := binary.Uvarint(r.b[1:])
	if k <= 0 || n > uint64(len(r.b)-1-k) {
		r.err = ErrTruncated
		return false
	}
	start := 1 + k
	r.kind, r.payload = kind, r.b[start:start+int(n):start+int(n)]
	r.b = r.b[start+int(n):]
	return true
}

// Peek is the next frame's kind, without moving to it; ok is false at the end.
func (r *Reader) Peek() (kind byte, ok bool) {
	if r.err != nil || len(r.b) == 0 {
		return 0, false
	}
	return r.b[0], true
}

// Kind is the current frame's kind.
func (r *Reader) Kind() byte { return r.kind }

// Payload is the current frame's payload (a slice of the message).
func (r *Reader) Payload() []byte { return r.payload }

// Decoder reads the current frame's fields.
func (r *Reader) Decoder() *Decoder { return &Decoder{b: r.payload} }

// Err is the first error met, nil at a clean end.
func (r *Reader) Err() error { return r.err }

// Encoder writes the fields of one frame's payload.
type Encoder struct{ b []byte }

// Uint appends an unsigned integer (uvarint).
func (e *Encoder) Uint(v uint64) *Encoder { e.b = binary.AppendUvarint(e.b, v); return e }

// Int appends a signed integer (zig-zag varint).
func (e *Encoder) Int(v int64) *Encoder { e.b = binary.AppendVarint(e.b, v); return e }

// Bool appends one byte, 0 or 1.
func (e *Encoder) Bool(v bool) *Encoder {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
	return e
}

// Bytes appends a length-prefixed byte string.
func (e *Encoder) Bytes(p []byte) *Encoder {
	e.b = binary.AppendUvarint(e.b, uint64(len(p)))
	e.b = append(e.b, p...)
	return e
}

// String appends a length-prefixed string.
func (e *Encoder) String(s string) *Encoder {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
	return e
}

// Payload is what was appended; Reset starts over, keeping the memory.
func (e *Encoder) Payload() []byte { return e.b }

// Reset empties the encoder.
func (e *Encoder) Reset() { e.b = e.b[:0] }

// Decoder reads fields in the order they were encoded. After the first
// error every read returns a zero value and Err says what went wrong.
type Decoder struct {
	b   []byte
	err error
}

// NewDecoder reads the fields of payload.
func NewDecoder(payload []byte) *Decoder { return &Decoder{b: payload} }

// Uint reads an unsigned integer.
func (d *Decoder) Uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.err = ErrTruncated
		return 0
	}
	d.b = d.b[k:]
	return v
}

// Int reads a signed integer.
func (d *Decoder) Int() int64 {
	if d.err != nil {
		return 0
	}
	v, k := binary.Varint(d.b)
	if k <= 0 {
		d.err = ErrTruncated
		return 0
	}
	d.b = d.b[k:]
	return v
}

// Bool reads one byte: anything but 0 or 1 is an error.
func (d *Decoder) Bool() bool {
	if d.err != nil {
		return false
	}
	if len(d.b) == 0 || d.b[0] > 1 {
		d.err = ErrTruncated
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

// Bytes reads a byte string: a slice of the message, not a copy.
func (d *Decoder) Bytes() []byte {
	n := d.Uint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = ErrTruncated
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

// String reads a string.
func (d *Decoder) String() string { return string(d.Bytes()) }

// Err is the first error met.
func (d *Decoder) Err() error { return d.err }

// Rest is how many bytes are left unread.
func (d *Decoder) Rest() int { return len(d.b) }
