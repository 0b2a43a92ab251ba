package ccda

import (
	"encoding/base64"
	"html"
	"strings"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// blockTags start a new line in the plain-text rendering.
var blockTags = map[string]bool{
	"paragraph": true, "br": true, "list": true, "item": true, "table": true, "tr": true,
	"caption": true, "thead": true, "tbody": true, "tfoot": true, "footnote": true,
}

// plainText renders a section <text> as plain text: one line per paragraph,
// list item and table row, table cells separated by " | ".
func plainText(n *node) string {
	var lines []string
	var cur strings.Builder
	flush := func() {
		if l := collapse(cur.String()); l != "" {
			lines = append(lines, l)
		}
		cur.Reset()
	}
	var walk func(*node, int)
	walk = func(m *node, depth int) {
		if depth > maxDepth {
			return
		}
		for _, k := range m.kids {
			switch {
			case k.name == "":
				cur.WriteString(k.text)
			case k.name == "renderMultiMedia":
				cur.WriteString(" [image] ")
			case k.name == "td" || k.name == "th":
				walk(k, depth+1)
				cur.WriteString(" | ")
			case k.name == "tr":
				flush()
				walk(k, depth+1)
				s := strings.TrimSpace(cur.String())
				cur.Reset()
				cur.WriteString(strings.TrimSuffix(s, "|"))
				flush()
			case k.name == "item":
				flush()
				cur.WriteString("- ")
				walk(k, depth+1)
				flush()
			case blockTags[k.name]:
				flush()
				walk(k, depth+1)
				flush()
			default:
				cur.WriteByte(' ')
				walk(k, depth+1)
				cur.WriteByte(' ')
			}
		}
	}
	walk(n, 0)
	flush()
	return strings.Join(lines, "\n")
}

// htmlTags maps CDA narrative elements to the HTML elements they render as.
// Everything else renders as a span; attributes are never copied except
// table spans, so the output is safe to display.
var htmlTags = map[string]string{
	"paragraph": "p", "table": "table", "thead": "thead", "tbody": "tbody", "tfoot": "tfoot", "tr": "tr",
	"th": "th", "td": "td", "caption": "caption", "sub": "sub", "sup": "sup", "footnote": "small",
}

// xhtml renders a section <text> as an XHTML fragment wrapped in a div in
// the XHTML namespace (valid as FHIR Narrative.div).
func xhtml(n *node) string {
	var b strings.Builder
	b.WriteString(`<div xmlns="http://www.w3.org/1999/xhtml">`)
	var walk func(*node, int)
	walk = func(m *node, depth int) {
		if depth > maxDepth {
			return
		}
		for _, k := range m.kids {
			if k.name == "" {
				b.WriteString(html.EscapeString(k.text))
				continue
			}
			switch k.name {
			case "br":
				b.WriteString("<br/>")
				continue
			case "renderMultiMedia":
				b.WriteString("[image]")
				continue
			case "col", "colgroup":
				continue
			}
			tag := htmlTags[k.name]
			switch k.name {
			case "list":
				tag = "ul"
				if strings.EqualFold(k.get("listType"), "ordered") {
					tag = "ol"
				}
			case "item":
				tag = "li"
			case "content", "linkHtml", "footnoteRef":
				tag = "span"
				style := strings.ToLower(k.get("styleCode"))
				if strings.Contains(style, "bold") {
					tag = "b"
				} else if strings.Contains(style, "italics") {
					tag = "i"
				} else if strings.Contains(style, "underline") {
					tag = "u"
				}
			}
			if tag == "" {
				tag = "span"
			}
			b.WriteString("<" + tag)
			if tag == "td" || tag == "th" {
				for _, a := range []string{"colspan", "rowspan"} {
					if v := k.get(a); v != "" && isDigits(v) {
						b.WriteString(" " + a + `="` + v + `"`)
					}
				}
			}
			b.WriteString(">")
			walk(k, depth+1)
			b.WriteString("</" + tag + ">")
		}
	}
	walk(n, 0)
	b.WriteString("</div>")
	return b.String()
}

func isDigits(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// noteContent returns the attachment for a narrative block: its plain
// text, base64 encoded. nil when the block has no text.
func noteContent(text *node, title string) []any {
	plain := plainText(text)
	if plain == "" {
		return nil
	}
	a := map[string]any{"contentType": "text/plain; charset=utf-8", "data": b64([]byte(plain))}
	if title != "" {
		a["title"] = title
	}
	return []any{map[string]any{"attachment": a}}
}

// sectionNote keeps a section's narrative as a clinical note: plain text
// as its content, and the narrative's structure (tables, lists,
// paragraphs) as the resource's FHIR Narrative.
func (c *conv) sectionNote(code *node, title string, text, idNode *node, path string) {
	m := c.note(code, title, noteContent(text, title), idNode, path, "")
	m["text"] = map[string]any{"status": "additional", "div": xhtml(text)}
	c.add(m)
}

// addNote appends a DocumentReference (a clinical note) with the given
// content. code is the section or note type code (usually LOINC).
func (c *conv) addNote(code *node, title string, content []any, idNode *node, path, date string) string {
	m := c.note(code, title, content, idNode, path, date)
	c.add(m)
	return m["id"].(string)
}

// note builds the DocumentReference of addNote.
func (c *conv) note(code *node, title string, content []any, idNode *node, path, date string) map[string]any {
	id := c.newID("DocumentReference", idNode, path)
	m := map[string]any{
		"resourceType": "DocumentReference",
		"id":           id,
		"status":       "current",
		"category": []any{map[string]any{"coding": []any{map[string]any{
			"system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
			"code":   "clinical-note", "display": "Clinical Note"}}}},
		"content": content,
	}
	if cc := c.concept(code); cc != nil {
		m["type"] = cc
	} else {
		m["type"] = dataAbsent()
	}
	if title != "" {
		m["description"] = title
	}
	if c.patientRef != nil {
		m["subject"] = c.patientRef
	}
	if date == "" {
		date = c.doc.Date
	}
	if date != "" {
		m["context"] = map[string]any{"period": map[string]any{"start": date}}
		if isInstant(date) {
			m["date"] = date
		}
	}
	if c.doc.Source != "" {
		m["custodian"] = map[string]any{"display": c.doc.Source}
	}
	return m
}

// noInfoPhrases are what writers put in a section that has nothing to say.
// "No known allergies" is not among them: it is information.
var noInfoPhrases = []string{
	"no information", "not available", "unavailable", "no data", "none recorded", "not recorded",
	"nothing recorded", "no records", "no entries", "excluded", "not documented", "unknown", "n/a",
	"not applicable", "not on file", "none on file", "no content",
}

// noInformation reports whether a narrative says only that there is no
// information: every paragraph, item and data cell (headers aside) is
// empty or a "no information" phrase.
func noInformation(text *node) bool {
	any := false
	all := true
	var walk func(*node, int)
	walk = func(m *node, depth int) {
		if depth > maxDepth || !all {
			return
		}
		for _, k := range m.kids {
			switch k.name {
			case "th", "thead", "caption":
				continue
			case "paragraph", "item", "td":
				if t := strings.ToLower(strings.Trim(k.allText(), " .:;-")); t != "" {
					any = true
					if !saysNoInfo(t) {
						all = false
					}
				}
				continue
			case "":
				if t := strings.Trim(collapse(k.text), " .:;-"); t != "" {
					any = true
					if !saysNoInfo(strings.ToLower(t)) {
						all = false
					}
				}
				continue
			}
			walk(k, depth+1)
		}
	}
	walk(text, 0)
	return any && all
}

func saysNoInfo(t string) bool {
	if strings.Contains(t, "no known") || strings.HasPrefix(t, "denies") {
		return false
	}
	for _, p := range noInfoPhrases {
		if strings.Contains(t, p) && len(t) < 3*len(p)+40 {
			return true
		}
	}
	return false
}

// isInstant reports whether a FHIR dateTime is precise enough for the
// instant type (seconds and a time zone).
func isInstant(d string) bool {
	return len(d) >= 20 && strings.Contains(d, "T") && (strings.HasSuffix(d, "Z") || strings.Count(d[19:], ":") == 1)
}
