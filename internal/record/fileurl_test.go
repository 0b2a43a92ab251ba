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

func TestProjectMediaBinary(t *testing.T) {
	p, err := Project(mustParse(t, []byte(`{"resourceType":"Media","status":"completed","createdDateTime":"2024-03-07","modality":{"text":"Photo"},"content":{"contentType":"image/png","title":"Rash"}}`)))
	if err != nil || p.Kind != KindDocument || p.Title != "Rash" || p.Text != "Photo" || p.Date.Format("2006-01-02") != "2024-03-07" {
		t.Errorf("%+v %v", p, err)
	}
	p, err = Project(mustParse(t, []byte(`{"resourceType":"Binary","contentType":"application/pdf"}`)))
	if err != nil || p.Kind != KindDocument || p.Text != "application/pdf" {
		t.Errorf("%+v %v", p, err)
	}
}
