package worker

import "backpack/internal/frame"

// Frame kinds of deriving a passphrase keyslot's key.
const (
	kindKDF    = 0x33 // the secret, the salt, the parameters
	kindKDFKey = 0x34 // the reply: the key
)

// KDFRequest asks for an Argon2id key (vault.Argon2): the page's thread
// never spends the KDF's 0.13–0.2 s nor keeps its 46 MiB. The secret is the
// normalised passphrase; it lives in the worker only for the call.
type KDFRequest struct {
	Secret, Salt         []byte
	Time, Memory, KeyLen uint32
	Threads              uint8
	Fault                string // tests only (FaultPanic, FaultExit)
}

// Limits of a KDF request (vault's, for its keyslots): a request beyond
// them is refused rather than run.
const (
	MaxKDFMemory = 1 << 20 // KiB
	MaxKDFTime   = 64
	MaxKDFKeyLen = 64
)

// Encode is the request's message.
func (q KDFRequest) Encode() []byte {
	w, e := newRequest(64+len(q.Secret)+len(q.Salt), OpKDF, q.Fault)
	e.Bytes(q.Secret).Bytes(q.Salt).Uint(uint64(q.Time)).Uint(uint64(q.Memory)).Uint(uint64(q.Threads)).Uint(uint64(q.KeyLen))
	w.Frame(kindKDF, e.Payload())
	return w.Bytes()
}

// DecodeKDF reads a KDF request; its byte fields are copies, so that the
// job can wipe them.
func DecodeKDF(msg []byte) (KDFRequest, error) {
	var q KDFRequest
	r, fault, err := readRequest(msg, OpKDF, kindKDF)
	if err != nil {
		return q, err
	}
	q.Fault = fault
	d := r.Decoder()
	q.Secret, q.Salt = append([]byte(nil), d.Bytes()...), append([]byte(nil), d.Bytes()...)
	t, m, p, n := d.Uint(), d.Uint(), d.Uint(), d.Uint()
	if d.Err() != nil || r.Next() || t < 1 || t > MaxKDFTime || m < 8*max(p, 1) || m > MaxKDFMemory || p < 1 || p > 255 || n < 16 || n > MaxKDFKeyLen || len(q.Salt) < 8 {
		return q, errBadRequest
	}
	q.Time, q.Memory, q.Threads, q.KeyLen = uint32(t), uint32(m), uint8(p), uint32(n)
	return q, nil
}

// EncodeKDFKey is a KDF request's reply.
func EncodeKDFKey(key []byte) []byte {
	w := frame.NewWriter(16 + len(key))
	w.Frame(kindKDFKey, key)
	return w.Bytes()
}

// KDFReply reads a KDF request's reply: the key (a copy), or a *Failure.
func KDFReply(msg []byte) ([]byte, error) {
	r, err := frame.NewReader(msg)
	if err != nil || !r.Next() {
		return nil, &Failure{Key: KeyCrash}
	}
	switch r.Kind() {
	case kindFailed:
		return nil, failure(r.Decoder())
	case kindKDFKey:
		if len(r.Payload()) == 0 || r.Next() {
			return nil, &Failure{Key: KeyCrash}
		}
		return append([]byte(nil), r.Payload()...), nil
	}
	return nil, &Failure{Key: KeyCrash}
}
