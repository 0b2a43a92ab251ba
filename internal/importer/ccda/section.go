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
	kDiagnoses     // encounter diagnoses: hospital admission/discharge, pre- and post-operative
	kAssessment    // assessment: narrative first, diagnoses in entries
	kHealthConcern // health concerns
	kFunctional    // functional status
	kMental        // mental (cognitive) status
	kFamily        // family history
	kEquipment     // medical equipment, implants
	kCareTeam      // care team
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
	tplPrefix + "24": kDiagnoses, tplPrefix + "43": kDiagnoses, // hospital discharge, admission diagnosis
	tplPrefix + "34": kDiagnoses, tplPrefix + "35": kDiagnoses, tplPrefix + "36": kDiagnoses, // pre-, post-operative, post-procedure
	tplPrefix + "37":                 kDiagnoses, // complications
	tplPrefix + "8":                  kAssessment,
	tplPrefix + "9":                  kAssessment, // assessment and plan: planned entries follow their templates
	tplPrefix + "58":                 kHealthConcern,
	tplPrefix + "14":                 kFunctional,
	tplPrefix + "56":                 kMental,
	tplPrefix + "15":                 kFamily,
	tplPrefix + "23":                 kEquipment,
	tplPrefix + "500":                kCareTeam,
	"2.16.840.1.113883.10.20.21.2.3": kProcedures, // interventions
	// Narrative sections expected to be notes.
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
	"11535-2": kDiagnoses, "46241-6": kDiagnoses, "10219-4": kDiagnoses, "10218-6": kDiagnoses, "59769-0": kDiagnoses,
	"55109-3": kDiagnoses, "75310-3": kHealthConcern, "47420-5": kFunctional, "10190-7": kMental,
	"10157-6": kFamily, "46264-8": kEquipment, "85847-2": kCareTeam, "62387-6": kProcedures,
	"51848-0": kAssessment, "51847-2": kAssessment, "29299-5": kNarrative, "46239-0": kNarrative,
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
	empty  int // "no information" placeholder entries
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
	if id := text.get("ID"); id != "" {
		s.ids[id] = text
	}
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
	case k == kPlan || k == kAssessment:
		c.plan(s, entries, title)
		c.sectionMedia(entries, path)
	default:
		for j, e := range entries {
			c.entry(s, e, fmt.Sprintf("%s/entry[%d]", path, j+1))
		}
	}

	narrativeFirst := k == kUnknown || k == kNarrative || k == kAssessment
	switch {
	case k == kNotes && s.mapped > 0 && s.failed == 0:
		// Each note activity became its own note.
	case s.mapped == 0 && s.failed == 0 && (!hasText || noInformation(text)):
		// Only "no information" placeholders: reported, not kept.
		c.problem("info", ProblemSectionEmpty, path, s.detail())
	case s.mapped == 0 || s.failed > 0 || narrativeFirst:
		switch {
		case hasText:
			c.sectionNote(n.child("code"), title, text, n, path)
			if !narrativeFirst || k == kUnknown {
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
	tplEntry + "80":  kDiagnoses, tplEntry + "33": kDiagnoses, tplEntry + "34": kDiagnoses,
	tplEntry + "65": kDiagnoses, tplEntry + "51": kDiagnoses,
	tplEntry + "132": kHealthConcern,
	tplEntry + "66":  kFunctional, tplEntry + "67": kFunctional, tplEntry + "128": kFunctional,
	tplEntry + "75": kMental, tplEntry + "74": kMental,
	tplEntry + "45": kFamily, tplEntry + "46": kFamily,
	tplEntry + "50": kEquipment, tplEntry + "135": kEquipment,
	tplEntry + "500": kCareTeam,
	tplEntry + "44":  kPlan, tplEntry + "41": kPlan, tplEntry + "39": kPlan, tplEntry + "40": kPlan,
	tplEntry + "42": kPlan, tplEntry + "43": kPlan,
	tplEntry + "131": kProcedures, tplEntry + "146": kPlan, // intervention, planned intervention
	tplEntry + "140": kPlan, // patient referral
}

// family groups kinds whose entries share a shape: an entry of a kind in the
// same family as its section follows the section.
func family(k kind) kind {
	switch k {
	case kImmunizations:
		return kMeds
	case kVitals:
		return kResults
	case kDiagnoses, kAssessment, kHealthConcern:
		return kProblems
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
			if family(tk) != family(k) && !(k == kEquipment && tk == kProcedures) {
				k = tk // what the entry says it is, except an implant's procedure
			}
			break
		}
	}
	if hollow(el) {
		if negatedAny(el) {
			// "No known …": information, though it names nothing.
			if c.noKnown(s, el, path) != "" {
				s.mapped++
				return
			}
			c.problem("info", ProblemEntrySkipped, path, "negated, without a code")
			s.failed++ // its narrative is kept
			return
		}
		// A placeholder ("no information") entry: nothing to build.
		c.problem("info", ProblemEntryEmpty, path, "")
		s.empty++
		return
	}
	var n int
	switch k {
	case kProblems:
		n = c.problems(el, path, "problem-list-item")
	case kDiagnoses, kAssessment:
		n = c.problems(el, path, "encounter-diagnosis")
	case kHealthConcern:
		n = c.problems(el, path, "health-concern")
	case kFunctional:
		n = c.results(el, path, "functional-status")
	case kMental:
		n = c.results(el, path, "cognitive-status")
	case kFamily:
		n = c.familyHistory(el, path)
	case kEquipment:
		n = c.equipment(el, path)
	case kCareTeam:
		n = c.careTeam(el, path)
	case kPlan:
		if isGoal(el) {
			if c.goal(el, path) != "" {
				n = 1
			}
		} else if c.serviceRequest(el, path) != "" {
			n = 1
		}
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

// negatedAny reports whether el or a statement inside it is negated.
func negatedAny(el *node) bool {
	hit := negated(el)
	el.walk(func(m *node) { hit = hit || negated(m) })
	return hit
}

// noKnown maps a negated placeholder of a problem or medication list ("no
// known problems", "no medications") to the International Patient
// Summary's absent-or-unknown concept and returns the resource's id; ""
// for other sections.
func (c *conv) noKnown(s *section, el *node, path string) string {
	text := c.entryText(el)
	if text == "" {
		text = plainText(orEmpty(s.n.child("text")))
	}
	var code, typ string
	switch s.kind {
	case kProblems:
		typ, code = "Condition", "no-known-problems"
	case kMeds:
		typ, code = "MedicationStatement", "no-known-medications"
	default:
		return ""
	}
	cc := map[string]any{"coding": []any{map[string]any{
		"system": "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips", "code": code,
		"display": map[string]string{"no-known-problems": "No known problems", "no-known-medications": "No known medications"}[code]}}}
	if text != "" && len(text) < 200 {
		cc["text"] = text
	}
	m := c.base(typ, el, path)
	if typ == "Condition" {
		m["code"] = cc
		m["category"] = cat("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item")
		m["clinicalStatus"] = map[string]any{"coding": []any{map[string]any{
			"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}}}
		c.subject(m, "subject")
		if t := c.authorTime(el, path); t != "" {
			m["recordedDate"] = t
		}
	} else {
		m["medicationCodeableConcept"] = cc
		m["status"] = "not-taken"
		c.subject(m, "subject")
		if t := c.authorTime(el, path); t != "" {
			m["dateAsserted"] = t
		}
	}
	c.add(m)
	return m["id"].(string)
}

// structuralCodes say what kind of statement an element is, not what it is
// about; an entry with only these codes carries no information.
var structuralCodes = map[string]bool{"CONC": true, "33999-4": true, "ASSERTION": true, "48765-2": true}

// hollow reports whether an entry has no code, value, name or text at all
// outside templates, identifiers and the people and organizations involved,
// as vendors write "no information" placeholders.
func hollow(el *node) bool {
	if el.nullFlavor() != "" {
		return true // the statement itself says "no information"
	}
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
				if tc := n.get("typeCode"); tc != "CSM" && tc != "PRD" && tc != "DEV" {
					continue // people and places; a consumable or device is content
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
