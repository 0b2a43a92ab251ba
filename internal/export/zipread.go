package export

import (
	"bufio"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
)

// zipStream reads a ZIP archive front to back, without seeking, as Write
// produces it: every entry Deflate-compressed (the deflate stream ends
// itself) or stored with its sizes in the local header, an optional data
// descriptor after the data. It stops at the central directory.
type zipStream struct {
	br    *countingReader
	fr    io.ReadCloser // reused inflater
	cur   *zipBody
	entry int
	heads int64 // bytes of local headers read (limit.headers)
}

type zipHeader struct {
	Name   string
	method uint16
	flags  uint16
	crc    uint32
	csize  uint64
	usize  uint64
}

const (
	sigLocal      = 0x04034b50
	sigCentral    = 0x02014b50
	sigEnd        = 0x06054b50
	sigEnd64      = 0x06064b50
	sigDescriptor = 0x08074b50
	flagDataDesc  = 0x8
	flagEncrypted = 0x1
)

// errZip marks damage in the archive; Read turns it into ErrCorrupt.
type errZip struct {
	entry int
	msg   string
}

func (e *errZip) Error() string { return fmt.Sprintf("zip entry %d: %s", e.entry, e.msg) }

var errNotZip = errors.New("not a zip archive")

func newZipStream(r io.Reader) *zipStream {
	return &zipStream{br: &countingReader{r: bufio.NewReaderSize(r, 64<<10)}}
}

// next returns the next entry's header and body. It returns io.EOF at the
// central directory. The previous body is drained and checked first.
func (z *zipStream) next() (zipHeader, *zipBody, error) {
	if z.cur != nil {
		if err := z.cur.finish(); err != nil {
			return zipHeader{}, nil, err
		}
		z.cur = nil
	}
	var h [30]byte
	if _, err := io.ReadFull(z.br, h[:4]); err != nil {
		if z.entry == 0 && err == io.EOF {
			return zipHeader{}, nil, errNotZip
		}
		return zipHeader{}, nil, noEOF(err)
	}
	switch sig := binary.LittleEndian.Uint32(h[:4]); sig {
	case sigLocal:
	case sigCentral, sigEnd, sigEnd64:
		if z.entry == 0 && sig != sigEnd {
			return zipHeader{}, nil, errNotZip
		}
		return zipHeader{}, nil, io.EOF
	default:
		if z.entry == 0 {
			return zipHeader{}, nil, errNotZip
		}
		return zipHeader{}, nil, &errZip{z.entry, "bad header signature"}
	}
	z.entry++
	if _, err := io.ReadFull(z.br, h[4:]); err != nil {
		return zipHeader{}, nil, noEOF(err)
	}
	hd := zipHeader{
		flags:  binary.LittleEndian.Uint16(h[6:]),
		method: binary.LittleEndian.Uint16(h[8:]),
		crc:    binary.LittleEndian.Uint32(h[14:]),
		csize:  uint64(binary.LittleEndian.Uint32(h[18:])),
		usize:  uint64(binary.LittleEndian.Uint32(h[22:])),
	}
	nameLen := int(binary.LittleEndian.Uint16(h[26:]))
	extraLen := int(binary.LittleEndian.Uint16(h[28:]))
	if nameLen > limit.nameLen {
		return zipHeader{}, nil, &errZip{z.entry, "name too long"}
	}
	if z.entry > limit.members {
		return zipHeader{}, nil, tooLarge("archive members")
	}
	if z.heads += int64(len(h) + nameLen + extraLen); z.heads > limit.headers {
		return zipHeader{}, nil, tooLarge("archive headers")
	}
	buf := make([]byte, nameLen+extraLen)
	if _, err := io.ReadFull(z.br, buf); err != nil {
		return zipHeader{}, nil, noEOF(err)
	}
	hd.Name = string(buf[:nameLen])
	if hd.flags&flagEncrypted != 0 {
		return zipHeader{}, nil, &errZip{z.entry, "encrypted entry"}
	}
	if hd.flags&flagDataDesc == 0 && (hd.csize == 0xffffffff || hd.usize == 0xffffffff) {
		if !zip64Sizes(buf[nameLen:], &hd) {
			return zipHeader{}, nil, &errZip{z.entry, "missing zip64 sizes"}
		}
	}

	body := &zipBody{z: z, hd: hd, crc: crc32.NewIEEE(), start: z.br.n, max: 0, over: tooLarge("archive member")}
	switch hd.method {
	case 8: // deflate
		if z.fr == nil {
			z.fr = flate.NewReader(z.br)
		} else if err := z.fr.(flate.Resetter).Reset(z.br, nil); err != nil {
			return zipHeader{}, nil, err
		}
		body.r = z.fr
	case 0: // store
		if hd.flags&flagDataDesc != 0 {
			return zipHeader{}, nil, &errZip{z.entry, "stored entry without sizes"}
		}
		body.r = io.LimitReader(z.br, int64(hd.csize))
	default:
		return zipHeader{}, nil, &errZip{z.entry, fmt.Sprintf("compression method %d", hd.method)}
	}
	z.cur = body
	return hd, body, nil
}

// zip64Sizes reads the sizes from a zip64 extra field.
func zip64Sizes(extra []byte, hd *zipHeader) bool {
	for len(extra) >= 4 {
		tag := binary.LittleEndian.Uint16(extra)
		size := int(binary.LittleEndian.Uint16(extra[2:]))
		extra = extra[4:]
		if size > len(extra) {
			return false
		}
		if tag == 0x0001 {
			f := extra[:size]
			if hd.usize == 0xffffffff {
				if len(f) < 8 {
					return false
				}
				hd.usize, f = binary.LittleEndian.Uint64(f), f[8:]
			}
			if hd.csize == 0xffffffff {
				if len(f) < 8 {
					return false
				}
				hd.csize = binary.LittleEndian.Uint64(f)
			}
			return true
		}
		extra = extra[size:]
	}
	return false
}

// zipBody is one entry's data; it checks CRC and sizes at its end.
type zipBody struct {
	z     *zipStream
	hd    zipHeader
	r     io.Reader
	crc   hash.Hash32
	n     uint64
	start int64
	done  bool
	err   error

	max  uint64 // bytes the body may inflate to; over is the error past them
	over error
}

// limit bounds the body to n inflated bytes (and as many compressed ones,
// with deflate's few bytes of overhead), failing with err past them. A body
// is limited to nothing until its reader says how much it may hold.
func (b *zipBody) limit(n int64, err error) { b.max, b.over = uint64(max(n, 0)), err }

func (b *zipBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.done {
		return 0, io.EOF
	}
	if room := b.max + 1 - b.n; uint64(len(p)) > room {
		p = p[:room] // one byte past the limit tells that it is passed
	}
	n, err := b.r.Read(p)
	b.n += uint64(n)
	b.crc.Write(p[:n])
	if csize := uint64(b.z.br.n - b.start); b.n > b.max || csize > b.max+b.max/64+1<<16 {
		// Deflate stores incompressible bytes with 5 bytes of overhead
		// per block; more input than that for the output is a bomb of
		// empty blocks.
		b.err = b.over
		return n, b.err
	}
	if err == io.EOF {
		b.done = true
		if err := b.check(); err != nil {
			b.err = err
			return n, err
		}
		return n, io.EOF
	}
	if err != nil {
		var ce flate.CorruptInputError
		if errors.As(err, &ce) {
			err = &errZip{b.z.entry, "bad deflate data"}
		}
		b.err = noEOF(err)
		return n, b.err
	}
	return n, nil
}

// finish drains the rest of the body and checks it.
func (b *zipBody) finish() error {
	if b.err != nil {
		return b.err
	}
	if !b.done {
		var buf [32 << 10]byte
		for {
			_, err := b.Read(buf[:])
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
	}
	return b.err
}

func (b *zipBody) check() error {
	z, hd := b.z, &b.hd
	csize := uint64(z.br.n - b.start)
	if hd.flags&flagDataDesc != 0 {
		var d [24]byte
		if _, err := io.ReadFull(z.br, d[:4]); err != nil {
			return noEOF(err)
		}
		p := d[:]
		if binary.LittleEndian.Uint32(d[:4]) == sigDescriptor {
			if _, err := io.ReadFull(z.br, d[4:8]); err != nil {
				return noEOF(err)
			}
			p = d[4:]
		}
		hd.crc = binary.LittleEndian.Uint32(p)
		if csize >= 0xffffffff || b.n >= 0xffffffff {
			if _, err := io.ReadFull(z.br, p[4:20]); err != nil {
				return noEOF(err)
			}
			hd.csize = binary.LittleEndian.Uint64(p[4:])
			hd.usize = binary.LittleEndian.Uint64(p[12:])
		} else {
			if _, err := io.ReadFull(z.br, p[4:12]); err != nil {
				return noEOF(err)
			}
			hd.csize = uint64(binary.LittleEndian.Uint32(p[4:]))
			hd.usize = uint64(binary.LittleEndian.Uint32(p[8:]))
		}
	}
	if hd.csize != csize || hd.usize != b.n {
		return &errZip{z.entry, "size mismatch"}
	}
	if hd.crc != b.crc.Sum32() {
		return &errZip{z.entry, "checksum mismatch"}
	}
	return nil
}

// countingReader counts the bytes taken from a bufio.Reader; it is an
// io.ByteReader so that the inflater reads no further than its stream.
type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// noEOF turns an EOF in the middle of something into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
