package seipd

import (
	"crypto/cipher"
	"encoding/binary"
)

// cfbDecrypter is CFB decryption (full-block feedback, as OpenPGP's SEIPD
// v1 uses it) working a block at a time with word-sized XORs; it is about
// twice as fast as crypto/cipher's in wasm, where AES is the rest.
type cfbDecrypter struct {
	b    cipher.Block
	prev [blockSize]byte // the previous ciphertext block (IV first)
	ks   [blockSize]byte // E(prev) while a block is partly done
	used int             // bytes of the current block done; blockSize at a boundary
}

func newCFBDecrypter(b cipher.Block) *cfbDecrypter {
	return &cfbDecrypter{b: b, used: blockSize}
}

// xor decrypts p in place.
func (d *cfbDecrypter) xor(p []byte) {
	for len(p) > 0 && d.used < blockSize {
		c := p[0]
		p[0] ^= d.ks[d.used]
		d.prev[d.used] = c
		d.used++
		p = p[1:]
	}
	le := binary.LittleEndian
	for len(p) >= blockSize {
		d.b.Encrypt(d.ks[:], d.prev[:])
		c0, c1 := le.Uint64(p), le.Uint64(p[8:])
		le.PutUint64(p, c0^le.Uint64(d.ks[:]))
		le.PutUint64(p[8:], c1^le.Uint64(d.ks[8:]))
		le.PutUint64(d.prev[:], c0)
		le.PutUint64(d.prev[8:], c1)
		p = p[blockSize:]
	}
	if len(p) > 0 {
		d.b.Encrypt(d.ks[:], d.prev[:])
		d.used = 0
		d.xor(p)
	}
}
