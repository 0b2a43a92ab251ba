package syncproto

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

func seed(b byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32)) }

// vectors is testdata/vectors.json: fixed keys and envelopes, and every id,
// hash and signature the protocol derives from them (Ed25519 is
// deterministic). Another implementation checks itself against this file.
type vectors struct {
	VaultSeed   string     `json:"vault_seed"`  // hex; Ed25519 seed of the vault key
	DeviceSeed  string     `json:"device_seed"` // hex
	PairSecret  string     `json:"pair_secret"` // hex
	VaultKey    string     `json:"vault_key"`   // hex
	VaultID     string     `json:"vault_id"`
	DeviceID    string     `json:"device_id"`
	Genesis     string     `json:"genesis"` // hex
	Envelopes   []Envelope `json:"envelopes"`
	Chain       []string   `json:"chain"`    // hex chain hash after each envelope (seq 1, 2, …)
	HeadSig     string     `json:"head_sig"` // hex signature of the last head
	CreateSig   string     `json:"create_sig"`
	EnrollKey   string     `json:"enroll_key"` // hex public key from PairSecret
	JoinSig     string     `json:"join_sig"`
	RequestPath string     `json:"request_path"`
	RequestTime int64      `json:"request_time"`
	RequestBody string     `json:"request_body"`
	AuthHeader  string     `json:"auth_header"`
}

func makeVectors() vectors {
	vk, dk := seed(1), seed(2)
	secret := bytes.Repeat([]byte{3}, 32)
	vault := VaultID(vk.Public().(ed25519.PublicKey))
	envs := []Envelope{
		{ID: bytes.Repeat([]byte{0xaa}, 16), Version: 1, Ciphertext: []byte("sealed record one")},
		{ID: bytes.Repeat([]byte{0xbb}, 16), Version: 1, Ciphertext: []byte("sealed record two")},
		{ID: bytes.Repeat([]byte{0xaa}, 16), Version: 2, Deleted: true},
	}
	c := NewChain(vk.Public().(ed25519.PublicKey))
	p := c.Push(vk, envs)
	var chain []string
	h := Genesis(vault)
	for i, e := range envs {
		h = ChainHash(h, uint64(i+1), e)
		chain = append(chain, hex.EncodeToString(h))
	}
	cr := NewCreate(vk, dk)
	j := NewJoin(vault, secret, seed(4))
	path := PullPath(vault, 2, 0)
	return vectors{
		VaultSeed: hex.EncodeToString(vk.Seed()), DeviceSeed: hex.EncodeToString(dk.Seed()),
		PairSecret: hex.EncodeToString(secret),
		VaultKey:   hex.EncodeToString(vk.Public().(ed25519.PublicKey)),
		VaultID:    vault, DeviceID: DeviceID(dk.Public().(ed25519.PublicKey)),
		Genesis: hex.EncodeToString(Genesis(vault)), Envelopes: envs, Chain: chain,
		HeadSig: hex.EncodeToString(p.Head.Sig), CreateSig: hex.EncodeToString(cr.Sig),
		EnrollKey: hex.EncodeToString(j.EnrollKey), JoinSig: hex.EncodeToString(j.Sig),
		RequestPath: path, RequestTime: 1764650000, RequestBody: "",
		AuthHeader: SignRequest(dk, "GET", path, 1764650000, nil),
	}
}

func TestVectors(t *testing.T) {
	got, err := json.MarshalIndent(makeVectors(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile("testdata/vectors.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("vectors changed (a protocol change breaks every client): got\n%s", got)
	}
}

// Hashes pinned by hand, so that -update cannot hide a change of the chain's
// layout.
func TestPinned(t *testing.T) {
	v := makeVectors()
	if v.Genesis != "593184541ee17b0cac4997c912d108fafadc0b1e5a4a7de186e908864efb6ff2" ||
		v.Chain[2] != "44f4b2ab3493cc9064ef6d1be0fb229cde951ca23cee07f35b3493debbaa73d3" ||
		v.VaultID != "QxugUZgeNXYmGUOVNpQMng" {
		t.Fatalf("protocol hashes changed: %s %s %s", v.Genesis, v.Chain[2], v.VaultID)
	}
}

type testVault struct {
	priv  ed25519.PrivateKey
	pub   ed25519.PublicKey
	id    string
	log   []Entry
	heads []Head
}

func newTestVault() *testVault {
	k := seed(9)
	pub := k.Public().(ed25519.PublicKey)
	return &testVault{priv: k, pub: pub, id: VaultID(pub), heads: []Head{{Hash: Genesis(VaultID(pub))}}}
}

// apply is a minimal honest server: check, append, keep the head.
func (v *testVault) apply(t *testing.T, p Push) {
	t.Helper()
	if _, err := CheckPush(v.pub, v.id, p); err != nil {
		t.Fatal(err)
	}
	cur := v.heads[len(v.heads)-1]
	if p.Base.Seq != cur.Seq || !bytes.Equal(p.Base.Hash, cur.Hash) {
		t.Fatal("base is not the head")
	}
	for i, e := range p.Envelopes {
		v.log = append(v.log, Entry{Seq: p.Base.Seq + uint64(i) + 1, Envelope: e})
	}
	v.heads = append(v.heads, p.Head)
}

func (v *testVault) pull(since uint64) Pull {
	h := v.heads[len(v.heads)-1]
	return Pull{Entries: append([]Entry(nil), v.log[since:h.Seq]...), Head: h}
}

func env(id byte, ver uint64, ct string) Envelope {
	return Envelope{ID: []byte{id, id, id, id}, Version: ver, Ciphertext: []byte(ct)}
}

func TestChainHonest(t *testing.T) {
	v := newTestVault()
	a, b := NewChain(v.pub), NewChain(v.pub)
	p := a.Push(v.priv, []Envelope{env(1, 1, "x"), env(2, 1, "y")})
	v.apply(t, p)
	if err := a.Accept(p, PushResult{Head: p.Head}); err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(v.pull(b.Seq)); err != nil {
		t.Fatal(err)
	}
	p = b.Push(v.priv, []Envelope{env(1, 2, "x2")})
	v.apply(t, p)
	b.Accept(p, PushResult{Head: p.Head})
	if err := a.Verify(v.pull(a.Seq)); err != nil {
		t.Fatal(err)
	}
	if a.Seq != 3 || !bytes.Equal(a.Hash, b.Hash) {
		t.Fatal("chains differ")
	}
	// Nothing new: an empty page at the same head verifies.
	if err := a.Verify(v.pull(a.Seq)); err != nil {
		t.Fatal(err)
	}
}

func TestChainDetects(t *testing.T) {
	v := newTestVault()
	w := NewChain(v.pub)
	for i := range 3 {
		p := w.Push(v.priv, []Envelope{env(byte(i), 1, "ct"), env(byte(i+10), 1, "more")})
		v.apply(t, p)
		w.Accept(p, PushResult{Head: p.Head})
	}
	seen := NewChain(v.pub)
	if err := seen.Verify(v.pull(0)); err != nil {
		t.Fatal(err)
	}
	other := newTestVault()
	other.priv, other.pub = seed(8), seed(8).Public().(ed25519.PublicKey) // a key that is not the vault's

	cases := []struct {
		name  string
		since uint64
		page  func() Pull
		want  error
	}{
		{"altered ciphertext", 0, func() Pull {
			p := v.pull(0)
			p.Entries[1].Ciphertext = []byte("changed")
			return p
		}, ErrTampered},
		{"dropped entry", 0, func() Pull {
			p := v.pull(0)
			p.Entries = append(p.Entries[:2:2], p.Entries[3:]...)
			return p
		}, ErrTampered},
		{"reordered", 0, func() Pull {
			p := v.pull(0)
			p.Entries[0], p.Entries[1] = p.Entries[1], p.Entries[0]
			return p
		}, ErrTampered},
		{"renumbered", 0, func() Pull {
			p := v.pull(0)
			p.Entries = p.Entries[1:]
			for i := range p.Entries {
				p.Entries[i].Seq--
			}
			return p
		}, ErrTampered},
		{"deleted flag flipped", 0, func() Pull {
			p := v.pull(0)
			p.Entries[2].Deleted = true
			return p
		}, ErrTampered},
		{"forged head", 0, func() Pull {
			p := v.pull(0)
			p.Entries[1].Ciphertext = []byte("forged")
			h := Genesis(v.id)
			for _, e := range p.Entries {
				h = ChainHash(h, e.Seq, e.Envelope)
			}
			p.Head = SignHead(other.priv, v.id, p.Head.Seq, h)
			return p
		}, ErrBadSignature},
		{"rolled back", 6, func() Pull { return Pull{Entries: nil, Head: v.heads[1]} }, ErrRollback},
		{"fork at same seq", 6, func() Pull {
			return Pull{Head: Head{Seq: 6, Hash: bytes.Repeat([]byte{1}, 32), Sig: v.heads[3].Sig}}
		}, ErrTampered},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch := NewChain(v.pub)
			if c.since > 0 {
				*ch = *seen
			}
			before := *ch
			err := ch.Verify(c.page())
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if ch.Seq != before.Seq || !bytes.Equal(ch.Hash, before.Hash) {
				t.Fatal("a failed page moved the chain")
			}
		})
	}
}

func TestCheckPush(t *testing.T) {
	v := newTestVault()
	c := NewChain(v.pub)
	good := c.Push(v.priv, []Envelope{env(1, 1, "a"), env(2, 1, "b")})
	hashes, err := CheckPush(v.pub, v.id, good)
	if err != nil || len(hashes) != 2 || !bytes.Equal(hashes[1], good.Head.Hash) {
		t.Fatal(err, hashes)
	}
	code := func(err error) Code {
		var e *Error
		if errors.As(err, &e) {
			return e.Code
		}
		return ""
	}
	bad := good
	bad.Envelopes = []Envelope{env(1, 1, "a"), env(2, 1, "changed")}
	if _, err := CheckPush(v.pub, v.id, bad); code(err) != CodeBadChain {
		t.Fatal(err)
	}
	bad = NewChain(v.pub).Push(seed(7), good.Envelopes)
	if _, err := CheckPush(v.pub, v.id, bad); code(err) != CodeBadSignature {
		t.Fatal(err)
	}
	bad = good
	bad.Envelopes = nil
	if _, err := CheckPush(v.pub, v.id, bad); code(err) != CodeBadRequest {
		t.Fatal(err)
	}
	bad = c.Push(v.priv, []Envelope{{ID: make([]byte, MaxIDBytes+1)}})
	if _, err := CheckPush(v.pub, v.id, bad); code(err) != CodeBadRequest {
		t.Fatal(err)
	}
	// A head signed for another vault does not verify here.
	o := NewChain(seed(5).Public().(ed25519.PublicKey))
	p := o.Push(seed(5), good.Envelopes)
	p.Base = good.Base
	if _, err := CheckPush(v.pub, v.id, p); err == nil {
		t.Fatal("cross-vault head accepted")
	}
}

func TestCreateJoinAuth(t *testing.T) {
	vk, dk := seed(1), seed(2)
	cr := NewCreate(vk, dk)
	id, err := CheckCreate(cr)
	if err != nil || id != VaultID(vk.Public().(ed25519.PublicKey)) {
		t.Fatal(id, err)
	}
	cr.DeviceKey = seed(3).Public().(ed25519.PublicKey)
	if _, err := CheckCreate(cr); err == nil {
		t.Fatal("swapped device key accepted")
	}
	secret := []byte("pairing secret from the QR code")
	j := NewJoin(id, secret, seed(4))
	if err := CheckJoin(id, j); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(j.EnrollKey, EnrollKey(secret).Public().(ed25519.PublicKey)) {
		t.Fatal("enroll key")
	}
	if err := CheckJoin("another-vault", j); err == nil {
		t.Fatal("join for another vault accepted")
	}

	path := PullPath(id, 5, 10)
	hdr := SignRequest(dk, "GET", path, 1000, nil)
	a, err := ParseAuth(hdr)
	if err != nil {
		t.Fatal(err)
	}
	pub := dk.Public().(ed25519.PublicKey)
	if !a.Verify(pub, "GET", path, nil, 1000+MaxClockSkew) {
		t.Fatal("good request refused")
	}
	for name, ok := range map[string]bool{
		"stale":        a.Verify(pub, "GET", path, nil, 1000+MaxClockSkew+1),
		"other method": a.Verify(pub, "DELETE", path, nil, 1000),
		"other path":   a.Verify(pub, "GET", PullPath(id, 0, 10), nil, 1000),
		"other body":   a.Verify(pub, "GET", path, []byte("x"), 1000),
		"other device": a.Verify(seed(3).Public().(ed25519.PublicKey), "GET", path, nil, 1000),
	} {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, h := range []string{"", "Bearer x", AuthScheme + " device=a,t=1", AuthScheme + " device=a,t=x,sig=AAAA"} {
		if _, err := ParseAuth(h); err == nil {
			t.Errorf("%q parsed", h)
		}
	}
}

func TestMissing(t *testing.T) {
	s := FileStatus{Total: 5, Have: []int{0, 2, 3}}
	if got := s.Missing(5); len(got) != 2 || got[0] != 1 || got[1] != 4 {
		t.Fatal(got)
	}
}
