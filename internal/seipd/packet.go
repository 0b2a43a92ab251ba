package seipd

import (
	"encoding/binary"
	"io"
	"math/bits"
	"time"
)

// partialWriter writes one new-format packet whose body streams in partial
// body lengths of size bytes (a power of two of at least 512), then a final
// length for the rest.
type partialWriter struct {
	w    io.Writer
	tag  byte
	size int
	buf  []byte
	hdr  [5]byte
}

func newPartialWriter(w io.Writer, tag byte, size int) *partialWriter {
	return &partialWriter{w: w, tag: tag, size: size, buf: make([]byte, 0, size)}
}

func (p *partialWriter) writeHeader() error {
	_, err := p.w.Write([]byte{0xC0 | p.tag})
	return err
}

func (p *partialWriter) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		if len(p.buf) == 0 && len(b) >= p.size {
			if err := p.partial(b[:p.size]); err != nil {
				return n - len(b), err
			}
			b = b[p.size:]
			continue
		}
		m := copy(p.buf[len(p.buf):p.size], b)
		p.buf = p.buf[:len(p.buf)+m]
		b = b[m:]
		if len(p.buf) == p.size {
			if err := p.partial(p.buf); err != nil {
				return n - len(b), err
			}
			p.buf = p.buf[:0]
		}
	}
	return n, nil
}

func (p *partialWriter) partial(b []byte) error {
	p.hdr[0] = 0xE0 | byte(bits.TrailingZeros(uint(p.size)))
	if _, err := p.w.Write(p.hdr[:1]); err != nil {
		return err
	}
	_, err := p.w.Write(b)
	return err
}

// Close writes the rest of the body with its final length.
func (p *partialWriter) Close() error {
	if _, err := p.w.Write(appendLength(p.hdr[:0], len(p.buf))); err != nil {
		return err
	}
	_, err := p.w.Write(p.buf)
	p.buf = p.buf[:0]
	return err
}

// appendLength appends a new-format body length (RFC 4880 §4.2.2).
func appendLength(b []byte, n int) []byte {
	switch {
	case n < 192:
		return append(b, byte(n))
	case n < 8384:
		n -= 192
		return append(b, byte(n>>8)+192, byte(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xFF), uint32(n))
}

// Literal writes a binary literal data packet (RFC 4880 §5.9).
type Literal struct{ p *partialWriter }

// NewLiteral starts a binary literal data packet on w named name (at most
// 255 bytes; longer names are cut) with modification time mod. Its body
// streams in 64 KiB partial lengths. Close ends the packet, not w.
func NewLiteral(w io.Writer, name string, mod time.Time) (*Literal, error) {
	if len(name) > 255 {
		name = name[:255]
	}
	l := &Literal{p: newPartialWriter(w, tagLiteral, literalChunk)}
	if err := l.p.writeHeader(); err != nil {
		return nil, err
	}
	head := append([]byte{'b', byte(len(name))}, name...)
	head = binary.BigEndian.AppendUint32(head, uint32(mod.Unix()))
	if _, err := l.p.Write(head); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Literal) Write(b []byte) (int, error) { return l.p.Write(b) }

// Close ends the literal data packet.
func (l *Literal) Close() error { return l.p.Close() }
