package jobs

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"backpack/internal/importer"
	"backpack/internal/worker"
)

const bundle = `{"resourceType":"Bundle","type":"collection","entry":[
{"resource":{"resourceType":"Patient","id":"p","name":[{"given":["Ana"],"family":"Test"}],"birthDate":"1980-02-29"}},
{"resource":{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p"},"code":{"text":"Asthma"}}},
{"resource":{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"Glucose"},"valueQuantity":{"value":5.4,"unit":"mmol/L"}}}]}`

func opener(s string) func() io.ReadCloser {
	return func() io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }
}

// The page gets through the messages what parsing in place would give.
func TestServeImport(t *testing.T) {
	keys := importer.JWKS{Keys: []importer.JWK{{Kty: "EC", Kid: "k1", Crv: "P-256", X: "x", Y: "y", Issuer: "https://issuer.example"}}}
	q := worker.ImportRequest{Name: "b.json", Size: int64(len(bundle)), Keys: keys}
	got, err := worker.DecodeImport(q.Encode())
	if err != nil || !reflect.DeepEqual(got, q) {
		t.Fatalf("request came back as %+v, %v", got, err)
	}
	var progress []int64
	reply := Serve(q.Encode(), opener(bundle), func(msg []byte) {
		n, ok := worker.Progress(msg)
		if !ok {
			t.Fatalf("a message that is not progress: %x", msg)
		}
		progress = append(progress, n)
	})
	parsed, err := worker.ImportReply(reply)
	if err != nil {
		t.Fatal(err)
	}
	res := parsed.Result
	want, _ := Parse("b.json", int64(len(bundle)), opener(bundle), keys, nil)
	if res.Patient == nil || len(res.Resources) != 2 || res.Counts["Observation"] != 1 || res.Format != want.Format {
		t.Fatalf("result %+v", res)
	}
	for i := range want.Resources {
		if !bytes.Equal(res.Resources[i].JSON, want.Resources[i].JSON) {
			t.Errorf("resource %d: %s, want %s", i, res.Resources[i].JSON, want.Resources[i].JSON)
		}
	}
	// The entries made in the worker are those the page would make.
	entries, err := parsed.Entries(0, len(parsed.Headers))
	if err != nil {
		t.Fatal(err)
	}
	wantEntries := importer.ToEntries(want, "", time.Now())
	if len(entries) != len(wantEntries) {
		t.Fatalf("%d entries, want %d", len(entries), len(wantEntries))
	}
	for i, e := range entries {
		w := wantEntries[i]
		if e.ID == "" || e.Profile != "" || !reflect.DeepEqual(e.Projection, w.Projection) || !reflect.DeepEqual(e.Identity, w.Identity) ||
			!bytes.Equal(e.Resource.JSON, w.Resource.JSON) || e.Resource.Type != w.Resource.Type || e.Provenance.Source != w.Provenance.Source || e.Provenance.File != "b.json" {
			t.Errorf("entry %d:\n got %+v\nwant %+v", i, e, w)
		}
	}
	if len(progress) == 0 || progress[len(progress)-1] != int64(len(bundle)) {
		t.Errorf("progress %v, want it to end at %d", progress, len(bundle))
	}
}

// Whatever goes wrong becomes a catalog key on the reply, never a panic
// and never the file's words.
func TestServeFailures(t *testing.T) {
	for _, tt := range []struct {
		name string
		msg  []byte
		open func() io.ReadCloser
		key  string
		line int
	}{
		{"too large", worker.ImportRequest{Name: "a.json", Size: worker.MaxBytes + 1}.Encode(), opener(bundle), "import.error.too-large", 0},
		{"bad json", worker.ImportRequest{Name: "a.json", Size: 20}.Encode(), opener("{\n\"resourceType\": ,\n}"), "import.error.syntax", 2},
		{"a panic asked for", worker.ImportRequest{Name: "a.json", Size: 2, Fault: worker.FaultPanic}.Encode(), opener("{}"), worker.KeyCrash, 0},
		{"a reader that panics", worker.ImportRequest{Name: "secret-name.json", Size: 2}.Encode(), func() io.ReadCloser { panic("secret words") }, worker.KeyCrash, 0},
		{"not a request", []byte(`{"resourceType":"Bundle"}`), opener(bundle), worker.KeyCrash, 0},
		{"another job", func() []byte { m := worker.ImportRequest{}.Encode(); m[6] = 'X'; return m }(), opener(bundle), worker.KeyCrash, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reply := Serve(tt.msg, tt.open, nil)
			if bytes.Contains(reply, []byte("secret")) {
				t.Fatalf("the reply quotes the file: %q", reply)
			}
			_, err := worker.ImportReply(reply)
			var f *worker.Failure
			if !errors.As(err, &f) || f.Key != tt.key || f.Line != tt.line {
				t.Fatalf("error %v (%+v), want %s line %d", err, f, tt.key, tt.line)
			}
			if worker.ErrorKey(err) != tt.key || worker.ErrorLine(err) != tt.line {
				t.Errorf("worker.ErrorKey %q worker.ErrorLine %d", worker.ErrorKey(err), worker.ErrorLine(err))
			}
		})
	}
}

func TestFaultOf(t *testing.T) {
	if f := worker.FaultOf(worker.ImportRequest{Fault: worker.FaultExit}.Encode()); f != worker.FaultExit {
		t.Errorf("worker.FaultOf = %q", f)
	}
	if f := worker.FaultOf(worker.ImportRequest{}.Encode()); f != "" {
		t.Errorf("worker.FaultOf = %q", f)
	}
	if f := worker.FaultOf([]byte("junk")); f != "" {
		t.Errorf("worker.FaultOf(junk) = %q", f)
	}
}

func TestRepliesRefused(t *testing.T) {
	for _, msg := range [][]byte{nil, []byte("BPF\x01"), []byte("BPF\x01\x7f\x00"), []byte("BPF\x01\x06\x00\x7f\x00")} {
		_, err := worker.ImportReply(msg)
		var f *worker.Failure
		if !errors.As(err, &f) || f.Key != worker.KeyCrash {
			t.Errorf("%q: %v", msg, err)
		}
	}
}

// A card read without its issuer's keys is checked again through the
// worker once they are added: the answer carries the new problems and the
// verdict, and the page's copy of the file keeps its records. A malformed
// request or a panic is a crash that leaves the file as it was.
func TestServeCards(t *testing.T) {
	card, err := os.ReadFile("testdata/card.smart-health-card")
	if err != nil {
		t.Fatal(err)
	}
	jwks, err := os.ReadFile("testdata/card-jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := importer.ParseJWKS(jwks)
	if err != nil {
		t.Fatal(err)
	}
	res, err := importer.ImportBytes("card.smart-health-card", card, importer.Options{})
	if err != nil || len(res.Cards) != 1 || res.Verified == nil || *res.Verified {
		t.Fatalf("read without keys: %v, %d cards, verified %v", err, len(res.Cards), res.Verified)
	}
	before := len(res.Resources)
	for _, tt := range []struct {
		name string
		keys importer.JWKS
		want bool
		code string
	}{
		{"the issuer's keys", keys.ForIssuer("https://issuer.example.org"), true, ""},
		{"keys tied to no issuer", keys, false, importer.ProblemOtherIssuer},
		{"no keys", importer.JWKS{}, false, importer.ProblemUnknownKey},
	} {
		got := res
		if err := worker.CardsReply(Serve(worker.CardsRequest{Result: res, Keys: tt.keys}.Encode(), nil, nil), &got); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var codes []string
		for _, p := range got.Problems {
			codes = append(codes, p.Code)
		}
		if got.Verified == nil || *got.Verified != tt.want || strings.Join(codes, ",") != tt.code || len(got.Resources) != before {
			t.Errorf("%s: verified %v, problems %q, %d resources", tt.name, *got.Verified, codes, len(got.Resources))
		}
	}
	for name, msg := range map[string][]byte{
		"panic":     worker.CardsRequest{Result: res, Keys: keys, Fault: worker.FaultPanic}.Encode(),
		"truncated": worker.CardsRequest{Result: res, Keys: keys}.Encode()[:30],
	} {
		got := res
		err := worker.CardsReply(Serve(msg, nil, nil), &got)
		var f *worker.Failure
		if !errors.As(err, &f) || f.Key != worker.KeyCrash || *got.Verified {
			t.Errorf("%s: %v, verified %v", name, err, *got.Verified)
		}
	}
}

// A key derived through the worker is argon2.IDKey's; parameters beyond
// the vault's limits, a malformed request or a panic are refused.
func TestServeKDF(t *testing.T) {
	q := worker.KDFRequest{Secret: []byte("correct horse battery staple"), Salt: []byte("0123456789abcdef"), Time: 1, Memory: 64, Threads: 1, KeyLen: 32}
	want := argon2.IDKey(q.Secret, q.Salt, 1, 64, 1, 32)
	got, err := worker.KDFReply(Serve(q.Encode(), nil, nil))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%x, %v; want %x", got, err, want)
	}
	for name, bad := range map[string]func(q *worker.KDFRequest){
		"memory":  func(q *worker.KDFRequest) { q.Memory = worker.MaxKDFMemory + 1 },
		"time":    func(q *worker.KDFRequest) { q.Time = 0 },
		"threads": func(q *worker.KDFRequest) { q.Threads = 0 },
		"key":     func(q *worker.KDFRequest) { q.KeyLen = 8 },
		"salt":    func(q *worker.KDFRequest) { q.Salt = nil },
		"panic":   func(q *worker.KDFRequest) { q.Fault = worker.FaultPanic },
	} {
		r := q
		bad(&r)
		_, err := worker.KDFReply(Serve(r.Encode(), nil, nil))
		var f *worker.Failure
		if !errors.As(err, &f) || f.Key != worker.KeyCrash {
			t.Errorf("%s: %v", name, err)
		}
	}
}
