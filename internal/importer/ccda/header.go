package ccda

import "strings"

// The document header names the people and organizations behind the
// record (author, legal authenticator, custodian, the performers of the
// documented service and the clinicians of the visit) and, in a visit
// summary, the visit itself (componentOf/encompassingEncounter). They
// become Practitioner and Organization resources, a PractitionerRole for
// each person at an organization (the care team a person writes to, e.g.
// when asking for an amendment), and an Encounter that the document's
// entries point to.

// party is a Practitioner or Organization being built from the header,
// merged across the places it appears.
type party struct {
	m       map[string]any
	display string
}

// roleKey names one PractitionerRole: a person at an organization.
type roleKey struct{ prac, org string }

// people holds the header's parties until they are added, in order.
type people struct {
	byKey map[string]*party
	order []*party
	roles map[roleKey]map[string]any
	rkeys []roleKey
}

// reference returns a Reference (with display) to p.
func (p *party) reference() map[string]any {
	r := map[string]any{"reference": p.m["resourceType"].(string) + "/" + p.m["id"].(string)}
	if p.display != "" {
		r["display"] = p.display
	}
	return r
}

// nameText renders a HumanName map as people read it.
func nameText(h map[string]any) string {
	if t, ok := h["text"].(string); ok {
		return t
	}
	var parts []string
	for _, k := range []string{"prefix", "given"} {
		if l, ok := h[k].([]any); ok {
			for _, s := range l {
				parts = append(parts, s.(string))
			}
		}
	}
	if f, ok := h["family"].(string); ok {
		parts = append(parts, f)
	}
	if l, ok := h["suffix"].([]any); ok {
		for _, s := range l {
			parts = append(parts, s.(string))
		}
	}
	return strings.Join(parts, " ")
}

// contacts copies telecom and addr children of n into m.
func contacts(m map[string]any, n *node) {
	var tel, addrs []any
	for _, t := range n.children("telecom") {
		if x := telecom(t); x != nil {
			tel = append(tel, x)
		}
	}
	for _, a := range n.children("addr") {
		if x := address(a); x != nil {
			addrs = append(addrs, x)
		}
	}
	if tel != nil && m["telecom"] == nil {
		m["telecom"] = tel
	}
	if addrs != nil && m["address"] == nil {
		m["address"] = addrs
	}
}

// practitioner returns the party for the person of an assignedEntity (or
// assignedAuthor); nil when it names no person.
func (c *conv) practitioner(ae *node) *party {
	person := ae.child("assignedPerson")
	var names []any
	display := ""
	for _, n := range person.children("name") {
		if h := humanName(n); h != nil {
			names = append(names, h)
			if display == "" {
				display = nameText(h)
			}
		}
	}
	if names == nil {
		return nil
	}
	key := idKey(ae)
	if key == "" {
		key = "name:" + strings.ToLower(display)
	}
	if p := c.hdr.byKey["Practitioner\x00"+key]; p != nil {
		contacts(p.m, ae)
		return p
	}
	id := hashID("Practitioner", key)
	if !strings.HasPrefix(key, "name:") {
		// Identified people are the same across documents.
	} else {
		id = hashID(c.docKey, "Practitioner", key)
	}
	m := map[string]any{"resourceType": "Practitioner", "id": id, "name": names}
	if ids := identifiers(ae); ids != nil {
		m["identifier"] = ids
	}
	contacts(m, ae)
	if q := c.concept(ae.child("code")); q != nil {
		m["qualification"] = []any{map[string]any{"code": q}}
	}
	return c.hdr.put("Practitioner\x00"+key, m, display)
}

// organization returns the party for an organization element; nil when it
// has no name.
func (c *conv) organization(o *node) *party {
	var name string
	for _, n := range o.children("name") {
		if name = n.allText(); name != "" {
			break
		}
	}
	if name == "" {
		return nil
	}
	key := idKey(o)
	if key == "" {
		key = "name:" + strings.ToLower(name)
	}
	if p := c.hdr.byKey["Organization\x00"+key]; p != nil {
		contacts(p.m, o)
		return p
	}
	id := hashID("Organization", key)
	if strings.HasPrefix(key, "name:") {
		id = hashID(c.docKey, "Organization", key)
	}
	m := map[string]any{"resourceType": "Organization", "id": id, "active": true, "name": name}
	if ids := identifiers(o); ids != nil {
		m["identifier"] = ids
	}
	contacts(m, o)
	return c.hdr.put("Organization\x00"+key, m, name)
}

func (h *people) put(key string, m map[string]any, display string) *party {
	p := &party{m: m, display: display}
	h.byKey[key] = p
	h.order = append(h.order, p)
	return p
}

// assigned maps an assignedEntity/assignedAuthor: its person, its
// organization (org when it names none) and the PractitionerRole joining
// them. function is the role the person plays (a functionCode); it
// returns the person (nil without one).
func (c *conv) assigned(ae *node, org *party, function *node) *party {
	if ae == nil {
		return nil
	}
	if o := c.organization(ae.child("representedOrganization")); o != nil {
		org = o
	}
	prac := c.practitioner(ae)
	if prac == nil {
		return nil
	}
	k := roleKey{prac: prac.m["id"].(string)}
	if org != nil {
		k.org = org.m["id"].(string)
	}
	role := c.hdr.roles[k]
	if role == nil {
		role = map[string]any{"resourceType": "PractitionerRole", "id": hashID("PractitionerRole", k.prac, k.org),
			"active": true, "practitioner": prac.reference()}
		if org != nil {
			role["organization"] = org.reference()
		}
		c.hdr.roles[k] = role
		c.hdr.rkeys = append(c.hdr.rkeys, k)
	}
	if fc := c.concept(function); fc != nil {
		codes, _ := role["code"].([]any)
		dup := false
		for _, x := range codes {
			dup = dup || conceptDisplay(x.(map[string]any)) == conceptDisplay(fc)
		}
		if !dup {
			role["code"] = append(codes, fc)
		}
	}
	if sp := c.concept(ae.child("code")); sp != nil && role["specialty"] == nil {
		role["specialty"] = []any{sp}
	}
	contacts(role, ae)
	return prac
}

// header maps the document's people, organizations and visit.
func (c *conv) header() {
	c.hdr = &people{byKey: map[string]*party{}, roles: map[roleKey]map[string]any{}}
	root := c.root
	custodian := c.organization(root.at("custodian/assignedCustodian/representedCustodianOrganization"))
	for _, a := range root.children("author") {
		c.assigned(a.child("assignedAuthor"), custodian, a.child("functionCode"))
	}
	c.assigned(root.at("legalAuthenticator/assignedEntity"), custodian, nil)
	for _, a := range root.children("authenticator") {
		c.assigned(a.child("assignedEntity"), custodian, nil)
	}
	for _, d := range root.children("documentationOf") {
		for _, p := range d.at("serviceEvent").children("performer") {
			c.assigned(p.child("assignedEntity"), custodian, p.child("functionCode"))
		}
	}
	c.headerVisit(custodian)
}

// finish adds what the header and the body built together: the header
// visit (which an Encounters section entry may have completed), then the
// people, organizations and their roles.
func (c *conv) finish() {
	if c.visit != nil {
		if c.visit["type"] == nil && c.doc.Title != "" {
			c.visit["type"] = []any{map[string]any{"text": c.doc.Title}}
		}
		c.add(c.visit)
		c.visit = nil
	}
	for _, p := range c.hdr.order {
		c.add(p.m)
	}
	for _, k := range c.hdr.rkeys {
		c.add(c.hdr.roles[k])
	}
	c.hdr = &people{byKey: map[string]*party{}, roles: map[roleKey]map[string]any{}}
}

// encParticipation maps encounterParticipant typeCodes to FHIR
// participant types (v3 ParticipationType).
var encParticipation = map[string]string{"ADM": "admitter", "ATND": "attender", "CON": "consultant", "DIS": "discharger", "REF": "referrer"}

// headerVisit maps componentOf/encompassingEncounter to the Encounter the
// document's entries point to.
func (c *conv) headerVisit(custodian *party) {
	const path = "componentOf/encompassingEncounter"
	ee := c.root.at(path)
	if ee == nil {
		return
	}
	m := c.base("Encounter", ee, path)
	m["status"] = "finished"
	code := ee.child("code")
	m["class"] = absentExt()
	for _, cd := range append([]*node{code}, code.children("translation")...) {
		if cd.get("codeSystem") == "2.16.840.1.113883.5.4" && cd.get("code") != "" {
			m["class"] = coding(cd)
			break
		}
	}
	if cc := c.concept(code); cc != nil && code.get("codeSystem") != "2.16.840.1.113883.5.4" {
		m["type"] = []any{cc} // a class code (ambulatory, inpatient) is the class only
	}
	c.subject(m, "subject")
	start, end := c.period(ee.child("effectiveTime"), path)
	if p := periodMap(start, end); p != nil {
		m["period"] = p
	}
	c.encStart, c.encEnd = start, end
	var parts []any
	if rp := c.assigned(ee.at("responsibleParty/assignedEntity"), custodian, nil); rp != nil {
		parts = append(parts, map[string]any{"individual": rp.reference()})
	}
	for _, ep := range ee.children("encounterParticipant") {
		prac := c.assigned(ep.child("assignedEntity"), custodian, nil)
		if prac == nil {
			continue
		}
		part := map[string]any{"individual": prac.reference()}
		if t := ep.get("typeCode"); encParticipation[t] != "" {
			part["type"] = []any{map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": t, "display": encParticipation[t]}}}}
		}
		parts = append(parts, part)
	}
	if parts != nil {
		m["participant"] = parts
	}
	hf := ee.at("location/healthCareFacility")
	if name := hf.at("location/name").allText(); name != "" {
		m["location"] = []any{map[string]any{"location": map[string]any{"display": name}}}
	}
	if org := c.organization(hf.child("serviceProviderOrganization")); org != nil {
		m["serviceProvider"] = org.reference()
	} else if custodian != nil {
		m["serviceProvider"] = custodian.reference()
	}
	if cc := c.concept(ee.child("dischargeDispositionCode")); cc != nil {
		m["hospitalization"] = map[string]any{"dischargeDisposition": cc}
	}
	c.visit, c.visitKey = m, idKey(ee) // added after the body, which may add to it
	c.encRef = map[string]any{"reference": "Encounter/" + m["id"].(string)}
}

// conceptDisplay is a CodeableConcept's text, else its first display.
func conceptDisplay(cc map[string]any) string {
	if t, ok := cc["text"].(string); ok && t != "" {
		return t
	}
	if cs, ok := cc["coding"].([]any); ok {
		for _, x := range cs {
			if d, ok := x.(map[string]any)["display"].(string); ok && d != "" {
				return d
			}
		}
	}
	return ""
}

// encounterField is where each resource type points to its encounter.
var encounterField = map[string]string{
	"Observation": "encounter", "Condition": "encounter", "Procedure": "encounter", "DiagnosticReport": "encounter",
	"AllergyIntolerance": "encounter", "Immunization": "encounter", "CarePlan": "encounter", "ServiceRequest": "encounter",
	"MedicationStatement": "context", "MedicationRequest": "encounter", "DocumentReference": "context",
	"CareTeam": "encounter", "DeviceRequest": "encounter",
}

// linkVisit points a resource built from the document body at the header
// visit: always for what the document says happened at it (encounter
// diagnoses, notes), and for other entries unless their own date lies
// outside the visit (a problem noted years ago is not from this visit).
func (c *conv) linkVisit(m map[string]any) {
	enc := c.encRef
	if c.encHere != nil {
		enc = c.encHere
	}
	if enc == nil {
		return
	}
	typ, _ := m["resourceType"].(string)
	field := encounterField[typ]
	if field == "" {
		return
	}
	if typ == "DocumentReference" {
		ctx, _ := m["context"].(map[string]any)
		if ctx == nil {
			ctx = map[string]any{}
			m["context"] = ctx
		}
		if ctx["encounter"] == nil {
			ctx["encounter"] = []any{enc}
		}
		return
	}
	if m[field] != nil {
		return
	}
	if c.encHere == nil && !(typ == "Condition" && conditionCategory(m) == "encounter-diagnosis") && !c.duringVisit(entryDate(m)) {
		return
	}
	m[field] = enc
}

func conditionCategory(m map[string]any) string {
	cs, _ := m["category"].([]any)
	for _, x := range cs {
		if cc, ok := x.(map[string]any); ok {
			if cd, ok := cc["coding"].([]any); ok && len(cd) > 0 {
				if code, ok := cd[0].(map[string]any)["code"].(string); ok {
					return code
				}
			}
		}
	}
	return ""
}

// entryDate is the clinical date of a resource being built ("" if none).
func entryDate(m map[string]any) string {
	for _, k := range []string{"effectiveDateTime", "onsetDateTime", "performedDateTime", "occurrenceDateTime", "authoredOn"} {
		if s, ok := m[k].(string); ok {
			return s
		}
	}
	for _, k := range []string{"effectivePeriod", "performedPeriod", "occurrencePeriod"} {
		if p, ok := m[k].(map[string]any); ok {
			if s, ok := p["start"].(string); ok {
				return s
			}
			if s, ok := p["end"].(string); ok {
				return s
			}
		}
	}
	return ""
}

// duringVisit reports whether a FHIR date falls within the visit's days
// (true when either is unknown).
func (c *conv) duringVisit(d string) bool {
	if d == "" || c.encStart == "" {
		return true
	}
	end := c.encEnd
	if end == "" {
		end = c.encStart
	}
	return cmpDay(d, c.encStart) >= 0 && cmpDay(d, end) <= 0
}

// cmpDay compares two FHIR dates at the precision both have (up to the day).
func cmpDay(a, b string) int {
	n := min(len(a), len(b), 10)
	return strings.Compare(a[:n], b[:n])
}

// periodMap is a FHIR Period of start and end (either may be empty), nil
// when both are.
func periodMap(start, end string) map[string]any {
	if start == "" && end == "" {
		return nil
	}
	p := map[string]any{}
	if start != "" {
		p["start"] = start
	}
	if end != "" {
		p["end"] = end
	}
	return p
}
