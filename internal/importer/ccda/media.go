package ccda

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"backpack/internal/record"
)

// Embedded documents: a nonXMLBody (the whole document is one PDF, image or
// text), observationMedia entries (an image or file in a section) and
// observations whose value is an ED given inline. Each becomes a FHIR
// Attachment. Base64 content is decoded here, straight from the parsed
// text, into a File of the Document; the Attachment points at it
// (record.FileURL, with size and SHA-1 hash), so the bytes are never held
// as base64 a second time. Plain text stays in the Attachment as data.

// File is a document embedded in the C-CDA, decoded.
type File struct {
	Resource string // "Type/id" of the resource whose attachment it is
	Title    string
	Type     string // media type, as the document gave it
	SHA256   string // hex
	Data     []byte
}

// ProblemMediaUnreadable is the code of an embedded document that cannot be
// kept: only referenced (an address outside the file), or compressed data
// that does not decompress.
const ProblemMediaUnreadable = "ccda-media-unreadable"

// maxMedia bounds what the compressed EDs of one document decompress to,
// all together (a small file must not unpack into gigabytes).
const maxMedia = DefaultMaxBytes

// attachment reads an ED element (nonXMLBody/text, observationMedia/value,
// an ED value) into a FHIR Attachment. file is the index in c.doc.Files of
// its decoded content (-1 when it stays inline): the caller sets the
// File's Resource. ok is false when the ED holds nothing inline.
func (c *conv) attachment(ed *node, path, defaultType, title string) (att map[string]any, file int, ok bool) {
	ct := strings.TrimSpace(ed.get("mediaType"))
	if ct == "" {
		ct = defaultType
	}
	att = map[string]any{"contentType": ct}
	if title != "" {
		att["title"] = title
	}
	pieces := textPieces(ed)
	if pieces == nil {
		if ed.child("reference") != nil {
			c.problem("warning", ProblemMediaUnreadable, path, "external reference")
		}
		return nil, -1, false
	}
	if !strings.EqualFold(ed.get("representation"), "B64") {
		att["data"] = b64([]byte(ed.ownText()))
		return att, -1, true
	}
	b, err := decodePieces(pieces)
	if err != nil || len(b) == 0 {
		// Left as it came: the importer reports what cannot be decoded.
		att["data"] = strings.Join(strings.Fields(strings.Join(pieces, "")), "")
		return att, -1, true
	}
	if comp := strings.ToUpper(ed.get("compression")); comp != "" {
		b, err = decompress(comp, b, maxMedia-c.unpacked)
		c.unpacked += int64(len(b))
		if err != nil {
			c.problem("warning", ProblemMediaUnreadable, path, "compression "+comp)
			return nil, -1, false
		}
	}
	if record.InlineText(ct, len(b)) {
		att["data"] = b64(b) // the text of a note: the entry shows it
		return att, -1, true
	}
	sum := sha256.Sum256(b)
	h := sha1.Sum(b) // FHIR R4 Attachment.hash is the SHA-1 of the data
	att["url"] = record.FileURL(hex.EncodeToString(sum[:]))
	att["size"] = len(b)
	att["hash"] = base64.StdEncoding.EncodeToString(h[:])
	c.doc.Files = append(c.doc.Files, File{Title: title, Type: ct, SHA256: hex.EncodeToString(sum[:]), Data: b})
	return att, len(c.doc.Files) - 1, true
}

// own sets the resource of file i (from attachment).
func (c *conv) own(i int, typ, id string) {
	if i >= 0 {
		c.doc.Files[i].Resource = typ + "/" + id
	}
}

// textPieces are the element's direct character data, uncopied; nil when
// it has none but whitespace.
func textPieces(n *node) []string {
	var out []string
	blank := true
	for _, k := range n.kids {
		if k.name == "" {
			out = append(out, k.text)
			blank = blank && strings.TrimSpace(k.text) == ""
		}
	}
	if blank {
		return nil
	}
	return out
}

// decodePieces decodes base64 split over text pieces and broken by
// whitespace, into one buffer allocated once, without joining the text.
func decodePieces(pieces []string) ([]byte, error) {
	n := 0
	for _, p := range pieces {
		n += len(p)
	}
	out := make([]byte, 0, base64.StdEncoding.DecodedLen(n))
	var quad [4 << 10]byte // a multiple of 4 characters at a time
	q := 0
	flush := func(final bool) error {
		m := q
		if !final {
			m -= q % 4
		}
		k, err := base64.StdEncoding.Decode(out[len(out):cap(out)], quad[:m])
		if err != nil {
			return err
		}
		out = out[:len(out)+k]
		q = copy(quad[:], quad[m:q])
		return nil
	}
	for _, p := range pieces {
		for i := 0; i < len(p); i++ {
			switch c := p[i]; c {
			case ' ', '\t', '\r', '\n':
			default:
				quad[q] = c
				if q++; q == len(quad) {
					if err := flush(false); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	if err := flush(true); err != nil {
		return nil, err
	}
	return out, nil
}

// decompress undoes an ED's compression (DF deflate, GZ gzip, ZL zlib).
// At most max bytes come out; more is ErrTooLarge.
func decompress(comp string, b []byte, max int64) ([]byte, error) {
	var r io.Reader
	var err error
	switch comp {
	case "DF":
		r = flate.NewReader(bytes.NewReader(b))
	case "GZ":
		r, err = gzip.NewReader(bytes.NewReader(b))
	case "ZL":
		r, err = zlib.NewReader(bytes.NewReader(b))
	default:
		return nil, io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > max {
		return nil, ErrTooLarge
	}
	return out, nil
}

// media maps an observationMedia entry to a FHIR Media and returns its id
// ("" when it holds nothing inline).
func (c *conv) media(el *node, path string) string {
	v := el.child("value")
	if v == nil {
		return ""
	}
	title := c.caption(el.get("ID"))
	if title == "" && c.sec != nil {
		title = c.sec.n.child("title").allText()
	}
	content, file, ok := c.attachment(v, path+"/value", "application/octet-stream", title)
	if !ok {
		return ""
	}
	m := c.base("Media", el, path)
	c.own(file, "Media", m["id"].(string))
	m["status"] = "completed"
	c.subject(m, "subject")
	if c.doc.Date != "" {
		m["createdDateTime"] = c.doc.Date
	}
	m["content"] = content
	c.add(m)
	return m["id"].(string)
}

// caption is the caption of the narrative's renderMultiMedia that shows
// the media element with this ID.
func (c *conv) caption(id string) string {
	if id == "" {
		return ""
	}
	var out string
	c.root.walk(func(n *node) {
		if out == "" && n.name == "renderMultiMedia" && strings.Contains(" "+n.get("referencedObject")+" ", " "+id+" ") {
			out = n.child("caption").allText()
		}
	})
	return out
}

// nestedMedia converts the observationMedia inside an entry's statements
// (entryRelationship) that the entry's own mapping does not read.
func (c *conv) nestedMedia(el *node, path string) int {
	n := 0
	el.walk(func(k *node) {
		if k != el && k.name == "observationMedia" && c.media(k, path+"/observationMedia") != "" {
			n++
		}
	})
	return n
}

// sectionMedia converts the observationMedia among entries of a section
// whose entries are not mapped one by one (narrative, unknown, plan).
func (c *conv) sectionMedia(entries []*node, path string) {
	for j, e := range entries {
		p := fmt.Sprintf("%s/entry[%d]", path, j+1)
		for _, k := range e.elems() {
			if k.name == "observationMedia" {
				c.media(k, p+"/observationMedia")
			} else {
				c.nestedMedia(k, p+"/"+k.name)
			}
		}
	}
}

// edValue keeps an observation's inline ED value (an image, a PDF, a
// tracing) as a Media the Observation is derived from, so the document can
// be opened from the result. It reports whether it did.
func (c *conv) edValue(obs map[string]any, v *node, path string) bool {
	if !strings.EqualFold(v.get("representation"), "B64") && v.get("compression") == "" {
		return false // plain text: the value's text
	}
	content, file, ok := c.attachment(v, path, "application/octet-stream", conceptText(obs["code"]))
	if !ok {
		return false
	}
	id := c.newID("Media", v, path)
	c.own(file, "Media", id)
	m := map[string]any{"resourceType": "Media", "id": id, "status": "completed",
		"partOf": []any{ref("Observation", obs)}, "content": content}
	c.subject(m, "subject")
	if c.doc.Date != "" {
		m["createdDateTime"] = c.doc.Date
	}
	c.add(m)
	df, _ := obs["derivedFrom"].([]any)
	obs["derivedFrom"] = append(df, map[string]any{"reference": "Media/" + id})
	return true
}

// conceptText is a CodeableConcept's text, else its first display.
func conceptText(cc any) string {
	m, _ := cc.(map[string]any)
	if t, _ := m["text"].(string); t != "" {
		return t
	}
	codings, _ := m["coding"].([]any)
	for _, x := range codings {
		if d, _ := x.(map[string]any)["display"].(string); d != "" {
			return d
		}
	}
	return ""
}
