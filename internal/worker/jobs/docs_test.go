package jobs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/gopenpgp/v2/crypto"

	"backpack/internal/export"
	"backpack/internal/exportdata"
	"backpack/internal/qr"
	"backpack/internal/worker"
)

// A public key checked in the worker has export.PublicKey's fingerprint;
// what is not a usable public key is refused with export.PublicKey's key.
func TestServeKey(t *testing.T) {
	key, err := crypto.GenerateKey("Dr Test", "dr@example.org", "x25519", 0)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := key.GetArmoredPublicKey()
	priv, _ := key.Armor()
	want, err := export.PublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	fpr, err := worker.KeyReply(Serve(worker.KeyRequest{Text: pub}.Encode(), nil, nil))
	if err != nil || fpr != want.Fingerprint() || fpr == "" {
		t.Errorf("fingerprint %q, %v; want %q", fpr, err, want.Fingerprint())
	}
	for _, tt := range []struct {
		name, text, want string
	}{
		{"not a key", "not a key", export.ErrorKey(export.ErrBadKey)},
		{"private key", priv, export.ErrorKey(export.ErrPrivateKey)},
	} {
		reply := Serve(worker.KeyRequest{Text: tt.text}.Encode(), nil, nil)
		_, err := worker.KeyReply(reply)
		var f *worker.Failure
		if !errors.As(err, &f) || f.Key != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
		if bytes.Contains(reply, []byte("PRIVATE")) {
			t.Errorf("%s: the reply quotes the key", tt.name)
		}
	}
	if _, err := worker.KeyReply(Serve(worker.KeyRequest{Text: pub, Fault: worker.FaultPanic}.Encode(), nil, nil)); err == nil {
		t.Error("a panic read as a key")
	}
}

// Through the worker, a living link's records become one FHIR Bundle per
// profile, each with that profile's Patient and entries only.
func TestServeBundles(t *testing.T) {
	d, mem := testData(t)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	got, err := worker.BundlesReply(Serve(worker.BundlesRequest{Data: d, Files: mem, Now: now}.Encode(), nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Bundles(d, mem, now)
	if err != nil {
		t.Fatal(err)
	}
	// The person's attached file travels inside their bundle, sent to the
	// worker with the request.
	if !bytes.Contains(got[0], []byte(base64.StdEncoding.EncodeToString(mem["f1"]))) {
		t.Error("the attached PDF is not inline in its person's bundle")
	}
	if _, err := worker.BundlesReply(Serve(worker.BundlesRequest{Data: d, Now: now}.Encode(), nil, nil)); err == nil {
		t.Error("bundles of a file whose bytes were not sent")
	}
	if len(got) != 2 || len(want) != 2 {
		t.Fatalf("%d bundles, want 2 (one per profile)", len(got))
	}
	for i := range got {
		var g, w struct {
			ResourceType, Timestamp string
			Entry                   []struct{ FullURL string }
		}
		if err := json.Unmarshal(got[i], &g); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(want[i], &w)
		if g.ResourceType != "Bundle" || g.Timestamp != w.Timestamp || asJSON(t, g.Entry) != asJSON(t, w.Entry) {
			t.Errorf("bundle %d: %s\nwant %s", i, got[i], want[i])
		}
	}
	if n := len(bytes.Split(got[0], []byte(`"fullUrl"`))) - 1; n != 4 { // Ana's Patient, her two entries and her letter's DocumentReference
		t.Errorf("the first bundle has %d entries, want 4", n)
	}
	if bytes.Contains(got[1], []byte("Glucose")) {
		t.Error("Leo's bundle holds Ana's entries")
	}
	none, err := worker.BundlesReply(Serve(worker.BundlesRequest{Now: now}.Encode(), nil, nil))
	if err != nil || len(none) != 0 {
		t.Errorf("no profiles: %d bundles, %v", len(none), err)
	}
}

// A WriteRequest with SummaryLang comes back as summary.html in that
// language, not as an export.
func TestServeSummary(t *testing.T) {
	d, files := testData(t)
	out, _, err := writeThrough(t, d, exportdata.Selection{}, files, worker.WriteRequest{SummaryLang: "es"})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := export.HTMLSummary(&want, d, exportdata.Selection{}, "es"); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("<!DOCTYPE html>")) || !bytes.Contains(out, []byte(`lang="es"`)) || !bytes.Contains(out, []byte("Ana Test")) {
		t.Errorf("summary %.200s", out)
	}
	if len(out) != want.Len() {
		t.Errorf("summary of %d bytes, want %d", len(out), want.Len())
	}
}

// A QR code drawn through the worker is qr.SVG's drawing; a text too long
// for one says so, and a malformed request or a panic is a crash.
func TestServeQR(t *testing.T) {
	const link = "https://backpack.example/join#ABCD-EFGH-IJKL"
	want, err := qr.SVG(link, "QR code to add a device")
	if err != nil {
		t.Fatal(err)
	}
	svg, err := worker.QRReply(Serve(worker.QRRequest{Text: link, Title: "QR code to add a device"}.Encode(), nil, nil))
	if err != nil || svg != want {
		t.Fatalf("%v; same drawing: %v", err, svg == want)
	}
	for _, tt := range []struct {
		name string
		msg  []byte
		want string
	}{
		{"too long", worker.QRRequest{Text: strings.Repeat("x", 5000), Title: "t"}.Encode(), worker.KeyQRTooLong},
		{"no title", worker.QRRequest{Text: link}.Encode(), worker.KeyCrash},
		{"panic", worker.QRRequest{Text: link, Title: "t", Fault: worker.FaultPanic}.Encode(), worker.KeyCrash},
		{"truncated", worker.QRRequest{Text: link, Title: "t"}.Encode()[:20], worker.KeyCrash},
	} {
		_, err := worker.QRReply(Serve(tt.msg, nil, nil))
		var f *worker.Failure
		if !errors.As(err, &f) || f.Key != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
}
