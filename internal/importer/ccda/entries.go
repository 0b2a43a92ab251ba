package ccda

import (
	"fmt"
	"strings"
)

// --- shared helpers ---

// period reads an IVL_TS-like effectiveTime: value, or low/high (center as a
// point). start is empty when unknown.
func (c *conv) period(et *node, path string) (start, end string) {
	if et == nil {
		return "", ""
	}
	path += "/effectiveTime"
	if v := et.get("value"); v != "" {
		return c.date(v, path), ""
	}
	if l := et.child("low"); l != nil {
		start = c.date(l.get("value"), path+"/low")
	}
	if h := et.child("high"); h != nil {
		end = c.date(h.get("value"), path+"/high")
	}
	if start == "" && end == "" {
		if ce := et.child("center"); ce != nil {
			start = c.date(ce.get("value"), path+"/center")
		}
	}
	return start, end
}

// mainTime picks the interval effectiveTime of a substanceAdministration,
// skipping periodic (PIVL/EIVL) ones.
func mainTime(n *node) *node {
	for _, et := range n.children("effectiveTime") {
		t := et.xsiType()
		if t == "PIVL_TS" || t == "EIVL_TS" || t == "SXPR_TS" || et.get("operator") == "A" {
			continue
		}
		return et
	}
	return nil
}

// setPeriod stores start/end as <prefix>DateTime or <prefix>Period.
func setPeriod(m map[string]any, prefix, start, end string) {
	switch {
	case end != "" && end == start:
		m[prefix+"DateTime"] = start
	case end != "":
		p := map[string]any{"end": end}
		if start != "" {
			p["start"] = start
		}
		m[prefix+"Period"] = p
	case start != "":
		m[prefix+"DateTime"] = start
	}
}

func status(n *node) string { return strings.ToLower(n.child("statusCode").get("code")) }

// defaultClinicalStatus is the clinical status of a problem or allergy whose
// observation states none: resolved when it has ended, inactive when its
// concern act is closed, else active.
func defaultClinicalStatus(ended string, act *node) string {
	switch {
	case ended != "":
		return "resolved"
	case act != nil && (status(act) == "completed" || status(act) == "aborted" || status(act) == "suspended"):
		return "inactive"
	default:
		return "active"
	}
}

func negated(n *node) bool { return strings.EqualFold(n.get("negationInd"), "true") }

// authorTime is the first author/time of an element.
func (c *conv) authorTime(n *node, path string) string {
	for _, a := range n.children("author") {
		if t := a.child("time"); t != nil {
			if d := c.date(t.get("value"), path+"/author/time"); d != "" {
				return d
			}
		}
	}
	return ""
}

// related lists the clinical statements of an element's entryRelationships
// with the given element name (any name when name is "").
func related(n *node, name string) []*node {
	var out []*node
	for _, er := range n.children("entryRelationship") {
		for _, k := range er.elems() {
			if name == "" || k.name == name {
				out = append(out, k)
			}
		}
	}
	return out
}

func relatedTyped(n *node, typeCode string) []*node {
	var out []*node
	for _, er := range n.children("entryRelationship") {
		if er.get("typeCode") != typeCode {
			continue
		}
		out = append(out, er.elems()...)
	}
	return out
}

// find returns the first descendant element with the local name (n itself
// included).
func find(n *node, name string) *node {
	if n == nil {
		return nil
	}
	if n.name == name {
		return n
	}
	var hit *node
	n.walk(func(m *node) {
		if hit == nil && m.name == name {
			hit = m
		}
	})
	return hit
}

// entryText is an entry's own text (or the narrative it references).
func (c *conv) entryText(n *node) string { return c.textOf(n.child("text")) }

// required returns cc, or a text-only concept from the entry's narrative, or
// the data-absent concept with a problem.
func (c *conv) required(cc map[string]any, n *node, path string) map[string]any {
	if cc != nil {
		return cc
	}
	if t := c.entryText(n); t != "" {
		return map[string]any{"text": t}
	}
	c.problem("info", ProblemNoCode, path, "")
	return dataAbsent()
}

func (c *conv) base(typ string, n *node, path string) map[string]any {
	m := map[string]any{"resourceType": typ, "id": c.newID(typ, n, path)}
	if ids := identifiers(n); ids != nil {
		m["identifier"] = ids
	}
	return m
}

func (c *conv) subject(m map[string]any, field string) {
	if c.patientRef != nil {
		m[field] = c.patientRef
	}
}

func ref(typ string, m map[string]any) map[string]any {
	return map[string]any{"reference": typ + "/" + m["id"].(string)}
}

func cat(system, code, display string) []any {
	return []any{map[string]any{"coding": []any{map[string]any{"system": system, "code": code, "display": display}}}}
}

func valueCode(n *node) string { return n.child("value").get("code") }

// --- problems ---

// problemTypes are the codes of Problem Observation/code that only say
// "this is a problem"; the diagnosis itself is in value.
var problemTypes = map[string]bool{
	"55607006": true, "404684003": true, "409586006": true, "282291009": true, "64572001": true,
	"248536006": true, "418799008": true, "373930000": true, "75326-9": true, "75321-0": true,
	"75275-8": true, "75315-2": true, "29308-4": true, "75318-6": true, "75322-8": true, "75312-9": true,
	"ASSERTION": true, "11450-4": true,
}

// auxiliary are status/severity/age templates found next to the main
// observations; they are read as attributes, never mapped on their own.
var auxiliary = map[string]bool{
	tplEntry + "6": true, tplEntry + "5": true, tplEntry + "31": true, tplEntry + "113": true,
	tplEntry + "8": true, tplEntry + "28": true, tplEntry + "9": true, tplEntry + "145": true,
	tplEntry + "64": true, tplEntry + "19": true, tplEntry + "20": true,
}

func isAux(n *node) bool {
	for _, t := range n.templates() {
		if auxiliary[t] {
			return true
		}
	}
	switch n.child("code").get("code") {
	case "33999-4", "11323-3", "445518008", "SEV", "48767-8", "82606-5":
		return true
	}
	return false
}

// problems maps a Problem Concern Act (or a bare Problem Observation) to
// Conditions. It returns how many it built.
func (c *conv) problems(el *node, path, category string) int {
	if el.name == "observation" {
		if c.condition(el, nil, path, category) != "" {
			return 1
		}
		return 0
	}
	n := 0
	for i, o := range related(el, "observation") {
		if isAux(o) {
			continue
		}
		if c.condition(o, el, fmt.Sprintf("%s/entryRelationship[%d]/observation", path, i+1), category) != "" {
			n++
		}
	}
	if n == 0 && category == "health-concern" && el.name == "act" {
		n = c.concern(el, path)
	}
	return n
}

// concern maps a Health Concern Act that names no problem observation
// ("no known health concerns", a concern in words) to a Condition with the
// act's text; 0 when it has none.
func (c *conv) concern(el *node, path string) int {
	t := c.entryText(el)
	if t == "" {
		return 0
	}
	m := c.base("Condition", el, path)
	m["code"] = map[string]any{"text": t}
	m["category"] = cat("http://terminology.hl7.org/CodeSystem/condition-category", "health-concern", "Health Concern")
	clinical := "active"
	if st := status(el); st == "completed" || st == "aborted" || st == "suspended" {
		clinical = "inactive"
	}
	m["clinicalStatus"] = map[string]any{"coding": []any{map[string]any{
		"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}}}
	c.subject(m, "subject")
	if start, _ := c.period(el.child("effectiveTime"), path); start != "" && !negated(el) {
		m["onsetDateTime"] = start
	}
	if at := c.authorTime(el, path); at != "" {
		m["recordedDate"] = at
	}
	c.add(m)
	return 1
}

// condition maps one Problem Observation; act is its concern (may be nil).
func (c *conv) condition(o, act *node, path, category string) string {
	code := c.concept(o.child("value"))
	if code == nil && !problemTypes[o.child("code").get("code")] {
		code = c.concept(o.child("code"))
	}
	if code == nil {
		if t := c.entryText(o); t != "" {
			code = map[string]any{"text": t}
		} else if act != nil && c.entryText(act) != "" {
			code = map[string]any{"text": c.entryText(act)}
		}
	}
	if negated(o) && (valueCode(o) == "" || problemTypes[valueCode(o)]) && c.sec != nil && c.sec.kind == kProblems {
		// "No known problems": negated, about no problem in particular.
		if id := c.noKnown(c.sec, o, path); id != "" {
			return id
		}
	}
	if code == nil {
		c.problem("info", ProblemNoCode, path, "")
		return ""
	}
	m := c.base("Condition", o, path)
	m["code"] = code
	m["category"] = cat("http://terminology.hl7.org/CodeSystem/condition-category", category, map[string]string{
		"problem-list-item": "Problem List Item", "encounter-diagnosis": "Encounter Diagnosis", "health-concern": "Health Concern"}[category])
	c.subject(m, "subject")
	onset, abate := c.period(o.child("effectiveTime"), path)
	if onset != "" {
		m["onsetDateTime"] = onset
	}
	if abate != "" {
		m["abatementDateTime"] = abate
	}
	if t := c.authorTime(o, path); t != "" {
		m["recordedDate"] = t
	} else if act != nil {
		if t := c.authorTime(act, path); t != "" {
			m["recordedDate"] = t
		}
	}
	clinical := ""
	for _, s := range related(o, "observation") {
		if s.hasTemplate(tplEntry+"6") || s.child("code").get("code") == "33999-4" {
			switch valueCode(s) {
			case "55561003", "7087005":
				clinical = "active"
			case "73425007":
				clinical = "inactive"
			case "413322009":
				clinical = "resolved"
			case "246455001":
				clinical = "recurrence"
			case "277022003":
				clinical = "remission"
			}
		}
	}
	if clinical == "" {
		clinical = defaultClinicalStatus(abate, act)
	}
	m["clinicalStatus"] = map[string]any{"coding": []any{map[string]any{
		"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}}}
	if negated(o) {
		m["verificationStatus"] = map[string]any{"coding": []any{map[string]any{
			"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "refuted"}}}
	}
	c.add(m)
	return m["id"].(string)
}

// --- allergies ---

func (c *conv) allergies(el *node, path string) int {
	if el.name == "observation" {
		if c.allergy(el, nil, path) {
			return 1
		}
		return 0
	}
	n := 0
	for i, o := range related(el, "observation") {
		if isAux(o) {
			continue
		}
		if c.allergy(o, el, fmt.Sprintf("%s/entryRelationship[%d]/observation", path, i+1)) {
			n++
		}
	}
	return n
}

// allergyTypes maps Allergy Observation value codes to FHIR type/category.
var allergyTypes = map[string][2]string{
	"419199007": {"allergy", ""}, "416098002": {"allergy", "medication"}, "414285001": {"allergy", "food"},
	"426232007": {"allergy", "environment"}, "419511003": {"intolerance", "medication"},
	"418471000": {"intolerance", "food"}, "59037007": {"intolerance", "medication"},
	"235719002": {"intolerance", "food"}, "420134006": {"", ""}, "418038007": {"", ""},
	"232347008": {"allergy", "environment"}, "300913006": {"allergy", "food"},
}

func (c *conv) allergy(o, act *node, path string) bool {
	var substance map[string]any
	substanceNF := ""
	for _, p := range o.children("participant") {
		pe := p.at("participantRole/playingEntity")
		if pe == nil {
			continue
		}
		substanceNF = pe.child("code").nullFlavor()
		substance = c.concept(pe.child("code"))
		if substance == nil {
			if name := pe.child("name").allText(); name != "" {
				substance = map[string]any{"text": name}
			}
		}
		if substance != nil {
			break
		}
	}
	m := c.base("AllergyIntolerance", o, path)
	c.subject(m, "patient")
	ver := "confirmed"
	switch {
	case substance == nil && (negated(o) || substanceNF == "NA"):
		// "No known allergies" is written as a negated observation whose
		// substance is "not applicable"; vendors often drop the negation.
		substance = map[string]any{"coding": []any{map[string]any{"system": "http://snomed.info/sct", "code": "716186003", "display": "No known allergy"}}}
	case substance == nil && (valueCode(o) == "716186003" || valueCode(o) == "409137002" || valueCode(o) == "428607008" || valueCode(o) == "429625007"):
		substance = c.concept(o.child("value"))
	case substance == nil:
		substance = c.required(nil, o, path)
		if substance["text"] == nil && act != nil {
			if t := c.entryText(act); t != "" {
				substance = map[string]any{"text": t}
			}
		}
	case negated(o):
		ver = "refuted"
	}
	m["code"] = substance
	if t, ok := allergyTypes[valueCode(o)]; ok {
		if t[0] != "" {
			m["type"] = t[0]
		}
		if t[1] != "" {
			m["category"] = []any{t[1]}
		}
	}
	onset, end := c.period(o.child("effectiveTime"), path)
	if onset != "" {
		m["onsetDateTime"] = onset
	}
	if t := c.authorTime(o, path); t != "" {
		m["recordedDate"] = t
	}
	clinical := ""
	var severity string // allergy-level severity (C-CDA R1.1 style)
	var reactions []any
	for i, s := range related(o, "observation") {
		switch {
		case s.hasTemplate(tplEntry+"28") || s.child("code").get("code") == "33999-4":
			switch valueCode(s) {
			case "55561003":
				clinical = "active"
			case "73425007":
				clinical = "inactive"
			case "413322009":
				clinical = "resolved"
			}
		case s.hasTemplate(tplEntry+"145") || s.child("code").get("code") == "82606-5":
			switch valueCode(s) {
			case "CRITL":
				m["criticality"] = "low"
			case "CRITH":
				m["criticality"] = "high"
			case "CRITU":
				m["criticality"] = "unable-to-assess"
			}
		case s.hasTemplate(tplEntry+"8") || s.child("code").get("code") == "SEV":
			severity = severityCode(valueCode(s))
		case s.hasTemplate(tplEntry+"9") || s.parentTypeCode == "MFST":
			man := c.concept(s.child("value"))
			if man == nil {
				if t := c.entryText(s); t != "" {
					man = map[string]any{"text": t}
				}
			}
			if man == nil {
				continue
			}
			r := map[string]any{"manifestation": []any{man}}
			for _, sv := range related(s, "observation") {
				if sev := severityCode(valueCode(sv)); sev != "" {
					r["severity"] = sev
				}
			}
			if st, _ := c.period(s.child("effectiveTime"), fmt.Sprintf("%s/entryRelationship[%d]/observation", path, i+1)); st != "" {
				r["onset"] = st
			}
			reactions = append(reactions, r)
		}
	}
	if severity != "" {
		for _, r := range reactions {
			if rm := r.(map[string]any); rm["severity"] == nil {
				rm["severity"] = severity
			}
		}
	}
	if reactions != nil {
		m["reaction"] = reactions
	}
	if clinical == "" {
		clinical = defaultClinicalStatus(end, act)
	}
	m["clinicalStatus"] = map[string]any{"coding": []any{map[string]any{
		"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": clinical}}}
	m["verificationStatus"] = map[string]any{"coding": []any{map[string]any{
		"system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": ver}}}
	c.add(m)
	return true
}

func severityCode(code string) string {
	switch code {
	case "255604002", "L":
		return "mild"
	case "6736007", "371923003", "M":
		return "moderate"
	case "24484000", "371924009", "399166001", "H":
		return "severe"
	}
	return ""
}

// --- medications ---

var medStatus = map[string]string{
	"active": "active", "completed": "completed", "aborted": "stopped", "suspended": "on-hold",
	"held": "on-hold", "cancelled": "not-taken", "nullified": "entered-in-error", "new": "intended",
}

var periodUnits = map[string]string{
	"s": "s", "min": "min", "h": "h", "hr": "h", "d": "d", "wk": "wk", "mo": "mo", "a": "a", "yr": "a",
}

func (c *conv) medication(el *node, path string) int {
	sa := find(el, "substanceAdministration")
	if sa == nil {
		return 0
	}
	if sa != el {
		path += "/…/substanceAdministration"
	}
	mat := sa.at("consumable/manufacturedProduct/manufacturedMaterial")
	if negated(sa) && mat.child("code").get("code") == "" && c.sec != nil && c.sec.kind == kMeds && c.noKnown(c.sec, sa, path) != "" {
		return 1 // "no medications"
	}
	m := c.base("MedicationStatement", sa, path)
	c.subject(m, "subject")
	med := c.concept(mat.child("code"))
	if med == nil {
		if name := mat.child("name").allText(); name != "" {
			med = map[string]any{"text": name}
		}
	}
	m["medicationCodeableConcept"] = c.required(med, sa, path)
	st := medStatus[status(sa)]
	if st == "" {
		st = "unknown"
		if status(sa) == "" && sa.get("moodCode") == "INT" {
			st = "intended"
		}
	}
	if negated(sa) {
		st = "not-taken"
	}
	m["status"] = st
	start, end := c.period(mainTime(sa), path)
	setPeriod(m, "effective", start, end)
	if t := c.authorTime(sa, path); t != "" {
		m["dateAsserted"] = t
	}
	dosage := map[string]any{}
	text := c.entryText(sa)
	for _, r := range related(sa, "substanceAdministration") {
		if r.hasTemplate(tplEntry + "147") {
			if t := c.entryText(r); t != "" {
				text = t
			}
		}
	}
	if text != "" {
		dosage["text"] = text
	}
	for _, a := range related(sa, "act") {
		if a.hasTemplate(tplEntry+"20") || a.child("code").get("code") == "409073007" {
			if t := c.entryText(a); t != "" {
				dosage["patientInstruction"] = t
			}
		}
	}
	if r := c.concept(sa.child("routeCode")); r != nil {
		dosage["route"] = r
	}
	if s := c.concept(sa.child("approachSiteCode")); s != nil {
		dosage["site"] = s
	}
	if dq := sa.child("doseQuantity"); dq != nil {
		if q, ok := quantity(dq); ok {
			delete(q, "comparator")
			dosage["doseAndRate"] = []any{map[string]any{"doseQuantity": q}}
		} else if lo, hi := dq.child("low"), dq.child("high"); lo != nil || hi != nil {
			rg := map[string]any{}
			if q, ok := quantity(lo); ok {
				delete(q, "comparator")
				rg["low"] = q
			}
			if q, ok := quantity(hi); ok {
				delete(q, "comparator")
				rg["high"] = q
			}
			if len(rg) > 0 {
				dosage["doseAndRate"] = []any{map[string]any{"doseRange": rg}}
			}
		}
	}
	for _, et := range sa.children("effectiveTime") {
		if et.xsiType() != "PIVL_TS" {
			continue
		}
		p := et.child("period")
		num, ok := decimal(p.get("value"))
		unit := periodUnits[p.get("unit")]
		if ok && unit != "" {
			dosage["timing"] = map[string]any{"repeat": map[string]any{"period": num, "periodUnit": unit}}
		}
	}
	if len(dosage) > 0 {
		m["dosage"] = []any{dosage}
	}
	var reasons []any
	for _, r := range relatedTyped(sa, "RSON") {
		if r.name == "observation" {
			if cc := c.concept(r.child("value")); cc != nil {
				reasons = append(reasons, cc)
			}
		}
	}
	if reasons != nil {
		m["reasonCode"] = reasons
	}
	c.add(m)
	return 1
}

// --- immunizations ---

func (c *conv) immunization(el *node, path string) int {
	sa := find(el, "substanceAdministration")
	if sa == nil {
		return 0
	}
	m := c.base("Immunization", sa, path)
	c.subject(m, "patient")
	prod := sa.at("consumable/manufacturedProduct")
	mat := prod.child("manufacturedMaterial")
	vc := c.concept(mat.child("code"))
	if vc == nil {
		if name := mat.child("name").allText(); name != "" {
			vc = map[string]any{"text": name}
		}
	}
	m["vaccineCode"] = c.required(vc, sa, path)
	st := "completed"
	switch status(sa) {
	case "cancelled", "aborted":
		st = "not-done"
	case "nullified":
		st = "entered-in-error"
	}
	if negated(sa) {
		st = "not-done"
	}
	m["status"] = st
	if st == "not-done" {
		for _, r := range related(sa, "observation") {
			if r.hasTemplate(tplEntry+"53") || r.parentTypeCode == "RSON" {
				if cc := c.concept(r.child("code")); cc != nil {
					m["statusReason"] = cc
				}
			}
		}
	}
	start, _ := c.period(mainTime(sa), path)
	if start != "" {
		m["occurrenceDateTime"] = start
	} else {
		m["_occurrenceDateTime"] = absentExt()
	}
	if lot := mat.child("lotNumberText").allText(); lot != "" {
		m["lotNumber"] = lot
	}
	if mf := prod.at("manufacturerOrganization/name").allText(); mf != "" {
		m["manufacturer"] = map[string]any{"display": mf}
	}
	if r := c.concept(sa.child("routeCode")); r != nil {
		m["route"] = r
	}
	if s := c.concept(sa.child("approachSiteCode")); s != nil {
		m["site"] = s
	}
	if q, ok := quantity(sa.child("doseQuantity")); ok {
		delete(q, "comparator")
		m["doseQuantity"] = q
	}
	m["primarySource"] = sa.get("moodCode") != "INT"
	c.add(m)
	return 1
}

// --- results, vital signs, social history ---

var obsStatus = map[string]string{
	"completed": "final", "active": "preliminary", "aborted": "cancelled", "cancelled": "cancelled",
	"nullified": "entered-in-error", "final": "final",
}

// results maps an organizer (a DiagnosticReport for laboratory results) and
// its component observations, or a bare observation.
func (c *conv) results(el *node, path, category string) int {
	switch el.name {
	case "observation":
		if c.observation(el, path, category, "") != "" {
			return 1
		}
		return 0
	case "organizer":
	default:
		return 0
	}
	orgStart, _ := c.period(el.child("effectiveTime"), path)
	var refs []any
	n := 0
	mark := len(c.doc.Resources)
	firstDate := ""
	for i, comp := range el.children("component") {
		for _, k := range comp.elems() {
			p := fmt.Sprintf("%s/component[%d]/%s", path, i+1, k.name)
			switch k.name {
			case "observation":
				if id := c.observation(k, p, category, orgStart); id != "" {
					refs = append(refs, map[string]any{"reference": "Observation/" + id})
					n++
					if firstDate == "" {
						firstDate, _ = c.period(k.child("effectiveTime"), "")
					}
				}
			case "organizer":
				n += c.results(k, p, category)
			}
		}
	}
	if category == "vital-signs" {
		n -= c.pairBloodPressure(mark) // systolic and diastolic: one reading
	}
	if category != "laboratory" || n == 0 {
		return n
	}
	m := c.base("DiagnosticReport", el, path)
	st := obsStatus[status(el)]
	if st == "" {
		st = "unknown"
	}
	if st == "preliminary" {
		st = "partial"
	}
	m["status"] = st
	m["category"] = cat("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory")
	m["code"] = c.required(c.concept(el.child("code")), el, path)
	c.subject(m, "subject")
	start, end := c.period(el.child("effectiveTime"), path)
	if start == "" && end == "" {
		start = firstDate
	}
	setPeriod(m, "effective", start, end)
	m["result"] = refs
	c.add(m)
	return n + 1
}

var obsCategoryDisplay = map[string]string{
	"laboratory": "Laboratory", "vital-signs": "Vital Signs", "social-history": "Social History",
	"functional-status": "Functional Status", "cognitive-status": "Cognitive Status",
}

// obsCategorySystem is the code system of an Observation category: FHIR's
// own, or US Core's for functional and cognitive status.
func obsCategorySystem(category string) string {
	if category == "functional-status" || category == "cognitive-status" {
		return "http://hl7.org/fhir/us/core/CodeSystem/us-core-category"
	}
	return "http://terminology.hl7.org/CodeSystem/observation-category"
}

// observation maps one CDA observation to a FHIR Observation and returns
// its id ("" when skipped).
func (c *conv) observation(o *node, path, category, fallbackDate string) string {
	code := c.concept(o.child("code"))
	m := c.base("Observation", o, path)
	st := obsStatus[status(o)]
	if st == "" {
		st = "final"
		if status(o) != "" {
			st = "unknown"
		}
	}
	m["status"] = st
	m["category"] = cat(obsCategorySystem(category), category, obsCategoryDisplay[category])
	m["code"] = c.required(code, o, path)
	c.subject(m, "subject")
	start, end := c.period(o.child("effectiveTime"), path)
	if start == "" && end == "" {
		start = fallbackDate
	}
	setPeriod(m, "effective", start, end)
	if vals := o.children("value"); !c.bloodPressure(m, o, path) && len(vals) > 0 {
		c.value(m, vals[0], path+"/value")
	}
	var interp []any
	for _, ic := range o.children("interpretationCode") {
		if cc := c.interpretation(ic); cc != nil {
			interp = append(interp, cc)
		}
	}
	if interp != nil {
		m["interpretation"] = interp
	}
	var ranges []any
	for _, rr := range o.children("referenceRange") {
		or := rr.child("observationRange")
		if or == nil {
			continue
		}
		r := map[string]any{}
		if v := or.child("value"); v != nil {
			if q, ok := quantity(v.child("low")); ok {
				delete(q, "comparator")
				r["low"] = q
			}
			if q, ok := quantity(v.child("high")); ok {
				delete(q, "comparator")
				r["high"] = q
			}
			if len(r) == 0 && v.xsiType() == "ST" {
				if t := v.allText(); t != "" {
					r["text"] = t
				}
			}
		}
		if t := c.textOf(or.child("text")); t != "" {
			r["text"] = t
		}
		if len(r) > 0 {
			ranges = append(ranges, r)
		}
	}
	if ranges != nil {
		m["referenceRange"] = ranges
	}
	if b := c.concept(o.child("targetSiteCode")); b != nil {
		m["bodySite"] = b
	}
	if b := c.concept(o.child("methodCode")); b != nil {
		m["method"] = b
	}
	if !hasValue(m) && code == nil && c.entryText(o) == "" {
		// Nothing at all to keep.
		return ""
	}
	c.add(m)
	return m["id"].(string)
}

func hasValue(m map[string]any) bool {
	for k := range m {
		if strings.HasPrefix(k, "value") || k == "dataAbsentReason" {
			return true
		}
	}
	return false
}

var interpretationCodes = map[string]bool{
	"N": true, "H": true, "L": true, "A": true, "HH": true, "LL": true, "AA": true, "H>": true, "L<": true,
	"<": true, ">": true, "POS": true, "NEG": true, "IND": true, "R": true, "S": true, "I": true, "HU": true,
	"LU": true, "U": true, "D": true, "B": true, "W": true, "DET": true, "ND": true, "E": true, "EX": true,
	"HX": true, "LX": true, "NR": true, "IE": true, "NS": true, "SDD": true, "EXP": true, "UNE": true,
}

// interpretation maps interpretationCode; codes without a codeSystem are
// taken from HL7 ObservationInterpretation, which the element is bound to.
func (c *conv) interpretation(n *node) map[string]any {
	cc := c.concept(n)
	if cc == nil {
		return nil
	}
	if n.get("codeSystem") == "" && interpretationCodes[strings.ToUpper(n.get("code"))] {
		if cs, ok := cc["coding"].([]any); ok && len(cs) > 0 {
			cs[0].(map[string]any)["system"] = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
		}
	}
	return cc
}

var absentReasons = map[string]string{
	"UNK": "unknown", "ASKU": "asked-unknown", "NAV": "temp-unknown", "NASK": "not-asked", "MSK": "masked",
	"NA": "not-applicable", "NAVU": "unknown", "NI": "unknown", "OTH": "unknown", "NINF": "unknown", "PINF": "unknown",
}

// value sets Observation.value[x] from a CDA value element.
func (c *conv) value(m map[string]any, v *node, path string) {
	t := v.xsiType()
	if t == "" {
		switch {
		case v.get("code") != "" || v.child("originalText") != nil || v.child("translation") != nil:
			t = "CD"
		case v.get("value") != "":
			t = "PQ"
		default:
			t = "ST"
		}
	}
	absent := func() {
		if nf := v.nullFlavor(); nf != "" {
			m["dataAbsentReason"] = map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": absentReasons[nf]}}}
			if absentReasons[nf] == "" {
				m["dataAbsentReason"] = dataAbsent()
			}
		}
	}
	if t == "ED" && c.edValue(m, v, path) {
		return
	}
	switch t {
	case "PQ", "REAL", "MO":
		if v.get("value") == "" {
			absent()
			return
		}
		if q, ok := quantity(v); ok {
			if t == "MO" {
				delete(q, "system")
				delete(q, "code")
				q["currency"] = v.get("currency")
			}
			m["valueQuantity"] = q
			return
		}
		c.problem("warning", ProblemValueInvalid, path, t)
		m["valueString"] = strings.TrimSpace(v.get("value") + " " + v.get("unit"))
	case "INT":
		raw := v.get("value")
		if raw == "" {
			absent()
			return
		}
		var n int64
		if _, err := fmt.Sscanf(raw, "%d", &n); err == nil && fmt.Sprint(n) == strings.TrimPrefix(raw, "+") && n >= -2147483648 && n <= 2147483647 {
			m["valueInteger"] = n
			return
		}
		c.problem("warning", ProblemValueInvalid, path, t)
		m["valueString"] = raw
	case "IVL_PQ":
		r := map[string]any{}
		if q, ok := quantity(v.child("low")); ok {
			delete(q, "comparator")
			r["low"] = q
		}
		if q, ok := quantity(v.child("high")); ok {
			delete(q, "comparator")
			r["high"] = q
		}
		if len(r) > 0 {
			m["valueRange"] = r
		} else if q, ok := quantity(v); ok {
			m["valueQuantity"] = q
		} else {
			absent()
		}
	case "CD", "CE", "CV", "CO", "CS":
		if cc := c.concept(v); cc != nil {
			m["valueCodeableConcept"] = cc
		} else {
			absent()
		}
	case "BL":
		switch v.get("value") {
		case "true":
			m["valueBoolean"] = true
		case "false":
			m["valueBoolean"] = false
		default:
			absent()
		}
	case "TS":
		if d := c.date(v.get("value"), path); d != "" {
			m["valueDateTime"] = d
		} else {
			absent()
		}
	case "IVL_TS":
		if p := periodMap(c.period(v, path)); p != nil {
			m["valuePeriod"] = p
		} else {
			absent()
		}
	case "RTO", "RTO_PQ_PQ", "RTO_INT_INT", "RTO_MO_PQ":
		num, ok1 := quantity(v.child("numerator"))
		den, ok2 := quantity(v.child("denominator"))
		if ok1 && ok2 {
			m["valueRatio"] = map[string]any{"numerator": num, "denominator": den}
		} else {
			absent()
		}
	default: // ST, ED, SC, ON, PN, and vendor inventions: keep the text
		if s := c.textOf(v); s != "" {
			m["valueString"] = s
		} else if s := v.allText(); s != "" {
			m["valueString"] = s
		} else {
			absent()
		}
	}
}

// --- procedures ---

var procStatus = map[string]string{
	"completed": "completed", "active": "in-progress", "aborted": "stopped", "cancelled": "not-done",
	"new": "preparation", "held": "on-hold", "suspended": "on-hold", "nullified": "entered-in-error",
}

func (c *conv) procedure(el *node, path string) int {
	switch el.name {
	case "procedure", "observation", "act":
	default:
		return 0
	}
	m := c.base("Procedure", el, path)
	st := procStatus[status(el)]
	if st == "" {
		st = "unknown"
		if status(el) == "" && el.get("moodCode") == "EVN" {
			st = "completed"
		}
	}
	if negated(el) {
		st = "not-done"
	}
	m["status"] = st
	m["code"] = c.required(c.concept(el.child("code")), el, path)
	c.subject(m, "subject")
	start, end := c.period(el.child("effectiveTime"), path)
	setPeriod(m, "performed", start, end)
	var sites []any
	for _, s := range el.children("targetSiteCode") {
		if cc := c.concept(s); cc != nil {
			sites = append(sites, cc)
		}
	}
	if sites != nil {
		m["bodySite"] = sites
	}
	var reasons []any
	for _, r := range relatedTyped(el, "RSON") {
		if cc := c.concept(r.child("value")); cc != nil {
			reasons = append(reasons, cc)
		}
	}
	if reasons != nil {
		m["reasonCode"] = reasons
	}
	c.add(m)
	return 1 + c.attachedNotes(el, path)
}

// attachedNotes maps the Note Activities inside a statement (a note on a
// procedure or a visit) to notes of their own.
func (c *conv) attachedNotes(el *node, path string) int {
	n := 0
	for i, a := range related(el, "act") {
		if a.hasTemplate(tplEntry + "202") {
			n += c.noteActivity(a, fmt.Sprintf("%s/entryRelationship[%d]/act", path, i+1))
		}
	}
	return n
}

// --- encounters ---

var encStatus = map[string]string{
	"completed": "finished", "active": "in-progress", "cancelled": "cancelled", "aborted": "cancelled",
	"new": "planned", "nullified": "entered-in-error",
}

func (c *conv) encounter(el *node, path string) int {
	en := find(el, "encounter")
	if en == nil {
		return 0
	}
	m := c.base("Encounter", en, path)
	visit := c.visit != nil && idKey(en) != "" && idKey(en) == c.visitKey
	if visit {
		// The header visit itself: its details complete that Encounter.
		m["id"] = c.visit["id"]
	}
	st := encStatus[status(en)]
	if st == "" {
		switch en.get("moodCode") {
		case "", "EVN":
			st = "finished"
		case "INT", "ARQ", "APT", "PRMS", "PRP", "RQO":
			st = "planned"
		default:
			st = "unknown"
		}
	}
	m["status"] = st
	code := en.child("code")
	m["class"] = absentExt()
	for _, cd := range append([]*node{code}, code.children("translation")...) {
		if cd.get("codeSystem") == "2.16.840.1.113883.5.4" && cd.get("code") != "" {
			m["class"] = coding(cd)
			break
		}
	}
	if cc := c.concept(code); cc != nil {
		m["type"] = []any{cc}
	}
	c.subject(m, "subject")
	start, end := c.period(en.child("effectiveTime"), path)
	if p := periodMap(start, end); p != nil {
		m["period"] = p
	}
	var locs []any
	for _, p := range en.children("participant") {
		if p.get("typeCode") != "LOC" {
			continue
		}
		name := p.at("participantRole/playingEntity/name").allText()
		if name != "" {
			locs = append(locs, map[string]any{"location": map[string]any{"display": name}})
		}
	}
	if locs != nil {
		m["location"] = locs
	}
	var reasons, diags []any
	prev := c.encHere
	c.encHere = ref("Encounter", m)
	defer func() { c.encHere = prev }()
	for i, r := range related(en, "") {
		p := fmt.Sprintf("%s/entryRelationship[%d]/%s", path, i+1, r.name)
		switch {
		case r.name == "act" && (r.hasTemplate(tplEntry+"80") || r.child("code").get("code") == "29308-4"):
			for j, o := range related(r, "observation") {
				if isAux(o) {
					continue
				}
				if id := c.condition(o, r, fmt.Sprintf("%s/entryRelationship[%d]/observation", p, j+1), "encounter-diagnosis"); id != "" {
					diags = append(diags, map[string]any{"condition": map[string]any{"reference": "Condition/" + id}})
				}
			}
		case r.name == "observation" && (r.hasTemplate(tplEntry+"19") || r.parentTypeCode == "RSON"):
			if cc := c.concept(r.child("value")); cc != nil {
				reasons = append(reasons, cc)
			}
		}
	}
	if reasons != nil {
		m["reasonCode"] = reasons
	}
	if diags != nil {
		m["diagnosis"] = diags
	}
	c.encHere = prev
	for _, k := range en.elems() {
		if k.name == "dischargeDispositionCode" {
			if cc := c.concept(k); cc != nil {
				m["hospitalization"] = map[string]any{"dischargeDisposition": cc}
			}
		}
	}
	if visit {
		for k, v := range m {
			if c.visit[k] == nil || k == "diagnosis" || k == "reasonCode" {
				c.visit[k] = v
			}
		}
		return 1 + len(diags)
	}
	c.add(m)
	return 1 + len(diags)
}

// --- goals, plan of care, notes ---

func isGoal(n *node) bool {
	return n.hasTemplate(tplEntry+"121") || n.get("moodCode") == "GOL"
}

// goal maps a Goal Observation and returns the Goal's id.
func (c *conv) goal(o *node, path string) string {
	if o.name != "observation" && o.name != "act" {
		return ""
	}
	m := c.base("Goal", o, path)
	ls := "active"
	switch status(o) {
	case "completed":
		ls = "completed"
	case "cancelled", "aborted":
		ls = "cancelled"
	case "nullified":
		ls = "entered-in-error"
	case "new":
		ls = "proposed"
	}
	m["lifecycleStatus"] = ls
	desc := c.concept(o.child("code"))
	if t := c.entryText(o); t != "" {
		if desc == nil {
			desc = map[string]any{}
		}
		if desc["text"] == nil {
			desc["text"] = t
		}
	}
	if desc == nil {
		if v := o.child("value"); v != nil {
			if s := c.textOf(v); s != "" {
				desc = map[string]any{"text": s}
			}
		}
	}
	m["description"] = c.required(desc, o, path)
	c.subject(m, "subject")
	start, end := c.period(o.child("effectiveTime"), path)
	if start != "" {
		m["startDate"] = dateOnly(start)
	}
	if vals := o.children("value"); len(vals) > 0 {
		tmp := map[string]any{}
		c.value(tmp, vals[0], path+"/value")
		target := map[string]any{}
		for k, v := range tmp {
			if k == "dataAbsentReason" {
				continue
			}
			switch k {
			case "valueQuantity":
				target["detailQuantity"] = v
			case "valueRange":
				target["detailRange"] = v
			case "valueCodeableConcept":
				target["detailCodeableConcept"] = v
			case "valueString":
				target["detailString"] = v
			case "valueBoolean":
				target["detailBoolean"] = v
			case "valueInteger":
				target["detailInteger"] = v
			case "valueRatio":
				target["detailRatio"] = v
			}
		}
		if end != "" {
			target["dueDate"] = dateOnly(end)
		}
		if len(target) > 0 {
			if code := c.concept(o.child("code")); code != nil {
				target["measure"] = code
			}
			m["target"] = []any{target}
		}
	}
	c.add(m)
	return m["id"].(string)
}

var activityStatus = map[string]string{
	"active": "not-started", "new": "not-started", "completed": "completed", "cancelled": "cancelled",
	"aborted": "stopped", "held": "on-hold", "suspended": "on-hold", "nullified": "entered-in-error",
}

// plan maps a Plan of Treatment (or Assessment and Plan) section: planned
// tests, procedures, acts and visits become ServiceRequests, goals become
// Goals, planned medications and supplies stay activities of one CarePlan
// that gathers them all (with the section narrative as its text for a
// Plan of Treatment). Entries of other kinds (a diagnosis in an
// assessment) are converted as their templates say.
func (c *conv) plan(s *section, entries []*node, title string) {
	var activities, goals []any
	for j, e := range entries {
		path := fmt.Sprintf("%s/entry[%d]", s.path, j+1)
		var el *node
		for _, k := range e.elems() {
			if k.name != "templateId" && k.name != "id" {
				el = k
				break
			}
		}
		if el == nil {
			c.problem("warning", ProblemEntrySkipped, path, "no clinical statement")
			s.failed++
			continue
		}
		if k := entryKind(el); k != kUnknown && k != kPlan && k != kGoals {
			c.entry(s, e, path)
			continue
		}
		path += "/" + el.name
		if hollow(el) {
			c.problem("info", ProblemEntryEmpty, path, "")
			s.empty++
			continue
		}
		if isGoal(el) {
			if id := c.goal(el, path); id != "" {
				goals = append(goals, map[string]any{"reference": "Goal/" + id})
				s.mapped++
			}
			continue
		}
		if id := c.serviceRequest(el, path); id != "" {
			activities = append(activities, map[string]any{"reference": map[string]any{"reference": "ServiceRequest/" + id}})
			s.mapped++
			continue
		}
		d := c.activityDetail(el, path)
		if d == nil {
			c.problem("warning", ProblemEntrySkipped, path, el.name+" without code or text")
			s.failed++
			continue
		}
		activities = append(activities, map[string]any{"detail": d})
		s.mapped++
	}
	if activities == nil && goals == nil {
		return
	}
	m := c.base("CarePlan", s.n, s.path)
	delete(m, "identifier")
	m["status"] = "active"
	m["intent"] = "plan"
	if title != "" {
		m["title"] = title
	}
	c.subject(m, "subject")
	if text := s.n.child("text"); s.kind == kPlan && text != nil && plainText(text) != "" {
		m["text"] = map[string]any{"status": "additional", "div": xhtml(text)}
	}
	if activities != nil {
		m["activity"] = activities
	}
	if goals != nil {
		m["goal"] = goals
	}
	m["category"] = cat("http://hl7.org/fhir/us/core/CodeSystem/careplan-category", "assess-plan", "Assessment and Plan of Treatment")
	c.add(m)
	s.mapped++
}

// entryKind is what an entry's templates say it is (kUnknown when none do).
func entryKind(el *node) kind {
	for _, t := range el.templates() {
		if k, ok := entryTemplates[t]; ok {
			return k
		}
	}
	return kUnknown
}

// activityDetail is a CarePlan activity for a planned medication, supply
// or instruction; nil when it names nothing.
func (c *conv) activityDetail(el *node, path string) map[string]any {
	d := map[string]any{}
	switch el.name {
	case "encounter":
		d["kind"] = "Appointment"
	case "substanceAdministration":
		d["kind"] = "MedicationRequest"
	case "supply":
		d["kind"] = "DeviceRequest"
	default:
		d["kind"] = "ServiceRequest"
	}
	code := c.concept(el.child("code"))
	if el.name == "substanceAdministration" || el.name == "supply" {
		mat := find(el.child("consumable"), "manufacturedMaterial")
		if mat == nil {
			mat = find(el.child("product"), "manufacturedMaterial")
		}
		if p := c.concept(mat.child("code")); p != nil {
			d["productCodeableConcept"] = p
		}
	}
	if code != nil {
		d["code"] = code
	}
	if t := c.entryText(el); t != "" {
		d["description"] = t
	}
	if code == nil && d["description"] == nil && d["productCodeableConcept"] == nil {
		return nil
	}
	st := activityStatus[status(el)]
	if st == "" {
		st = "unknown"
	}
	d["status"] = st
	if negated(el) {
		d["doNotPerform"] = true
	}
	if p := periodMap(c.period(mainTime(el), path)); p != nil {
		d["scheduledPeriod"] = p
	}
	return d
}

// noteActivity maps a Note Activity act to its own DocumentReference.
func (c *conv) noteActivity(el *node, path string) int {
	if el.name != "act" {
		return 0
	}
	text := c.entryText(el)
	if text == "" {
		return 0
	}
	att := map[string]any{"contentType": "text/plain; charset=utf-8", "data": b64([]byte(text))}
	date := c.authorTime(el, path)
	if date == "" {
		date, _ = c.period(el.child("effectiveTime"), path)
	}
	c.addNote(el.child("code"), "", []any{map[string]any{"attachment": att}}, el, path, date)
	return 1
}
