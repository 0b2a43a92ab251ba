package record

import "strings"

// Media (an image, a scan, a recording) and Binary (raw bytes, often the
// content of a DocumentReference) are documents a person opens: imports
// store their bytes as files attached to the entry.

func projectMedia(m any) Projection {
	p := Projection{Kind: KindDocument, Status: str(m, "status")}
	p.Title = strings.TrimSpace(str(m, "content", "title"))
	for _, k := range []string{"type", "modality", "view", "bodySite"} {
		if t := conceptTitle(get(m, k)); t != "" {
			if p.Title == "" {
				p.Title = t
				p.Codes = conceptCodes(get(m, k))
			} else if t != p.Title {
				p.Text = t
			}
			break
		}
	}
	p.dateOf(m, path("createdDateTime"), path("createdPeriod", "start"), path("issued"))
	p.Who = refName(get(m, "operator"))
	if p.Title == "" {
		p.Title = "Media"
	}
	return p
}

func projectBinary(m any) Projection {
	return Projection{Kind: KindDocument, Title: "Binary", Text: str(m, "contentType")}
}
