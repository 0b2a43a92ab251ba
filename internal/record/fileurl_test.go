package record

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestFileURL(t *testing.T) {
	h := sha256.Sum256([]byte("x"))
	sum := hex.EncodeToString(h[:])
	u := FileURL(sum)
	if !strings.HasPrefix(u, "ni:///sha-256;") || len(u) != len("ni:///sha-256;")+43 || FileSHA256(u) != sum {
		t.Errorf("%q", u)
	}
	if FileSHA256("Binary/1") != "" || FileSHA256("ni:///sha-256;abc") != "" || FileURL("zz") != "" {
		t.Error("accepts what is not a file URL")
	}
}
