// Package seipd writes and reads OpenPGP's Symmetrically Encrypted and
// Integrity Protected Data packet, version 1 (RFC 4880 §5.13, RFC 9580
// §5.13.1): AES in OpenPGP's CFB mode with a SHA-1 modification detection
// code. It is the packet GnuPG 2.2 and every OpenPGP implementation read.
//
// It exists for speed. go-crypto's CFB works a byte at a time (about 20 MB/s
// in a browser's WebAssembly). CFB encryption is sequential, but it is CBC
// encryption of the same plaintext with the key stream shifted by one block:
//
//	C[i] = P[i] ⊕ K[i],  K[i+1] = E(C[i]) = E(P[i] ⊕ K[i])
//
// which is exactly CBC's Y[i] = E(P[i] ⊕ Y[i-1]) with Y[0] = K[1] = E(IV). So
// C = P ⊕ (K[1] ‖ Y[1] … Y[n-1]), and a chunk of whole blocks is encrypted by
// one CBC call. On js/wasm that call is WebCrypto's native AES-CBC; elsewhere
// (and when WebCrypto is missing) it is crypto/cipher. Decryption,
// P[i] = C[i] ⊕ E(C[i-1]), runs a block at a time in Go (cfb.go).
//
// The packet's plaintext is a random block, its last two bytes repeated (the
// "quick check"), the caller's packets, and an MDC packet: 0xD3 0x14 and the
// SHA-1 of everything before it including those two bytes.
package seipd

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"io"
)

// Errors of NewReader and of the reader it returns.
var (
	// ErrKey means the quick check failed: the key is wrong.
	ErrKey = errors.New("seipd: wrong key")
	// ErrMDC means the modification detection code does not match: the
	// message was damaged or tampered with. It is only known at the end.
	ErrMDC = errors.New("seipd: modification detected")
	// ErrVersion means the packet is not version 1.
	ErrVersion = errors.New("seipd: unsupported packet version")
)

const (
	tagSEIPD   = 18
	tagLiteral = 11
	version    = 1
	blockSize  = aes.BlockSize
	// chunk is how much plaintext is encrypted per CBC call, and the
	// partial body length of the SEIPD packet (a power of two).
	chunk = 1 << 20
	// literalChunk is the literal packet's partial body length.
	literalChunk = 1 << 16
	mdcSize      = 2 + sha1.Size
)

// cbcEncrypter encrypts whole blocks with AES-CBC: dst = CBC(src, iv). It
// calls during (which must not touch dst) while the encryption runs, where
// it runs elsewhere.
type cbcEncrypter interface {
	cbc(dst, src, iv []byte, during func()) error
}

// goCBC is crypto/cipher's CBC.
type goCBC struct{ b cipher.Block }

func (g goCBC) cbc(dst, src, iv []byte, during func()) error {
	during()
	cipher.NewCBCEncrypter(g.b, iv).CryptBlocks(dst, src)
	return nil
}

// Writer encrypts a SEIPD v1 packet. Close writes the MDC and ends the
// packet; it does not close the underlying writer.
type Writer struct {
	out    *partialWriter
	enc    cbcEncrypter
	h      mdcHash
	buf    []byte  // plaintext not yet encrypted, len < chunk
	hashed int     // how much of buf h has seen
	summed bool    // the digest is taken: hash no more
	off    offload // the worker encrypting, or nil
	y      []byte  // CBC output
	ks     [blockSize]byte
	err    error
}

// NewWriter starts a SEIPD v1 packet on w, encrypted with key (16, 24 or 32
// bytes: AES-128, -192 or -256; the caller names the cipher in the
// session-key packet that precedes this one). Writes to the returned
// Writer are the packet's plaintext: OpenPGP packets, usually one literal
// data packet (see NewLiteral).
func NewWriter(w io.Writer, key []byte) (*Writer, error) {
	return newWriter(w, key, rand.Reader)
}

func newWriter(w io.Writer, key []byte, rnd io.Reader) (*Writer, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	prefix := make([]byte, blockSize+2)
	if _, err := io.ReadFull(rnd, prefix[:blockSize]); err != nil {
		return nil, err
	}
	copy(prefix[blockSize:], prefix[blockSize-2:blockSize])

	x := &Writer{
		out: newPartialWriter(w, tagSEIPD, chunk),
		enc: newCBC(b, key),
		h:   newMDCHash(),
		buf: make([]byte, 0, chunk),
		y:   make([]byte, chunk),
	}
	b.Encrypt(x.ks[:], x.ks[:]) // K[1] = E(IV), IV = 0
	if off, ok := x.h.(offload); ok && off.startEnc(key, x.ks[:]) == nil {
		x.off = off
	}
	if err := x.out.writeHeader(); err != nil {
		return nil, err
	}
	if _, err := x.out.Write([]byte{version}); err != nil {
		return nil, err
	}
	x.Write(prefix)
	return x, x.err
}

// Write encrypts p.
func (x *Writer) Write(p []byte) (int, error) {
	if x.err != nil {
		return 0, x.err
	}
	n := len(p)
	for len(p) > 0 {
		m := copy(x.buf[len(x.buf):chunk], p)
		x.buf = x.buf[:len(x.buf)+m]
		p = p[m:]
		if len(x.buf) == chunk {
			if x.err = x.flush(); x.err != nil {
				return n - len(p), x.err
			}
		}
	}
	return n, nil
}

// flush encrypts the whole blocks of buf and writes them.
func (x *Writer) flush() error {
	n := len(x.buf) &^ (blockSize - 1)
	if n == 0 {
		return nil
	}
	p := x.buf[:n]
	if x.off != nil {
		return x.flushOffload(n)
	}
	y := x.y[:n]
	// The MDC hash runs while the browser encrypts.
	if err := x.enc.cbc(y, p, x.ks[:], func() { x.hash(n) }); err != nil {
		return err
	}
	subtle.XORBytes(p[:blockSize], p[:blockSize], x.ks[:])
	subtle.XORBytes(p[blockSize:], p[blockSize:], y[:n-blockSize])
	copy(x.ks[:], y[n-blockSize:])
	if _, err := x.out.Write(p); err != nil {
		return err
	}
	rest := copy(x.buf, x.buf[n:])
	x.buf = x.buf[:rest]
	x.hashed -= n
	return nil
}

// offload is a worker that hashes and encrypts (js/wasm only): the
// Writer posts plaintext and writes the ciphertexts it answers, in order,
// while it prepares the next chunk.
type offload interface {
	mdcHash
	// startEnc gives the worker the key and the first key stream block.
	startEnc(key, ks []byte) error
	// enc posts whole blocks to encrypt, hashing them from byte from on.
	enc(p []byte, from int) error
	// tail posts fewer than a block of final bytes to encrypt, unhashed.
	tail(p []byte) error
	// next waits for the next ciphertext.
	next() ([]byte, error)
	// pending is how many ciphertexts are still to come.
	pending() int
}

// maxPending bounds the chunks the worker holds (memory).
const maxPending = 3

// flushOffload posts buf's first n bytes (whole blocks) to the worker and
// writes what it has finished.
func (x *Writer) flushOffload(n int) error {
	from := x.hashed
	if x.summed {
		from = n
	}
	if err := x.off.enc(x.buf[:n], min(from, n)); err != nil {
		return err
	}
	x.hashed = max(x.hashed, n) - n
	rest := copy(x.buf, x.buf[n:])
	x.buf = x.buf[:rest]
	for x.off.pending() > maxPending {
		if err := x.drainOne(); err != nil {
			return err
		}
	}
	return nil
}

func (x *Writer) drainOne() error {
	c, err := x.off.next()
	if err != nil {
		return err
	}
	_, err = x.out.Write(c)
	return err
}

func (x *Writer) drainAll() error {
	for x.off != nil && x.off.pending() > 0 {
		if err := x.drainOne(); err != nil {
			return err
		}
	}
	return nil
}

// hash adds buf[:n] to the MDC hash, once, until the digest is taken.
func (x *Writer) hash(n int) {
	if n > x.hashed && !x.summed {
		x.h.Write(x.buf[x.hashed:n])
		x.hashed = n
	}
}

// Close writes the MDC packet and the end of the SEIPD packet.
func (x *Writer) Close() error {
	if x.err != nil {
		return x.err
	}
	if _, err := x.Write([]byte{0xD3, sha1.Size}); err != nil {
		return err
	}
	x.hash(len(x.buf))
	x.summed = true
	// The worker answers the digest after the ciphertexts posted before.
	if err := x.drainAll(); err != nil {
		x.err = err
		return err
	}
	sum, err := x.h.sum()
	if err != nil {
		x.err = err
		return err
	}
	if _, err := x.Write(sum); err != nil {
		return err
	}
	x.err = errors.New("seipd: writer closed")
	if err := x.flush(); err != nil {
		return err
	}
	// The last partial block: XOR with the start of the key stream block.
	if x.off != nil {
		if err := x.off.tail(x.buf); err != nil {
			return err
		}
		if err := x.drainAll(); err != nil {
			return err
		}
		x.buf = x.buf[:0]
	} else {
		subtle.XORBytes(x.buf, x.buf, x.ks[:len(x.buf)])
	}
	x.h.done()
	if _, err := x.out.Write(x.buf); err != nil {
		return err
	}
	return x.out.Close()
}

// NewReader decrypts the body of a SEIPD v1 packet that follows its version
// byte (go-crypto's packet.SymmetricallyEncrypted.Contents) with key. It
// reads and checks the random prefix first: ErrKey when the key is wrong.
// The returned reader yields the plaintext packets; at their end it checks
// the MDC and returns ErrMDC instead of io.EOF when it does not match (and
// io.ErrUnexpectedEOF when the body is too short to hold one). Nothing read
// is authentic until it returned io.EOF.
func NewReader(body io.Reader, key []byte) (io.Reader, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	s := newCFBDecrypter(b)
	prefix := make([]byte, blockSize+2)
	if _, err := io.ReadFull(body, prefix); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	s.xor(prefix)
	if prefix[blockSize-2] != prefix[blockSize] || prefix[blockSize-1] != prefix[blockSize+1] {
		return nil, ErrKey
	}
	r := &reader{in: body, s: s, h: newMDCHash(), buf: make([]byte, 64<<10)}
	r.h.Write(prefix)
	return r, nil
}

// reader decrypts and holds back the last mdcSize bytes, which are the MDC
// packet once the input ends.
type reader struct {
	in   io.Reader
	s    *cfbDecrypter
	h    mdcHash
	buf  []byte
	r, w int // buf[r:w] is decrypted and not yet returned
	eof  bool
	err  error
}

func (x *reader) Read(p []byte) (int, error) {
	for {
		if avail := x.w - x.r - mdcSize; avail > 0 {
			n := copy(p, x.buf[x.r:x.r+avail])
			x.h.Write(p[:n])
			x.r += n
			return n, nil
		}
		if x.err != nil {
			return 0, x.err
		}
		if x.eof {
			x.err = x.check()
			continue
		}
		if len(p) == 0 {
			return 0, nil
		}
		// Move what is held to the front and read more.
		x.w = copy(x.buf, x.buf[x.r:x.w])
		x.r = 0
		n, err := x.in.Read(x.buf[x.w:])
		x.s.xor(x.buf[x.w : x.w+n])
		x.w += n
		switch {
		case err == io.EOF:
			x.eof = true
		case err != nil:
			x.err = err
		}
	}
}

// check verifies the MDC once the input has ended.
func (x *reader) check() error {
	held := x.buf[x.r:x.w]
	if len(held) < mdcSize {
		return io.ErrUnexpectedEOF
	}
	x.h.Write(held[len(held)-mdcSize : len(held)-mdcSize+2])
	sum, err := x.h.sum()
	x.h.done()
	if err != nil {
		return err
	}
	ok := held[len(held)-mdcSize] == 0xD3 && held[len(held)-mdcSize+1] == sha1.Size
	if subtle.ConstantTimeCompare(sum, held[len(held)-sha1.Size:]) != 1 || !ok {
		return ErrMDC
	}
	return io.EOF
}

// CheckKey reports whether key passes the quick check of a SEIPD v1 body
// that starts with prefix (its first 18 bytes, after the version byte), so
// that several candidate keys can be tried before one is used.
func CheckKey(prefix, key []byte) bool {
	if len(prefix) < blockSize+2 {
		return false
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return false
	}
	p := append([]byte(nil), prefix[:blockSize+2]...)
	newCFBDecrypter(b).xor(p)
	return p[blockSize-2] == p[blockSize] && p[blockSize-1] == p[blockSize+1]
}
