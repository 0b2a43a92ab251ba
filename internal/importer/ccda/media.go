package ccda

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"io"
	"strings"
)

// Embedded documents: a nonXMLBody (the whole document is one PDF, image or
// text), observationMedia entries (an image or file in a section) and
// observations whose value is an ED given inline. Each becomes a FHIR
// Attachment with the bytes as base64 data; the importer then takes the
// bytes out into files of the record (importer.File).

// ProblemMediaUnreadable is the code of an embedded document that cannot be
// kept: only referenced (an address outside the file), or compressed data
// that does not decompress.
const ProblemMediaUnreadable = "ccda-media-unreadable"

// maxMedia bounds what one compressed ED decompresses to.
const maxMedia = DefaultMaxBytes

// edData reads an ED element (nonXMLBody/text, observationMedia/value, an
// ED value) into base64 data and a media type. ok is false when it holds
// nothing inline.
func (c *conv) edData(ed *node, path, defaultType string) (data, mediaType string, ok bool) {
	mediaType = strings.TrimSpace(ed.get("mediaType"))
	if mediaType == "" {
		mediaType = defaultType
	}
	own := ed.ownText()
	if strings.TrimSpace(own) == "" {
		if ed.child("reference") != nil {
			c.problem("warning", ProblemMediaUnreadable, path, "external reference")
		}
		return "", "", false
	}
	if !strings.EqualFold(ed.get("representation"), "B64") {
		return b64([]byte(own)), mediaType, true
	}
	data = strings.Join(strings.Fields(own), "")
	if comp := strings.ToUpper(ed.get("compression")); comp != "" {
		b, err := base64.StdEncoding.DecodeString(data)
		if err == nil {
			b, err = decompress(comp, b)
		}
		if err != nil {
			c.problem("warning", ProblemMediaUnreadable, path, "compression "+comp)
			return "", "", false
		}
		data = b64(b)
	}
	return data, mediaType, true
}

// decompress undoes an ED's compression (DF deflate, GZ gzip, ZL zlib).
func decompress(comp string, b []byte) ([]byte, error) {
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
	out, err := io.ReadAll(io.LimitReader(r, maxMedia+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxMedia {
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
	data, ct, ok := c.edData(v, path+"/value", "application/octet-stream")
	if !ok {
		return ""
	}
	content := map[string]any{"contentType": ct, "data": data}
	if t := c.caption(el.get("ID")); t != "" {
		content["title"] = t
	} else if c.sec != nil {
		if t := c.sec.n.child("title").allText(); t != "" {
			content["title"] = t
		}
	}
	m := c.base("Media", el, path)
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

// edValue keeps an observation's inline ED value (an image, a PDF, a
// tracing) as a Media the Observation is derived from, so the document can
// be opened from the result. It reports whether it did.
func (c *conv) edValue(obs map[string]any, v *node, path string) bool {
	if !strings.EqualFold(v.get("representation"), "B64") && v.get("compression") == "" {
		return false // plain text: the value's text
	}
	data, ct, ok := c.edData(v, path, "application/octet-stream")
	if !ok {
		return false
	}
	content := map[string]any{"contentType": ct, "data": data}
	if t := conceptText(obs["code"]); t != "" {
		content["title"] = t
	}
	id := c.newID("Media", v, path)
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
