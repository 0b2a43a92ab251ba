package replica

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"time"
)

// item is what an envelope's ciphertext holds: one record as the vault
// stores it, or its deletion, and when the change was made.
type item struct {
	ID      string // the record's vault id (never seen by the server)
	Header  []byte
	Body    []byte
	Deleted bool
	Time    time.Time // when the change was made on its device
}

const itemVersion = 1

var errEnvelope = errors.New("replica: an envelope does not open with this vault's key")

func encodeItem(it item) []byte {
	b := make([]byte, 0, 32+len(it.ID)+len(it.Header)+len(it.Body))
	b = append(b, itemVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(it.Time.UnixNano()))
	for _, f := range [][]byte{[]byte(it.ID), it.Header, it.Body} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

func decodeItem(b []byte, deleted bool) (item, error) {
	if len(b) < 9 || b[0] != itemVersion {
		return item{}, errEnvelope
	}
	it := item{Deleted: deleted, Time: time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9])))}
	b = b[9:]
	var f [3][]byte
	for i := range f {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return item{}, errEnvelope
		}
		f[i], b = b[w:w+int(n)], b[w+int(n):]
	}
	it.ID, it.Header, it.Body = string(f[0]), f[1], f[2]
	if len(f[1]) == 0 {
		it.Header = nil
	}
	if len(f[2]) == 0 {
		it.Body = nil
	}
	return it, nil
}

// sealer seals items for the log: AES-256-GCM under the vault's envelope
// key, the associated data binding the vault, the envelope's id and its
// deleted flag, so the server can move nothing between records.
type sealer struct {
	aead  cipher.AEAD
	vault string
}

func newSealer(key []byte, vault string) (*sealer, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	a, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: a, vault: vault}, nil
}

func (s *sealer) ad(id []byte, deleted bool) []byte {
	b := []byte("backpack sync envelope v1\x00")
	b = binary.AppendUvarint(b, uint64(len(s.vault)))
	b = append(b, s.vault...)
	b = binary.AppendUvarint(b, uint64(len(id)))
	b = append(b, id...)
	if deleted {
		return append(b, 1)
	}
	return append(b, 0)
}

func (s *sealer) seal(id []byte, it item) []byte {
	pt := encodeItem(it)
	out := make([]byte, 12, 12+len(pt)+16)
	rand.Read(out)
	return s.aead.Seal(out, out[:12], pt, s.ad(id, it.Deleted))
}

func (s *sealer) open(id []byte, deleted bool, ct []byte) (item, error) {
	if len(ct) < 28 {
		return item{}, errEnvelope
	}
	pt, err := s.aead.Open(nil, ct[:12], ct[12:], s.ad(id, deleted))
	if err != nil {
		return item{}, errEnvelope
	}
	return decodeItem(pt, deleted)
}
