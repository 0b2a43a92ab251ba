package ccda

import (
	"fmt"
	"strings"
)

// kind is what a section (or an entry) maps to.
type kind int

const (
	kUnknown kind = iota
	kNarrative
	kProblems
	kMeds
	kAllergies
	kImmunizations
	kResults
	kVitals
	kProcedures
	kEncounters
	kSocial
	kPlan
	kGoals
	kNotes
)

const tplPrefix = "2.16.840.1.113883.10.20.22.2."

// sectionTemplates maps section templateId roots (with and without the
// "entries required" .1 suffix) to kinds.
var sectionTemplates = map[string]kind{
	tplPrefix + "5": kProblems, tplPrefix + "5.1": kProblems,
	tplPrefix + "1": kMeds, tplPrefix + "1.1": kMeds,
	tplPrefix + "11": kMeds, tplPrefix + "11.1": kMeds, // discharge medications
	tplPrefix + "44": kMeds, // admission medications
	tplPrefix + "6":  kAllergies, tplPrefix + "6.1": kAllergies,
	tplPrefix + "2": kImmunizations, tplPrefix + "2.1": kImmunizations,
	tplPrefix + "3": kResults, tplPrefix + "3.1": kResults,
	tplPrefix + "4": kVitals, tplPrefix + "4.1": kVitals,
	tplPrefix + "7": kProcedures, tplPrefix + "7.1": kProcedures,
	tplPrefix + "22": kEncounters, tplPrefix + "22.1": kEncounters,
	tplPrefix + "17": kSocial,
	tplPrefix + "10": kPlan,
	tplPrefix + "60": kGoals,
	tplPrefix + "65": kNotes,
	// Narrative sections expected to be notes.
	tplPrefix + "8":                      kNarrative, // assessment
	tplPrefix + "9":                      kNarrative, // assessment and plan
	tplPrefix + "12":                     kNarrative, // reason for visit
	tplPrefix + "13":                     kNarrative, // chief complaint and reason for visit
	tplPrefix + "41":                     kNarrative, // hospital discharge instructions
	tplPrefix + "45":                     kNarrative, // instructions
	"1.3.6.1.4.1.19376.1.5.3.1.3.4":      kNarrative, // history of present illness
	"1.3.6.1.4.1.19376.1.5.3.1.1.13.2.1": kNarrative, // chief complaint
	"1.3.6.1.4.1.19376.1.5.3.1.3.1":      kNarrative, // reason for referral
	"1.3.6.1.4.1.19376.1.5.3.1.3.5":      kNarrative, // hospital course
	"2.16.840.1.113883.10.20.2.10":       kNarrative, // physical exam
	"1.3.6.1.4.1.19376.1.5.3.1.3.18":     kNarrative, // review of systems
	"2.16.840.1.113883.10.20.2.5":        kNarrative, // general status
	"2.16.840.1.113883.10.20.21.2.1":     kNarrative, // objective
	"2.16.840.1.113883.10.20.21.2.2":     kNarrative, // subjective
	"1.3.6.1.4.1.19376.1.5.3.1.1.5.3.6":  kNarrative, // foreign travel (IHE)
}

// sectionCodes maps section LOINC codes to kinds, for sections without a
// recognised templateId.
var sectionCodes = map[string]kind{
	"11450-4": kProblems, "10160-0": kMeds, "10183-2": kMeds, "42346-7": kMeds, "48765-2": kAllergies,
	"11369-6": kImmunizations, "30954-2": kResults, "8716-3": kVitals, "47519-4": kProcedures,
	"46240-8": kEncounters, "29762-2": kSocial, "18776-5": kPlan, "61146-7": kGoals,
	"51848-0": kNarrative, "51847-2": kNarrative, "29299-5": kNarrative, "46239-0": kNarrative,
	"10164-2": kNarrative, "10154-3": kNarrative, "69730-0": kNarrative, "8653-8": kNarrative,
	"42349-1": kNarrative, "8648-8": kNarrative, "29545-1": kNarrative, "10187-3": kNarrative,
	"10210-3": kNarrative, "61149-1": kNarrative, "61150-9": kNarrative, "11506-3": kNarrative,
	"34109-9": kNarrative, "10182-4": kNarrative,
}

// section is the state of the section being converted.
type section struct {
	n      *node
	path   string
	kind   kind
	loinc  string
	tpl    string
	ids    map[string]*node
	mapped int // resources built from entries
	failed int // entries that could not be mapped
}

// detail names a section technically: template and LOINC code.
func (s *section) detail() string {
	var parts []string
	if s.tpl != "" {
		parts = append(parts, "template "+s.tpl)
	}
	if s.loinc != "" {
		parts = append(parts, "LOINC "+s.loinc)
	}
	return strings.Join(parts, ", ")
}

func classify(n *node) (kind, string) {
	tpls := n.templates()
	for _, t := range tpls {
		if k, ok := sectionTemplates[t]; ok {
			return k, t
		}
	}
	first := ""
	if len(tpls) > 0 {
		first = tpls[0]
	}
	if k, ok := sectionCodes[n.child("code").get("code")]; ok {
		return k, first
	}
	return kUnknown, first
}

func (c *conv) section(n *node, path string) {
	k, tpl := classify(n)
	s := &section{n: n, path: path, kind: k, tpl: tpl, loinc: n.child("code").get("code"), ids: map[string]*node{}}
	text := n.child("text")
	text.walk(func(m *node) {
		if id := m.get("ID"); id != "" {
			s.ids[id] = m
		}
	})
	prev := c.sec
	c.sec = s
	defer func() { c.sec = prev }()

	title := n.child("title").allText()
	entries := n.children("entry")
	hasText := plainText(orEmpty(text)) != ""

	switch {
	case k == kUnknown || k == kNarrative:
		// Kept as a note below; its images and documents are kept too.
		c.sectionMedia(entries, path)
	case len(entries) == 0:
		// A structured section with no entries: keep its narrative.
	case k == kPlan:
		c.plan(s, entries, title)
		c.sectionMedia(entries, path)
	default:
		for j, e := range entries {
			c.entry(s, e, fmt.Sprintf("%s/entry[%d]", path, j+1))
		}
	}

	if k == kNotes && s.mapped > 0 && s.failed == 0 {
		// Each note activity became its own note.
	} else if s.mapped == 0 || s.failed > 0 || k == kUnknown || k == kNarrative {
		switch {
		case hasText && (n.nullFlavor() == "" || len(entries) > 0 || k == kUnknown || k == kNarrative):
			c.addNote(n.child("code"), title, noteContent(text, title), n, path, "")
			if k != kNarrative {
				c.problem("info", ProblemSectionNote, path, s.detail())
			}
		case s.mapped == 0:
			c.problem("info", ProblemSectionEmpty, path, s.detail())
		}
	}

	// Nested sections.
	j := 0
	for _, comp := range n.children("component") {
		for _, sub := range comp.children("section") {
			j++
			c.section(sub, fmt.Sprintf("%s/section[%d]", path, j))
		}
	}
}

func orEmpty(n *node) *node {
	if n == nil {
		return &node{}
	}
	return n
}

// Entry templateIds that say what an entry is, wherever it appears.
const tplEntry = "2.16.840.1.113883.10.20.22.4."

var entryTemplates = map[string]kind{
	tplEntry + "3": kProblems, tplEntry + "4": kProblems,
	tplEntry + "30": kAllergies, tplEntry + "7": kAllergies,
	tplEntry + "16": kMeds,
	tplEntry + "52": kImmunizations,
	tplEntry + "1":  kResults, tplEntry + "2": kResults,
	tplEntry + "26": kVitals, tplEntry + "27": kVitals,
	tplEntry + "14": kProcedures, tplEntry + "13": kProcedures, tplEntry + "12": kProcedures,
	tplEntry + "49": kEncounters,
	tplEntry + "78": kSocial, tplEntry + "38": kSocial, tplEntry + "85": kSocial,
	tplEntry + "121": kGoals,
	tplEntry + "202": kNotes,
}

// family groups kinds whose entries share a shape: an entry of a kind in the
// same family as its section follows the section.
func family(k kind) kind {
	switch k {
	case kImmunizations:
		return kMeds
	case kVitals:
		return kResults
	}
	return k
}

// entry converts one <entry> of a structured section.
func (c *conv) entry(s *section, e *node, path string) {
	var el *node
	for _, k := range e.elems() {
		switch k.name {
		case "act", "observation", "substanceAdministration", "organizer", "procedure", "encounter", "supply", "regionOfInterest", "observationMedia":
			el = k
		}
		if el != nil {
			break
		}
	}
	if el == nil {
		c.problem("warning", ProblemEntrySkipped, path, "no clinical statement")
		s.failed++
		return
	}
	path += "/" + el.name
	if el.name == "observationMedia" {
		if c.media(el, path) != "" {
			s.mapped++
		} else {
			s.failed++
		}
		return
	}
	k := s.kind
	for _, t := range el.templates() {
		if tk, ok := entryTemplates[t]; ok {
			if family(tk) != family(k) {
				k = tk
			}
			break
		}
	}
	if hollow(el) {
		// A placeholder ("no information") entry: nothing to build. The
		// section narrative is kept as a note when nothing else is mapped.
		c.problem("info", ProblemEntryEmpty, path, "")
		return
	}
	var n int
	switch k {
	case kProblems:
		n = c.problems(el, path, "problem-list-item")
	case kMeds:
		n = c.medication(el, path)
	case kAllergies:
		n = c.allergies(el, path)
	case kImmunizations:
		n = c.immunization(el, path)
	case kResults:
		n = c.results(el, path, "laboratory")
	case kVitals:
		n = c.results(el, path, "vital-signs")
	case kProcedures:
		n = c.procedure(el, path)
	case kEncounters:
		n = c.encounter(el, path)
	case kSocial:
		n = c.results(el, path, "social-history")
	case kGoals:
		if c.goal(el, path) != "" {
			n = 1
		}
	case kNotes:
		n = c.noteActivity(el, path)
	}
	n += c.nestedMedia(el, path)
	if n == 0 {
		c.problem("warning", ProblemEntrySkipped, path, el.name+" "+strings.Join(el.templates(), " "))
		s.failed++
		return
	}
	s.mapped += n
}

// structuralCodes say what kind of statement an element is, not what it is
// about; an entry with only these codes carries no information.
var structuralCodes = map[string]bool{"CONC": true, "33999-4": true, "ASSERTION": true, "48765-2": true}

// hollow reports whether an entry has no code, value, name or text at all
// outside templates, identifiers and the people and organizations involved,
// as vendors write "no information" placeholders.
func hollow(el *node) bool {
	empty := true
	var walk func(*node, int)
	walk = func(m *node, depth int) {
		if depth > maxDepth {
			return
		}
		for _, n := range m.kids {
			if !empty || n.name == "" {
				continue
			}
			switch n.name {
			case "author", "performer", "informant", "manufacturerOrganization", "assignedEntity", "specimen":
				continue
			case "participant":
				if n.get("typeCode") != "CSM" {
					continue
				}
			case "code", "value", "translation":
				if c := n.get("code"); c != "" && n.nullFlavor() == "" && !structuralCodes[c] && !problemTypes[c] {
					empty = false
				}
				if n.name == "value" && n.nullFlavor() == "" && (n.get("value") != "" || n.ownText() != "") {
					empty = false
				}
			case "originalText", "text", "name", "lotNumberText":
				if n.allText() != "" {
					empty = false
				}
				if r := n.child("reference"); r != nil && strings.HasPrefix(r.get("value"), "#") {
					empty = false
				}
			}
			walk(n, depth+1)
		}
	}
	walk(el, 0)
	return empty
}
