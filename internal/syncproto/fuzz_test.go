package syncproto

import (
	"encoding/json"
	"testing"
)

// Whatever a client sends, ParseAuth answers without panicking, and what it
// accepts round-trips through SignRequest's format.
func FuzzParseAuth(f *testing.F) {
	f.Add(SignRequest(seed(2), "GET", "/sync/v1/vaults/x/log?since=0", 1, nil))
	f.Add(AuthScheme + " device=,t=,sig=")
	f.Add(AuthScheme + " t=1,t=2,device=a,sig=" + string(make([]byte, 86)))
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuth(h)
		if err == nil && (a.Device == "" || len(a.Sig) != 64) {
			t.Fatalf("accepted %q as %+v", h, a)
		}
	})
}

// Whatever a server answers, Chain.Verify returns an error or a page that
// continues the chain; it never panics and never moves on a bad page.
func FuzzChainVerify(f *testing.F) {
	v := newTestVault()
	c := NewChain(v.pub)
	p := c.Push(v.priv, []Envelope{env(1, 1, "a"), env(2, 1, "b")})
	good, _ := json.Marshal(Pull{Entries: []Entry{{Seq: 1, Envelope: p.Envelopes[0]}, {Seq: 2, Envelope: p.Envelopes[1]}}, Head: p.Head})
	f.Add(good)
	f.Add([]byte(`{"entries":[{"seq":1}],"head":{"seq":1}}`))
	f.Add([]byte(`{"head":{"seq":0,"hash":""}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var page Pull
		if json.Unmarshal(b, &page) != nil {
			return
		}
		ch := NewChain(v.pub)
		if err := ch.Verify(page); err == nil && ch.Seq > 0 && VerifyHead(v.pub, v.id, Head{Seq: ch.Seq, Hash: ch.Hash, Sig: page.Head.Sig}) != nil {
			t.Fatal("moved to a head the vault did not sign")
		}
	})
}
