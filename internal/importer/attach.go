package importer

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

// File is a document that came embedded in an imported resource — a PDF,
// an image, any attachment given as base64 (FHIR Attachment.data in
// DocumentReference, Media, DiagnosticReport.presentedForm…, Binary.data;
// C-CDA nonXMLBody, observationMedia and ED values through the converter)
// — decoded, so that it can be stored as a file of the record and attached
// to the entries of the resources it belongs to.
//
// The resource that held it no longer carries the bytes: its attachment's
// data member is replaced by a pointer to the file (url: record.FileURL,
// the file's SHA-256 as a ni: URI), size and the SHA-1 hash FHIR defines
// (each only where the attachment had none), so the record never keeps
// megabytes of base64 next to the file itself. Exports put the bytes back
// beside the resource (files/<name> in the archive, where that url then
// points). Plain-text and HTML attachments up to record.InlineTextMax are
// the text of notes and stay as data; base64 that cannot be decoded stays
// too, with a Problem.
type File struct {
	Name   string // a file name for people: the attachment's title, else its entry's title, with an extension for the type
	Type   string // MIME type, as the source gave it
	Size   int64
	SHA256 string // hex, of the bytes
	Data   []byte
	// Owners are the indexes in Result.Resources of the resources the file
	// belongs to: the one that held it, and those in the same file that
	// point at it (a DocumentReference whose attachment is a Binary, an
	// Observation derived from a Media). A file held twice is one File.
	Owners []int

	titled bool // Name comes from a title (not only the resource's type)
}

// ProblemAttachmentInvalid is the code of an embedded attachment whose
// base64 cannot be decoded: it stays in the resource as it came.
const ProblemAttachmentInvalid = "attachment-invalid"

// extractFiles takes every embedded attachment out of res.Resources into
// res.Files. Resources without any are not touched; in those with one, only
// the attachment's data member is replaced (by url, size and hash): every
// other byte of the resource stays as it came. The base64 is decoded
// straight from the input, without a decoded copy of the resource.
func extractFiles(res *Result) {
	bySHA := map[string]int{} // sha256 → index in res.Files
	for i, f := range res.Files {
		bySHA[f.SHA256] = i
	}
	for i := range res.Resources {
		r := &res.Resources[i]
		if !mayHoldFile(r.JSON) {
			continue
		}
		x := extractor{res: res, bySHA: bySHA, owner: i, b: r.JSON, where: r.Type}
		if r.ID != "" {
			x.where += "/" + r.ID
		}
		if x.value(skipWS(r.JSON, 0), "", 0) < 0 || len(x.edits) == 0 {
			continue
		}
		if nr, err := fhir.Parse(x.apply()); err == nil {
			*r = nr
		}
	}
	linkCarriers(res)
	nameFiles(res)
}

// nameFiles names files that came without a title after the entry of
// their first owner ("Chest X-ray report.pdf", not "diagnosticreport.pdf").
func nameFiles(res *Result) {
	for k := range res.Files {
		f := &res.Files[k]
		if f.titled || len(f.Owners) == 0 {
			continue
		}
		if p, err := record.Project(res.Resources[f.Owners[0]]); err == nil && strings.TrimSpace(p.Title) != "" &&
			p.Title != res.Resources[f.Owners[0]].Type {
			f.Name, f.titled = fileName(p.Title, "", f.Type), true
		}
	}
}

// mergeFiles makes the same bytes from several files read together one
// File, and links Binary and Media files to the resources of the other
// files that point at them (a bulk export's Binary.ndjson beside its
// DocumentReference.ndjson).
func mergeFiles(res *Result) {
	if len(res.Files) == 0 {
		return
	}
	kept := res.Files[:0]
	bySHA := map[string]int{}
	for _, f := range res.Files {
		if i, dup := bySHA[f.SHA256]; dup {
			g := &kept[i]
			for _, o := range f.Owners {
				if !has(g.Owners, o) {
					g.Owners = append(g.Owners, o)
				}
			}
			if !g.titled && f.titled {
				g.Name, g.titled = f.Name, true
			}
			continue
		}
		bySHA[f.SHA256] = len(kept)
		kept = append(kept, f)
	}
	res.Files = kept
	linkCarriers(res)
	nameFiles(res)
}

// linkCarriers gives the files of Binary and Media resources to the
// resources of the same file that point at them (a DocumentReference whose
// attachment.url is "Binary/1", an Observation derived from a Media).
func linkCarriers(res *Result) {
	for k := range res.Files {
		f := &res.Files[k]
		for _, ci := range f.Owners {
			c := res.Resources[ci]
			if (c.Type != "Binary" && c.Type != "Media") || c.ID == "" {
				continue
			}
			needle := []byte(c.Type + "/" + c.ID + `"`)
			for j := range res.Resources {
				if j != ci && !has(f.Owners, j) && bytes.Contains(res.Resources[j].JSON, needle) {
					f.Owners = append(f.Owners, j)
					// A Binary has no title: the DocumentReference's words name it.
					if d := strings.TrimSpace(str(field(res.Resources[j].JSON, "description"))); !f.titled && d != "" {
						f.Name, f.titled = fileName(d, "", f.Type), true
					}
				}
			}
		}
	}
}

// mayHoldFile reports, without decoding, whether a resource may hold an
// attachment that becomes a file: it has "data", and a contentType other
// than plain text or HTML, or is large enough for a long text. Most
// resources (and the many plain-text notes of Synthea records) are not
// decoded at all.
func mayHoldFile(b []byte) bool {
	if !bytes.Contains(b, []byte(`"data"`)) {
		return false
	}
	if len(b) > record.InlineTextMax {
		return true
	}
	key := []byte(`"contentType"`)
	for i := bytes.Index(b, key); i >= 0; {
		rest := bytes.TrimLeft(b[i+len(key):], " \t\r\n")
		rest, ok := bytes.CutPrefix(rest, []byte(":"))
		if !ok {
			return true
		}
		rest, ok = bytes.CutPrefix(bytes.TrimLeft(rest, " \t\r\n"), []byte(`"`))
		end := bytes.IndexByte(rest, '"')
		if !ok || end < 0 {
			return true
		}
		if !record.InlineText(string(rest[:end]), 0) {
			return true
		}
		j := bytes.Index(rest[end:], key)
		if j < 0 {
			break
		}
		i = len(b) - len(rest[end:]) + j
	}
	return false
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
	res   *Result
	bySHA map[string]int
	owner int
	b     []byte // the resource's JSON
	where string
	edits []edit
}

// edit replaces b[from:to] with with.
type edit struct {
	from, to int
	with     []byte
}

// apply returns the resource with its edits made, in one allocation.
func (x *extractor) apply() []byte {
	sort.Slice(x.edits, func(i, j int) bool { return x.edits[i].from < x.edits[j].from })
	n := len(x.b)
	for _, e := range x.edits {
		n += len(e.with) - (e.to - e.from)
	}
	out := make([]byte, 0, n)
	last := 0
	for _, e := range x.edits {
		out = append(append(out, x.b[last:e.from]...), e.with...)
		last = e.to
	}
	return append(out, x.b[last:]...)
}

// member is one member of an object: where its key starts, the key, and
// its value's span.
type member struct {
	start        int
	key          string
	vstart, vend int
}

// value walks the value at b[i] for Attachment-shaped objects (data and
// contentType; Binary's root has both too) and returns the index just past
// it, or -1 for JSON it cannot read.
func (x *extractor) value(i int, at string, depth int) int {
	b := x.b
	if i >= len(b) || depth > MaxDepth {
		return -1
	}
	switch b[i] {
	case '[':
		return walkArray(b, i, func(n, v int) int {
			return x.value(v, fmt.Sprintf("%s[%d]", at, n), depth+1)
		})
	case '{':
	default:
		return skipValue(b, i)
	}
	var ms []member
	end := walkObject(b, i, func(key []byte, v int) int {
		k := string(key)
		vend := x.value(v, attPath(at, k), depth+1)
		if vend > v {
			ms = append(ms, member{start: keyStart(b, v), key: k, vstart: v, vend: vend})
		}
		return vend
	})
	if end < 0 {
		return -1
	}
	x.attachment(ms, at)
	return end
}

// keyStart finds the opening quote of the key whose value starts at v.
func keyStart(b []byte, v int) int {
	i := v - 1
	for i >= 0 && b[i] != ':' {
		i--
	}
	for i--; i >= 0 && b[i] != '"'; i-- { // the key's closing quote
	}
	for i--; i >= 0; i-- {
		if b[i] == '"' {
			n := 0
			for k := i - 1; k >= 0 && b[k] == '\\'; k-- {
				n++
			}
			if n%2 == 0 {
				return i
			}
		}
	}
	return 0
}

// attachment takes the data out of an Attachment-shaped object.
func (x *extractor) attachment(ms []member, at string) {
	b := x.b
	di, ct := -1, ""
	have := map[string]bool{}
	for j, m := range ms {
		have[m.key] = true
		switch m.key {
		case "data":
			if b[m.vstart] == '"' {
				di = j
			}
		case "contentType":
			ct = str(b[m.vstart:m.vend])
		}
	}
	if di < 0 || !have["contentType"] {
		return
	}
	raw := b[ms[di].vstart+1 : ms[di].vend-1]
	if len(raw) == 0 {
		return
	}
	if record.InlineText(ct, base64.StdEncoding.DecodedLen(len(raw))) {
		return // the text of a note: it stays where the entry shows it
	}
	if bytes.IndexByte(raw, '\\') >= 0 {
		raw = []byte(str(b[ms[di].vstart:ms[di].vend])) // escapes (\/, \n): rare
	}
	data, ok := decodeBase64(raw)
	if !ok {
		where := x.where
		if at != "" {
			where += " " + at
		}
		x.res.Problems = append(x.res.Problems, Problem{Severity: SevWarning, Code: ProblemAttachmentInvalid,
			Where: where, Detail: "base64 data of a " + mediaType(ct) + " attachment cannot be decoded; kept as it came"})
		return
	}
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	var repl []string
	if !have["url"] {
		repl = append(repl, `"url":"`+record.FileURL(hexSum)+`"`)
	}
	if !have["size"] {
		repl = append(repl, `"size":`+strconv.Itoa(len(data)))
	}
	if !have["hash"] {
		h := sha1.Sum(data) // FHIR R4 Attachment.hash is the SHA-1 of the data
		repl = append(repl, `"hash":"`+base64.StdEncoding.EncodeToString(h[:])+`"`)
	}
	m := ms[di]
	switch {
	case len(repl) > 0:
		x.edits = append(x.edits, edit{m.start, m.vend, []byte(strings.Join(repl, ","))})
	case di > 0: // drop ,"data":"…"
		x.edits = append(x.edits, edit{ms[di-1].vend, m.vend, nil})
	default: // drop "data":"…", (contentType follows)
		x.edits = append(x.edits, edit{m.start, ms[1].start, nil})
	}
	title := ""
	for _, m := range ms {
		if m.key == "title" {
			title = str(b[m.vstart:m.vend])
		}
	}
	x.addFile(File{Name: fileName(title, x.res.Resources[x.owner].Type, ct), Type: ct, Size: int64(len(data)),
		SHA256: hexSum, Data: data, Owners: []int{x.owner}, titled: strings.TrimSpace(title) != ""})
}

// addFile adds f to the result, or its owner to the same bytes found before.
func (x *extractor) addFile(f File) {
	if i, dup := x.bySHA[f.SHA256]; dup {
		g := &x.res.Files[i]
		if !has(g.Owners, x.owner) {
			g.Owners = append(g.Owners, x.owner)
		}
		if !g.titled && f.titled {
			g.Name, g.titled = f.Name, true
		}
		return
	}
	x.bySHA[f.SHA256] = len(x.res.Files)
	x.res.Files = append(x.res.Files, f)
}

func attPath(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + k
}

// decodeBase64 reads base64Binary as sources write it: standard alphabet,
// with or without padding, possibly broken over lines.
func decodeBase64(s []byte) ([]byte, bool) {
	if bytes.ContainsAny(s, " \t\r\n") {
		s = bytes.Join(bytes.Fields(s), nil)
	}
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
		s = bytes.TrimRight(s, "=")
	}
	out := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(out, s)
	if err != nil || n == 0 {
		return nil, false
	}
	return out[:n], true
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
