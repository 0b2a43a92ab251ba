package importer

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"backpack/internal/frame"
)

// roundTrip encodes and decodes res.
func roundTrip(t *testing.T, res Result) Result {
	t.Helper()
	w := frame.NewWriter(0)
	EncodeResult(w, res)
	r, err := frame.NewReader(w.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeResult(r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// sameResult compares results field by field, an empty list and none alike.
func sameResult(t *testing.T, name string, got, want Result) {
	t.Helper()
	norm := func(r Result) Result {
		if len(r.Resources) == 0 {
			r.Resources = nil
		}
		if len(r.Files) == 0 {
			r.Files = nil
		}
		for i := range r.Files {
			if len(r.Files[i].Owners) == 0 {
				r.Files[i].Owners = nil
			}
			if len(r.Files[i].Data) == 0 {
				r.Files[i].Data = nil
			}
		}
		if len(r.Problems) == 0 {
			r.Problems = nil
		}
		if len(r.Cards) == 0 {
			r.Cards = nil
		}
		return r
	}
	if g, w := norm(got), norm(want); !reflect.DeepEqual(g, w) {
		t.Errorf("%s: decoded result differs:\n got %+v\nwant %+v", name, g, w)
	}
}

// Every fixture's result comes back the same through frames: resources'
// JSON byte for byte, embedded files, problems, counts.
func TestResultFrames(t *testing.T) {
	var names []string
	n, files := 0, 0
	names = append(names, fixtureNames("*")...)
	attach, _ := filepath.Glob("testdata/attach/*.*")
	names = append(names, attach...)
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			b = fixture(strings.TrimPrefix(name, "testdata/"))
		}
		res, err := Import(filepath.Base(name), bytes.NewReader(b), Options{})
		if err != nil {
			continue
		}
		sameResult(t, name, roundTrip(t, res), res)
		n++
		files += len(res.Files)
	}
	if n < 8 || files == 0 {
		t.Fatalf("%d fixtures with %d files compared", n, files)
	}
}

// A health card's signatures can be checked again on the decoded copy,
// with keys added after the parse.
func TestResultFramesCards(t *testing.T) {
	is := newIssuer(t)
	jws := is.sign(t, cardBundle)
	res, err := Import("c.smart-health-card", strings.NewReader(cardFile(jws)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verified == nil || *res.Verified {
		t.Fatalf("verified %v before keys", res.Verified)
	}
	got := roundTrip(t, res)
	sameResult(t, "card", got, res)
	CheckCards(&got, is.jwks)
	if got.Verified == nil || !*got.Verified {
		t.Fatalf("decoded card not verified with its issuer's key: %v", codes(got.Problems))
	}
}

// The smallest result's frames, as a test vector.
func TestResultFramesVector(t *testing.T) {
	v := true
	w := frame.NewWriter(0)
	EncodeResult(w, Result{File: "a", Format: FormatSHC, Verified: &v})
	const want = "42504601" + "10" + "09" + "0161" + "03736863" + "00" + "02" + "00"
	if got := hex.EncodeToString(w.Bytes()); got != want {
		t.Fatalf("frames = %s, want %s", got, want)
	}
}

func TestResultFramesRefused(t *testing.T) {
	for name, build := range map[string]func(w *frame.Writer){
		"no head":       func(w *frame.Writer) {},
		"unknown frame": func(w *frame.Writer) { EncodeResult(w, Result{}); w.Frame(0x7f, nil) },
		"extra field": func(w *frame.Writer) {
			EncodeResult(w, Result{})
			var e frame.Encoder
			e.String("Patient").Int(1).Int(2)
			w.Frame(frameCount, e.Payload())
		},
		"owners past the frame": func(w *frame.Writer) {
			EncodeResult(w, Result{})
			var e frame.Encoder
			e.String("").String("").Int(0).String("").Bool(false).Bytes(nil).Uint(1 << 40)
			w.Frame(frameFile, e.Payload())
		},
		"negative count": func(w *frame.Writer) {
			EncodeResult(w, Result{})
			var e frame.Encoder
			e.String("Patient").Int(-1)
			w.Frame(frameCount, e.Payload())
		},
	} {
		w := frame.NewWriter(0)
		build(w)
		r, _ := frame.NewReader(w.Bytes())
		if _, err := DecodeResult(r); !errors.Is(err, ErrBadResult) {
			t.Errorf("%s: %v, want ErrBadResult", name, err)
		}
	}
}
