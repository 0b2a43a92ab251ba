package frame

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

// The format's test vectors: any change to them is a new Version.
func TestVectors(t *testing.T) {
	w := NewWriter(0)
	var e Encoder
	e.Uint(300).Int(-2).Bool(true).String("hé").Bytes([]byte{0xff})
	w.Frame(7, e.Payload())
	w.Frame(0, nil)
	const want = "42504601" + // "BPF", version 1
		"07" + "0a" + "ac02" + "03" + "01" + "0368c3a9" + "01ff" + // kind 7, 10 bytes: 300, -2, true, "hé", ff
		"00" + "00" // kind 0, empty
	if got := hex.EncodeToString(w.Bytes()); got != want {
		t.Fatalf("message = %s, want %s", got, want)
	}
	msg, _ := hex.DecodeString(want)
	r, err := NewReader(msg)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := r.Peek(); !ok || k != 7 {
		t.Fatalf("Peek = %d, %v", k, ok)
	}
	if !r.Next() || r.Kind() != 7 {
		t.Fatalf("first frame: kind %d, err %v", r.Kind(), r.Err())
	}
	d := r.Decoder()
	if u, i, b, s, p := d.Uint(), d.Int(), d.Bool(), d.String(), d.Bytes(); u != 300 || i != -2 || !b || s != "hé" || !bytes.Equal(p, []byte{0xff}) || d.Err() != nil || d.Rest() != 0 {
		t.Fatalf("fields = %d %d %v %q %x (%v, %d left)", u, i, b, s, p, d.Err(), d.Rest())
	}
	if !r.Next() || r.Kind() != 0 || len(r.Payload()) != 0 {
		t.Fatalf("second frame: kind %d, payload %x", r.Kind(), r.Payload())
	}
	if r.Next() || r.Err() != nil {
		t.Fatalf("after the last frame: more, or %v", r.Err())
	}
	if _, ok := r.Peek(); ok {
		t.Fatal("Peek after the last frame")
	}
}

func TestRefused(t *testing.T) {
	for _, tt := range []struct {
		hex string
		err error
	}{
		{"", ErrHeader},
		{"425046", ErrHeader},
		{"7b227265", ErrHeader}, // JSON
		{"42504602", ErrVersion},
	} {
		msg, _ := hex.DecodeString(tt.hex)
		if _, err := NewReader(msg); !errors.Is(err, tt.err) {
			t.Errorf("%s: %v, want %v", tt.hex, err, tt.err)
		}
	}
	for _, h := range []string{
		"4250460105",                       // kind, no length
		"425046010503aabb",                 // 3 bytes declared, 2 there
		"4250460105ffffffff",               // a huge length, cut
		"42504601058080808080808080808001", // a length past 2^64
	} {
		msg, _ := hex.DecodeString(h)
		r, err := NewReader(msg)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
		}
		if !errors.Is(r.Err(), ErrTruncated) {
			t.Errorf("%s: %v, want ErrTruncated", h, r.Err())
		}
	}
	// A field longer than its frame.
	d := NewDecoder([]byte{0x05, 'a'})
	if d.Bytes() != nil || !errors.Is(d.Err(), ErrTruncated) || d.Uint() != 0 {
		t.Errorf("a cut field: %v", d.Err())
	}
	if d := NewDecoder([]byte{2}); d.Bool() || d.Err() == nil {
		t.Error("a bool of 2 was read")
	}
}

// Bytes hands out slices of the message, capped, so that appending to one
// never writes over the next field.
func TestBytesAreCapped(t *testing.T) {
	var e Encoder
	e.Bytes([]byte("ab")).Bytes([]byte("cd"))
	d := NewDecoder(e.Payload())
	a := d.Bytes()
	_ = append(a, 'x')
	if b := d.Bytes(); string(b) != "cd" {
		t.Fatalf("second field = %q", b)
	}
}

func FuzzReader(f *testing.F) {
	w := NewWriter(0)
	var e Encoder
	e.String("x").Uint(1)
	w.Frame(1, e.Payload())
	f.Add(w.Bytes())
	f.Fuzz(func(t *testing.T, msg []byte) {
		r, err := NewReader(msg)
		if err != nil {
			return
		}
		for r.Next() {
			d := r.Decoder()
			for d.Rest() > 0 && d.Err() == nil {
				_ = d.Bytes()
			}
		}
	})
}
