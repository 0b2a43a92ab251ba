package ccda

import (
	"fmt"
	"strings"
)

// Family history, medical equipment, care teams and planned services.

// --- planned services ---

var requestStatus = map[string]string{
	"active": "active", "new": "active", "completed": "completed", "cancelled": "revoked", "aborted": "revoked",
	"held": "on-hold", "suspended": "on-hold", "nullified": "entered-in-error",
}

var requestIntent = map[string]string{
	"INT": "plan", "RQO": "order", "PRP": "proposal", "ARQ": "plan", "PRMS": "directive", "APT": "plan",
}

var requestPriority = map[string]string{"R": "routine", "UR": "urgent", "EM": "urgent", "A": "asap", "S": "stat"}

// serviceRequest maps a planned observation, procedure, act or visit
// (a test, a referral, a follow-up) to a ServiceRequest and returns its id;
// "" for what is not a planned service (instructions, medications).
func (c *conv) serviceRequest(el *node, path string) string {
	switch el.name {
	case "observation", "procedure", "act", "encounter":
	default:
		return ""
	}
	if el.hasTemplate(tplEntry+"20") || el.child("code").get("code") == "409073007" {
		return "" // an instruction: an activity of the plan
	}
	intent := requestIntent[el.get("moodCode")]
	if intent == "" {
		if k := entryKind(el); k != kPlan {
			return ""
		}
		intent = "plan"
	}
	code := c.concept(el.child("code"))
	if negated(el) && el.child("code").get("code") == "" {
		return "" // "no planned tests": a statement of the plan, not a request
	}
	if code == nil {
		if t := c.entryText(el); t != "" {
			code = map[string]any{"text": t}
		}
	}
	if code == nil && el.name != "encounter" {
		return ""
	}
	m := c.base("ServiceRequest", el, path)
	st := requestStatus[status(el)]
	if st == "" {
		st = "active"
	}
	m["status"] = st
	if negated(el) {
		m["doNotPerform"] = true
	}
	m["intent"] = intent
	if el.name == "encounter" {
		m["category"] = cat("http://snomed.info/sct", "3457005", "Patient referral")
		if code == nil {
			code = map[string]any{"coding": []any{map[string]any{"system": "http://snomed.info/sct", "code": "3457005", "display": "Patient referral"}}}
		}
	}
	m["code"] = code
	c.subject(m, "subject")
	start, end := c.period(mainTime(el), path)
	setPeriod(m, "occurrence", start, end)
	if p := requestPriority[el.child("priorityCode").get("code")]; p != "" {
		m["priority"] = p
	}
	if t := c.authorTime(el, path); t != "" {
		m["authoredOn"] = t
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
	if t := c.entryText(el); t != "" && code["text"] != t {
		m["patientInstruction"] = t
	}
	c.add(m)
	return m["id"].(string)
}

// --- family history ---

// familyHistory maps a Family History Organizer (or a bare Family History
// Observation) to one FamilyMemberHistory per observation: the relative
// and one condition.
func (c *conv) familyHistory(el *node, path string) int {
	var subject *node
	var obs []*node
	var paths []string
	switch el.name {
	case "organizer":
		subject = el.at("subject/relatedSubject")
		for i, comp := range el.children("component") {
			for _, o := range comp.children("observation") {
				obs = append(obs, o)
				paths = append(paths, fmt.Sprintf("%s/component[%d]/observation", path, i+1))
			}
		}
	case "observation":
		subject = el.at("subject/relatedSubject")
		obs, paths = []*node{el}, []string{path}
	default:
		return 0
	}
	n := 0
	for i, o := range obs {
		if hollow(o) {
			c.problem("info", ProblemEntryEmpty, paths[i], "")
			continue
		}
		if c.familyMember(o, subject, paths[i]) {
			n++
		}
	}
	return n
}

// extNegated marks a family member's condition as absent ("the father did
// not have asthma"): a modifier, so no reader takes it as present.
const extNegated = "urn:backpack:fhir:condition-absent"

func (c *conv) familyMember(o, subject *node, path string) bool {
	code := c.concept(o.child("value"))
	if code == nil {
		if t := c.entryText(o); t != "" {
			code = map[string]any{"text": t}
		}
	}
	if code == nil {
		return false
	}
	m := c.base("FamilyMemberHistory", o, path)
	m["status"] = "completed"
	c.subject(m, "patient")
	rel := c.concept(subject.child("code"))
	if rel == nil {
		rel = map[string]any{"coding": []any{map[string]any{
			"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "FAMMEMB", "display": "family member"}}}
	} else if cs, ok := rel["coding"].([]any); ok {
		for _, x := range cs {
			if cd := x.(map[string]any); cd["system"] == "urn:oid:2.16.840.1.113883.5.111" {
				cd["system"] = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
			}
		}
	}
	m["relationship"] = rel
	person := subject.child("subject")
	if name := person.child("name"); name != nil {
		if h := humanName(name); h != nil {
			m["name"] = nameText(h)
		}
	}
	switch strings.ToUpper(person.child("administrativeGenderCode").get("code")) {
	case "M":
		m["sex"] = genderConcept("male", "Male")
	case "F":
		m["sex"] = genderConcept("female", "Female")
	}
	if bt := person.child("birthTime"); bt != nil {
		if d := c.date(bt.get("value"), path+"/subject/birthTime"); d != "" {
			m["bornDate"] = dateOnly(d)
		}
	}
	for _, k := range person.elems() {
		switch {
		case k.name == "deceasedInd" && k.get("value") == "true":
			if m["deceasedDate"] == nil {
				m["deceasedBoolean"] = true
			}
		case k.name == "deceasedTime":
			if d := c.date(k.get("value"), path+"/subject/deceasedTime"); d != "" {
				delete(m, "deceasedBoolean")
				m["deceasedDate"] = dateOnly(d)
			}
		}
	}
	cond := map[string]any{"code": code}
	if negated(o) {
		cond["modifierExtension"] = []any{map[string]any{"url": extNegated, "valueBoolean": true}}
	}
	for _, r := range related(o, "observation") {
		switch {
		case r.hasTemplate(tplEntry+"31") || r.child("code").get("code") == "445518008":
			if q, ok := quantity(r.child("value")); ok {
				delete(q, "comparator")
				if q["code"] == "a" {
					q["unit"] = "years"
				}
				cond["onsetAge"] = q
			}
		case r.hasTemplate(tplEntry+"47") || r.parentTypeCode == "CAUS":
			cond["contributedToDeath"] = true
			if cc := c.concept(r.child("value")); cc != nil {
				cond["outcome"] = cc
			}
		}
	}
	if cond["onsetAge"] == nil && !negated(o) {
		if start, _ := c.period(o.child("effectiveTime"), path); start != "" {
			cond["onsetPeriod"] = map[string]any{"start": start}
		}
	}
	m["condition"] = []any{cond}
	if t := c.entryText(o); t != "" && t != code["text"] {
		m["note"] = []any{map[string]any{"text": t}}
	}
	c.add(m)
	return true
}

func genderConcept(code, display string) map[string]any {
	return map[string]any{"coding": []any{map[string]any{
		"system": "http://hl7.org/fhir/administrative-gender", "code": code, "display": display}}}
}

// --- medical equipment ---

const udiRoot = "2.16.840.1.113883.3.3719" // FDA

var useStatus = map[string]string{
	"active": "active", "completed": "completed", "nullified": "entered-in-error", "cancelled": "stopped",
	"aborted": "stopped", "suspended": "on-hold", "held": "on-hold", "new": "intended",
}

// equipment maps a Non-Medicinal Supply, a Medical Equipment Organizer or
// a procedure with a device (an implant) to DeviceUseStatements, each with
// its Device contained; a procedure with a code is kept as well.
func (c *conv) equipment(el *node, path string) int {
	n := 0
	switch el.name {
	case "supply":
		if c.deviceUse(el, el, path) {
			n++
		}
	case "organizer":
		for i, comp := range el.children("component") {
			for _, k := range comp.elems() {
				if k.name == "supply" || k.name == "procedure" {
					n += c.equipment(k, fmt.Sprintf("%s/component[%d]/%s", path, i+1, k.name))
				}
			}
		}
	case "procedure", "act", "observation":
		if negated(el) {
			return 0 // "no implanted devices": the narrative says it
		}
		if el.name == "procedure" && c.concept(el.child("code")) != nil {
			n += c.procedure(el, path)
		}
		for _, p := range el.children("participant") {
			if p.get("typeCode") == "DEV" {
				if c.deviceUse(el, p, path) {
					n++
				}
			}
		}
	}
	return n
}

// deviceUse builds one DeviceUseStatement for the device of holder (a
// supply or a DEV participant) in act.
func (c *conv) deviceUse(act, holder *node, path string) bool {
	role := holder.at("participant/participantRole")
	if holder.name == "participant" {
		role = holder.child("participantRole")
	}
	dev := role.child("playingDevice")
	typ := c.concept(dev.child("code"))
	if typ == nil {
		typ = c.concept(role.child("originalText")) // misplaced by some writers
		if t := c.textOf(role.child("originalText")); typ == nil && t != "" {
			typ = map[string]any{"text": t}
		}
	}
	if typ == nil && holder == act {
		if cc := c.concept(act.child("code")); cc != nil && act.child("code").get("code") != "425399007" {
			typ = cc
		} else if t := c.entryText(act); t != "" {
			typ = map[string]any{"text": t}
		}
	}
	if typ == nil {
		return false
	}
	d := map[string]any{"resourceType": "Device", "id": "device", "type": typ}
	for _, id := range role.children("id") {
		if id.nullFlavor() != "" {
			continue
		}
		if id.get("root") == udiRoot && id.get("extension") != "" {
			d["udiCarrier"] = []any{map[string]any{"carrierHRF": id.get("extension"), "issuer": "http://hl7.org/fhir/NamingSystem/fda-udi"}}
		} else if x := identifier(id); x != nil {
			ids, _ := d["identifier"].([]any)
			d["identifier"] = append(ids, x)
		}
	}
	if name := dev.child("manufacturerModelName").allText(); name != "" {
		d["modelNumber"] = name
	}
	if org := role.at("scopingEntity/desc").allText(); org != "" {
		d["manufacturer"] = org
	}
	m := c.base("DeviceUseStatement", act, path)
	if holder != act {
		m["id"] = c.newID("DeviceUseStatement", role, path+"/participant")
	}
	m["contained"] = []any{d}
	m["device"] = map[string]any{"reference": "#device", "display": conceptDisplay(typ)}
	st := useStatus[status(act)]
	if st == "" || act.name == "procedure" && st == "completed" {
		st = "active" // an implant placed by a completed procedure is in use
	}
	m["status"] = st
	c.subject(m, "subject")
	et := act.child("effectiveTime")
	if et == nil {
		et = act.child("time")
	}
	start, end := c.period(et, path)
	setPeriod(m, "timing", start, end)
	if t := c.authorTime(act, path); t != "" {
		m["recordedOn"] = t
	}
	var sites []any
	for _, s := range act.children("targetSiteCode") {
		if cc := c.concept(s); cc != nil {
			sites = append(sites, cc)
		}
	}
	if len(sites) > 0 {
		m["bodySite"] = sites[0]
	}
	c.add(m)
	return true
}

// --- care team ---

// careTeam maps a Care Team Organizer to a CareTeam whose members (the
// performers of its member acts) join the record's care team.
func (c *conv) careTeam(el *node, path string) int {
	if el.name != "organizer" {
		return 0
	}
	m := c.base("CareTeam", el, path)
	st := "active"
	switch status(el) {
	case "completed":
		st = "inactive"
	case "nullified":
		st = "entered-in-error"
	case "suspended":
		st = "suspended"
	}
	m["status"] = st
	c.subject(m, "subject")
	if cc := c.concept(el.child("code")); cc != nil {
		if t := conceptDisplay(cc); t != "" && cc["text"] != nil {
			m["name"] = t
		}
	}
	start, end := c.period(el.child("effectiveTime"), path)
	if p := periodMap(start, end); p != nil {
		m["period"] = p
	}
	var parts []any
	for _, comp := range el.children("component") {
		for _, a := range comp.children("act") {
			for _, pf := range a.children("performer") {
				fc := pf.child("functionCode")
				prac := c.assigned(pf.child("assignedEntity"), nil, fc)
				var member map[string]any
				if prac != nil {
					member = prac.reference()
				} else if o := c.organization(pf.at("assignedEntity/representedOrganization")); o != nil {
					member = o.reference()
				}
				if member == nil {
					continue
				}
				part := map[string]any{"member": member}
				if r := c.concept(fc); r != nil {
					part["role"] = []any{r}
				}
				parts = append(parts, part)
			}
		}
	}
	if parts == nil {
		return 0
	}
	m["participant"] = parts
	c.add(m)
	return 1
}
