package importer

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

// File is a document that came embedded in an imported resource — a PDF,
// an image, any attachment given as base64 (FHIR Attachment.data,
// Binary.data; C-CDA nonXMLBody and observationMedia through the
// converter) — decoded, so that it can be stored as a file of the record
// and attached to the entries of the resources it belongs to.
//
// The resource that held it no longer carries the bytes: its attachment's
// data is replaced by a pointer to the file (see record.FileURL), with the size
// and the SHA-1 hash FHIR defines, so the record never keeps megabytes of
// base64 next to the file itself. Exports put the bytes back beside the
// resource (files/<name> in the archive).
type File struct {
	Name   string // a file name for people: the attachment's title, else the resource's kind, with an extension for the type
	Type   string // MIME type, as the source gave it
	Size   int64
	SHA256 string // hex, of the bytes
	Data   []byte
	// Owners are the indexes in Result.Resources of the resources the file
	// belongs to: the one that held it, and those in the same file that
	// point at it (a DocumentReference whose attachment is a Binary, an
	// Observation derived from a Media). A file held twice is one File.
	Owners []int
}

// ProblemAttachmentInvalid is the code of an embedded attachment whose
// base64 cannot be decoded: it stays in the resource as it came.
const ProblemAttachmentInvalid = "attachment-invalid"

// inlineTextMax is the largest plain-text or HTML attachment kept inside
// its resource: such an attachment is the text of a note, which the entry
// shows, not a document to open.
const inlineTextMax = 256 << 10

// extractFiles takes every embedded attachment out of res.Resources into
// res.Files. Resources without any are not touched (nor re-encoded).
func extractFiles(res *Result) {
	bySHA := map[string]int{} // sha256 → index in res.Files
	var carriers []int        // Binary and Media resources that gave a file
	for i := range res.Resources {
		r := &res.Resources[i]
		if !bytes.Contains(r.JSON, []byte(`"data"`)) {
			continue
		}
		var root any
		d := json.NewDecoder(bytes.NewReader(r.JSON))
		d.UseNumber()
		if d.Decode(&root) != nil {
			continue
		}
		x := extractor{res: res, bySHA: bySHA, owner: i, where: r.Type}
		if r.ID != "" {
			x.where += "/" + r.ID
		}
		x.walk(root, "", 0)
		if !x.changed {
			continue
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(root) != nil {
			continue
		}
		if nr, err := fhir.Parse(bytes.TrimSpace(buf.Bytes())); err == nil {
			*r = nr
		}
		if (r.Type == "Binary" || r.Type == "Media") && r.ID != "" {
			carriers = append(carriers, i)
		}
	}
	// Resources that point at a Binary or Media holding a file get the file too.
	for _, ci := range carriers {
		c := res.Resources[ci]
		needle := []byte(c.Type + "/" + c.ID + `"`)
		for j := range res.Resources {
			if j == ci || !bytes.Contains(res.Resources[j].JSON, needle) {
				continue
			}
			for k := range res.Files {
				f := &res.Files[k]
				if has(f.Owners, ci) && !has(f.Owners, j) {
					f.Owners = append(f.Owners, j)
				}
			}
		}
	}
}

func has(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

type extractor struct {
	res     *Result
	bySHA   map[string]int
	owner   int
	where   string
	changed bool
}

// walk finds Attachment-shaped objects (data and contentType; Binary's
// root has both too) below v.
func (x *extractor) walk(v any, at string, depth int) {
	if depth > MaxDepth {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["data"].(string); ok {
			if _, ok := v["contentType"].(string); ok {
				x.attachment(v, at)
			}
		}
		keys := make([]string, 0, len(v))
		for k, c := range v {
			switch c.(type) {
			case map[string]any, []any:
				keys = append(keys, k)
			}
		}
		sort.Strings(keys) // files in a stable order
		for _, k := range keys {
			x.walk(v[k], attPath(at, k), depth+1)
		}
	case []any:
		for i, c := range v {
			x.walk(c, fmt.Sprintf("%s[%d]", at, i), depth+1)
		}
	}
}

func attPath(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}

func (x *extractor) attachment(a map[string]any, at string) {
	data := a["data"].(string)
	ct := a["contentType"].(string)
	if data == "" {
		return
	}
	if mt := mediaType(ct); (mt == "text/plain" || mt == "text/html") && len(data) <= inlineTextMax*4/3+4 {
		return // the text of a note: it stays where the entry shows it
	}
	b, ok := decodeBase64(data)
	if !ok {
		where := x.where
		if at != "" {
			where += " " + at
		}
		x.res.Problems = append(x.res.Problems, Problem{Severity: SevWarning, Code: ProblemAttachmentInvalid,
			Where: where, Detail: "base64 data of a " + mediaType(ct) + " attachment cannot be decoded; kept as it came"})
		return
	}
	sum := sha256.Sum256(b)
	hexSum := hex.EncodeToString(sum[:])
	delete(a, "data")
	if _, ok := a["url"]; !ok {
		a["url"] = record.FileURL(hexSum)
	}
	if _, ok := a["size"]; !ok {
		a["size"] = len(b)
	}
	if _, ok := a["hash"]; !ok {
		h := sha1.Sum(b) // FHIR R4 Attachment.hash is the SHA-1 of the data
		a["hash"] = base64.StdEncoding.EncodeToString(h[:])
	}
	x.changed = true
	if i, dup := x.bySHA[hexSum]; dup {
		if f := &x.res.Files[i]; !has(f.Owners, x.owner) {
			f.Owners = append(f.Owners, x.owner)
		}
		return
	}
	title, _ := a["title"].(string)
	x.bySHA[hexSum] = len(x.res.Files)
	x.res.Files = append(x.res.Files, File{
		Name: fileName(title, x.res.Resources[x.owner].Type, ct), Type: ct, Size: int64(len(b)),
		SHA256: hexSum, Data: b, Owners: []int{x.owner},
	})
}

// decodeBase64 reads base64Binary as sources write it: standard alphabet,
// with or without padding, possibly broken over lines.
func decodeBase64(s string) ([]byte, bool) {
	if strings.ContainsAny(s, " \t\r\n") {
		s = strings.Join(strings.Fields(s), "")
	}
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
		s = strings.TrimRight(s, "=")
	}
	b, err := enc.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, false
	}
	return b, true
}

// mediaType is a MIME type lower-cased, without parameters.
func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// extensions are the usual file-name endings of the types sources embed.
var extensions = map[string]string{
	"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
	"image/tiff": ".tif", "image/webp": ".webp", "image/bmp": ".bmp", "text/plain": ".txt",
	"text/html": ".html", "text/xml": ".xml", "application/xml": ".xml", "text/rtf": ".rtf",
	"application/rtf": ".rtf", "application/dicom": ".dcm", "application/msword": ".doc",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}

// fileName makes a file name from an attachment's title (or the type of
// its resource), safe on any file system, ending in the type's extension.
func fileName(title, resourceType, ct string) string {
	name := strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r):
			return ' '
		}
		return r
	}, title)
	name = strings.Join(strings.Fields(name), " ")
	if len(name) > 100 {
		name = strings.TrimSpace(strings.ToValidUTF8(name[:100], ""))
	}
	if name == "" || name == "." || name == ".." {
		name = strings.ToLower(resourceType)
		if name == "" {
			name = "attachment"
		}
	}
	ext := extensions[mediaType(ct)]
	if ext != "" && !strings.EqualFold(path.Ext(name), ext) {
		name += ext
	}
	return name
}
