package record

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"html"
	"io"
	"strconv"
	"strings"

	"backpack/internal/fhir"
)

// Block is one piece of a document's narrative, sanitised: text, a
// paragraph, a list and its items, a table (caption, head, body, rows,
// header and data cells), emphasis or a line break. Nothing else of the
// source survives: no attributes but cell spans, no links, images, styles,
// scripts or markup. Views build their own elements from it (never HTML
// from the file).
type Block struct {
	Tag     string  `json:"tag,omitempty"`  // see narrativeTags; "" for text
	Text    string  `json:"text,omitempty"` // text of a text block
	ColSpan int     `json:"colSpan,omitempty"`
	RowSpan int     `json:"rowSpan,omitempty"`
	Kids    []Block `json:"kids,omitempty"`
}

// Tags a narrative keeps, and what other XHTML elements become.
var narrativeTags = map[string]string{
	"p": "p", "ul": "ul", "ol": "ol", "li": "li", "table": "table", "caption": "caption",
	"thead": "thead", "tbody": "tbody", "tfoot": "tbody", "tr": "tr", "th": "th", "td": "td",
	"b": "b", "strong": "b", "i": "i", "em": "i", "u": "i", "br": "br",
	"h1": "p", "h2": "p", "h3": "p", "h4": "p", "h5": "p", "h6": "p", "pre": "p", "blockquote": "p",
	"dl": "ul", "dt": "li", "dd": "li",
	// C-CDA narrative element names, for fragments not yet in XHTML.
	"paragraph": "p", "list": "ul", "item": "li",
}

// dropped elements lose their content too.
var dropped = map[string]bool{"script": true, "style": true, "head": true, "title": true, "img": true,
	"object": true, "iframe": true, "svg": true, "math": true, "renderMultiMedia": true, "col": true, "colgroup": true}

const (
	maxNarrativeBytes = 4 << 20
	maxNarrativeDepth = 40
	maxNarrativeNodes = 50000
)

// ParseNarrative reads an XHTML fragment (a FHIR Narrative div) into
// sanitised blocks. It never fails: what cannot be read ends the blocks
// there, and a fragment that is not XML at all is kept as its text.
func ParseNarrative(div string) []Block {
	if len(div) > maxNarrativeBytes {
		div = div[:maxNarrativeBytes]
	}
	d := xml.NewDecoder(strings.NewReader(div))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	type frame struct {
		b    *Block
		drop bool
	}
	root := &Block{}
	stack := []frame{{b: root}}
	count := 0
	for count < maxNarrativeNodes {
		tok, err := d.Token()
		if err != nil {
			if err != io.EOF && len(root.Kids) == 0 {
				if t := collapseSpace(stripTags(div)); t != "" {
					return []Block{{Tag: "p", Kids: []Block{{Text: t}}}}
				}
			}
			break
		}
		count++
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if top.drop || dropped[name] || len(stack) > maxNarrativeDepth {
				stack = append(stack, frame{b: top.b, drop: true})
				continue
			}
			tag, ok := narrativeTags[name]
			if !ok {
				// div, span, a, content, sub, sup…: their content only.
				stack = append(stack, frame{b: top.b})
				continue
			}
			top.b.Kids = append(top.b.Kids, Block{Tag: tag})
			nb := &top.b.Kids[len(top.b.Kids)-1]
			if tag == "td" || tag == "th" {
				for _, a := range t.Attr {
					if n, err := strconv.Atoi(a.Value); err == nil && n > 1 && n <= 100 {
						switch strings.ToLower(a.Name.Local) {
						case "colspan":
							nb.ColSpan = n
						case "rowspan":
							nb.RowSpan = n
						}
					}
				}
			}
			if strings.HasPrefix(name, "h") && len(name) == 2 {
				nb.Kids = append(nb.Kids, Block{Tag: "b"})
				nb = &nb.Kids[0]
			}
			stack = append(stack, frame{b: nb})
		case xml.EndElement:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if top.drop {
				continue
			}
			s := string(t)
			if strings.TrimSpace(s) == "" && !strings.ContainsAny(s, " \t\n") {
				continue
			}
			s = collapseSpace(s)
			if s == "" {
				continue
			}
			if n := len(top.b.Kids); n > 0 && top.b.Kids[n-1].Tag == "" {
				top.b.Kids[n-1].Text += s
			} else {
				top.b.Kids = append(top.b.Kids, Block{Text: s})
			}
		}
	}
	return tidy(root.Kids)
}

// collapseSpace turns runs of white space into one space, keeping one at
// either end when there was any (text and emphasis sit side by side).
func collapseSpace(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		if s != "" {
			return " "
		}
		return ""
	}
	out := strings.Join(f, " ")
	if strings.IndexFunc(s[:1], isSpace) == 0 {
		out = " " + out
	}
	if strings.IndexFunc(s[len(s)-1:], isSpace) == 0 {
		out += " "
	}
	return out
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// stripTags is the text of something that is not XML.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}

// tidy trims white space at the edges of blocks and drops empty ones
// (a table row or list with nothing in it).
func tidy(bs []Block) []Block {
	out := bs[:0]
	for _, b := range bs {
		if b.Tag == "" {
			if strings.TrimSpace(b.Text) == "" && (len(out) == 0 || isBlockTag(out[len(out)-1].Tag)) {
				continue
			}
			out = append(out, b)
			continue
		}
		b.Kids = tidy(b.Kids)
		if len(b.Kids) == 0 && b.Tag != "br" && b.Tag != "td" && b.Tag != "th" {
			continue
		}
		out = append(out, b)
	}
	// Trim the ends of the first and last text of a block.
	if n := len(out); n > 0 {
		if out[0].Tag == "" {
			out[0].Text = strings.TrimLeft(out[0].Text, " ")
		}
		if out[n-1].Tag == "" {
			out[n-1].Text = strings.TrimRight(out[n-1].Text, " ")
			if out[n-1].Text == "" {
				out = out[:n-1]
			}
		}
	}
	return out
}

func isBlockTag(t string) bool {
	switch t {
	case "", "b", "i", "br":
		return false
	}
	return true
}

// Narrative returns what a resource says in its own words: its FHIR
// Narrative (text.div) unless that was only generated from the coded data,
// else, for a note (DocumentReference), the HTML or plain text it holds.
// nil when there is none.
func Narrative(r fhir.Resource) []Block {
	t, root, _, ok := parseTree(r.JSON)
	defer t.release()
	var m any = root
	if !ok {
		obj, err := decodeObj(r.JSON)
		if err != nil {
			return nil
		}
		m = obj
	}
	if div := str(m, "text", "div"); div != "" && str(m, "text", "status") != "generated" {
		if bs := ParseNarrative(div); len(bs) > 0 {
			return bs
		}
	}
	if str(m, "resourceType") != "DocumentReference" {
		return nil
	}
	var plain []byte
	for _, c := range arr(m, "content") {
		ct := strings.ToLower(str(c, "attachment", "contentType"))
		data := str(c, "attachment", "data")
		if data == "" || len(data) > maxNarrativeBytes {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(ct, "text/html"), strings.HasPrefix(ct, "application/xhtml"):
			if bs := ParseNarrative(string(b)); len(bs) > 0 {
				return bs
			}
		case strings.HasPrefix(ct, "text/plain") && plain == nil:
			plain = b
		}
	}
	if plain == nil {
		return nil
	}
	var out []Block
	for _, line := range bytes.Split(plain, []byte("\n")) {
		if s := strings.TrimSpace(strings.ToValidUTF8(string(line), "")); s != "" {
			out = append(out, Block{Tag: "p", Kids: []Block{{Text: s}}})
		}
	}
	return out
}

// NarrativeHTML renders blocks as HTML for a self-contained page (the
// summary): only the kept tags, text escaped, cell spans as numbers.
func NarrativeHTML(bs []Block) string {
	var b strings.Builder
	writeHTML(&b, bs)
	return b.String()
}

func writeHTML(b *strings.Builder, bs []Block) {
	for _, x := range bs {
		if x.Tag == "" {
			b.WriteString(html.EscapeString(x.Text))
			continue
		}
		tag, ok := narrativeTags[x.Tag]
		if !ok || tag != x.Tag {
			continue // not a tag this package makes
		}
		if tag == "br" {
			b.WriteString("<br>")
			continue
		}
		b.WriteString("<" + tag)
		if x.ColSpan > 1 {
			b.WriteString(` colspan="` + strconv.Itoa(x.ColSpan) + `"`)
		}
		if x.RowSpan > 1 {
			b.WriteString(` rowspan="` + strconv.Itoa(x.RowSpan) + `"`)
		}
		b.WriteString(">")
		writeHTML(b, x.Kids)
		b.WriteString("</" + tag + ">")
	}
}
