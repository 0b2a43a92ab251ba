package record

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"backpack/internal/fhir"
)

// Errors of Project. None of them carries a value from the resource.
var (
	// ErrPatientResource is returned for a Patient: it describes a
	// profile, not an entry (see ProfileFromPatient).
	ErrPatientResource = errors.New("record: a Patient resource is a profile, not an entry")
	errNotObject       = errors.New("record: resource is not a JSON object")
)

// Limits that keep projections (and so vault headers) small.
const (
	maxTitle = 160 // runes
	maxText  = 240 // runes
	maxCodes = 6
)

// Project derives the projection of any FHIR R4 resource: what lists,
// timeline, search and the summary need. Unknown resource types become
// KindOther with a best-effort title. It never panics; it fails only on
// JSON that is not an object, and for Patient (ErrPatientResource).
func Project(r fhir.Resource) (Projection, error) {
	t, root, _, ok := parseTree(r.JSON)
	defer t.release()
	if !ok {
		return projectMap(r)
	}
	p, err := projectObj(root, r.Type)
	p.detach()
	return p, err
}

// projectMap is Project for JSON the tree parser leaves to encoding/json
// (invalid, not an object, or nested very deeply): it gives the errors.
func projectMap(r fhir.Resource) (Projection, error) {
	m, err := decodeObj(r.JSON)
	if err != nil {
		return Projection{}, jsonError(err)
	}
	return projectObj(m, r.Type)
}

// detach copies the projection's strings, which may share the memory of a
// parsed tree's source, into one new string.
func (p *Projection) detach() {
	fields := [...]*string{&p.Title, &p.Text, &p.Status, &p.Unit, &p.Interp, &p.Who, &p.Comparator}
	n := 0
	for _, f := range fields {
		n += len(*f)
	}
	for _, c := range p.Codes {
		n += len(c.System) + len(c.Code) + len(c.Display)
	}
	var b strings.Builder
	b.Grow(n)
	for _, f := range fields {
		b.WriteString(*f)
	}
	for _, c := range p.Codes {
		b.WriteString(c.System)
		b.WriteString(c.Code)
		b.WriteString(c.Display)
	}
	all, off := b.String(), 0
	take := func(s *string) {
		*s, off = all[off:off+len(*s)], off+len(*s)
	}
	for _, f := range fields {
		take(f)
	}
	for i := range p.Codes {
		c := &p.Codes[i]
		take(&c.System)
		take(&c.Code)
		take(&c.Display)
	}
}

// jsonError describes a JSON decoding error by byte offset only.
func jsonError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("record: resource is not valid JSON (byte %d)", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) || errors.Is(err, errNotObject) {
		return errNotObject
	}
	return errors.New("record: resource is not valid JSON")
}

func projectObj(m any, typ string) (p Projection, err error) {
	if t := str(m, "resourceType"); t != "" {
		typ = t
	}
	switch typ {
	case "Patient":
		return Projection{}, ErrPatientResource
	case "Encounter":
		p = projectEncounter(m)
	case "Observation":
		p = projectObservation(m)
	case "Condition":
		p = projectCondition(m)
	case "AllergyIntolerance":
		p = projectAllergy(m)
	case "MedicationStatement", "MedicationRequest", "MedicationAdministration", "MedicationDispense":
		p = projectMedication(m, typ)
	case "Immunization":
		p = projectImmunization(m)
	case "Procedure":
		p = projectProcedure(m)
	case "DiagnosticReport":
		p = projectReport(m)
	case "ImagingStudy":
		p = projectImagingStudy(m)
	case "DocumentReference":
		p = projectDocument(m)
	case "Composition":
		p = projectComposition(m)
	case "Media":
		p = projectMedia(m)
	case "Binary":
		p = projectBinary(m)
	case "CarePlan":
		p = projectCarePlan(m)
	case "Goal":
		p = projectGoal(m)
	case "ServiceRequest":
		p = projectServiceRequest(m)
	case "FamilyMemberHistory":
		p = projectFamilyHistory(m)
	case "DeviceUseStatement", "Device":
		p = projectDevice(m, typ)
	case "Practitioner", "PractitionerRole", "Organization", "CareTeam":
		p = projectCareTeam(m, typ)
	case "Coverage":
		p = projectCoverage(m)
	case "RelatedPerson":
		p = projectRelatedPerson(m)
	default:
		if BillingTypes[typ] {
			p = projectBilling(m, typ)
			break
		}
		p = projectOther(m, typ)
	}
	p.Title = clip(oneLine(p.Title), maxTitle)
	p.Text = clip(oneLine(p.Text), maxText)
	p.Who = clip(oneLine(p.Who), maxTitle)
	p.Status = clip(p.Status, 40)
	p.Unit = clip(p.Unit, 40)
	p.Interp = clip(oneLine(p.Interp), 40)
	p.Comparator = clip(p.Comparator, 2)
	if len(p.Codes) > maxCodes {
		p.Codes = p.Codes[:maxCodes]
	}
	for i := range p.Codes {
		p.Codes[i].System = clip(p.Codes[i].System, 120)
		p.Codes[i].Code = clip(p.Codes[i].Code, 60)
		p.Codes[i].Display = clip(oneLine(p.Codes[i].Display), maxTitle)
	}
	if p.Title == "" && p.Kind == KindOther {
		p.Title = clip(typ, maxTitle)
	}
	return p, nil
}

// dateOf reads the first parseable date among the paths into p.Date.
func (p *Projection) dateOf(m any, paths ...[]any) {
	for _, path := range paths {
		if t, prec, ok := ParseDate(str(m, path...)); ok {
			p.Date, p.DatePrecision = t, prec
			return
		}
	}
}

// endOf reads the first parseable date among the paths into p.End.
func (p *Projection) endOf(m any, paths ...[]any) {
	for _, path := range paths {
		if t, _, ok := ParseDate(str(m, path...)); ok {
			p.End = t
			return
		}
	}
}

func path(keys ...any) []any { return keys }

func projectEncounter(m any) Projection {
	p := Projection{Kind: KindVisit, Status: str(m, "status")}
	p.dateOf(m, path("period", "start"), path("period", "end"))
	p.endOf(m, path("period", "end"))
	for _, t := range arr(m, "type") {
		if p.Title = conceptTitle(t); p.Title != "" {
			p.Codes = conceptCodes(t)
			break
		}
	}
	reason := joinConcepts(arr(m, "reasonCode"), 2)
	if reason == "" {
		reason = joinRefs(arr(m, "reasonReference"), 2)
	}
	if p.Title == "" {
		p.Title = conceptTitle(get(m, "serviceType"))
	}
	if p.Title == "" {
		p.Title, reason = reason, ""
	}
	if p.Title == "" {
		p.Title = strings.TrimSpace(str(m, "class", "display"))
	}
	p.Text = joinText(reason, extString(m, extVisitSummary))
	p.Who = firstNonEmpty(refName(get(m, "serviceProvider")),
		refName(get(m, "participant", 0, "individual")), refName(get(m, "location", 0, "location")))
	return p
}

func projectObservation(m any) Projection {
	p := Projection{Kind: observationKind(m), Status: str(m, "status")}
	p.Title = conceptTitle(get(m, "code"))
	p.Codes = conceptCodes(get(m, "code"))
	p.dateOf(m, path("effectiveDateTime"), path("effectivePeriod", "start"), path("effectiveInstant"),
		path("effectiveTiming", "event", 0), path("issued"))
	p.Who = refName(get(m, "performer", 0))
	v, text := observationValue(m)
	p.Text = text
	if v != nil {
		p.Value, p.Value2, p.Unit, p.Comparator = &v.value, v.value2, v.unit, v.comparator
	}
	if lo, ok := num(m, "referenceRange", 0, "low", "value"); ok && finite(lo) {
		p.RefLow = &lo
	}
	if hi, ok := num(m, "referenceRange", 0, "high", "value"); ok && finite(hi) {
		p.RefHigh = &hi
	}
	if v != nil && (v.value2 != nil || get(m, "valueQuantity") != nil) {
		p.Text = p.ValueText() // Backpack's one rule, with the range known
	}
	if p.RefLow == nil && p.RefHigh == nil {
		if rt := strings.TrimSpace(str(m, "referenceRange", 0, "text")); rt != "" && p.Text != "" {
			p.Text += " (" + rt + ")"
		}
	}
	p.Interp = interpretation(m)
	if p.Interp == "" {
		p.Interp = componentInterpretation(m) // a panel's flags are its parts'
	}
	if p.Interp == "" && p.Value != nil && p.Value2 == nil {
		p.Interp = computeInterp(*p.Value, p.RefLow, p.RefHigh)
	}
	if p.Text == "" {
		if n := len(arr(m, "hasMember")); n > 0 {
			p.Text = joinRefs(arr(m, "hasMember"), 3)
		}
	}
	return p
}

// LOINC codes of common vital signs, for kind detection and manual entry.
const (
	loincBPPanel    = "85354-9"
	loincSystolic   = "8480-6"
	loincDiastolic  = "8462-4"
	loincVitalPanel = "85353-1"
)

var vitalLOINC = map[string]bool{
	loincBPPanel: true, "55284-4": true, loincSystolic: true, loincDiastolic: true, "29463-7": true,
	"3141-9": true, "8302-2": true, "8306-3": true, "8310-5": true, "8867-4": true, "9279-1": true,
	"59408-5": true, "2708-6": true, "39156-5": true, "9843-4": true, "8287-5": true, "8280-0": true,
	loincVitalPanel: true,
}

var socialLOINC = map[string]bool{"72166-2": true, "11367-0": true, "74013-4": true, "76689-9": true}

func observationKind(m any) Kind {
	for _, c := range arr(m, "category") {
		switch {
		case conceptHas(c, "laboratory", "lab"):
			return KindLab
		case conceptHas(c, "vital-signs", "vital-sign", "vital signs"):
			return KindVital
		case conceptHas(c, "social-history"):
			return KindSocial
		case conceptHas(c, "imaging"):
			return KindImaging
		case conceptHas(c, "functional-status", "cognitive-status", "disability-status"):
			return KindAssessment
		}
	}
	for _, c := range arr(m, "code", "coding") {
		code := str(c, "code")
		if vitalLOINC[code] {
			return KindVital
		}
		if socialLOINC[code] {
			return KindSocial
		}
	}
	if len(arr(m, "category")) == 0 && get(m, "valueQuantity") != nil {
		return KindLab // uncategorised numeric results are nearly always labs
	}
	for _, c := range arr(m, "category") {
		if conceptHas(c, "survey") {
			return KindAssessment // questionnaires and scores (PHQ-9, Glasgow)
		}
	}
	return KindOther
}

type quantity struct {
	value      float64
	value2     *float64 // the diastolic of a blood pressure
	unit       string
	comparator string
}

// observationValue returns the numeric value (if any) and a one-line text.
func observationValue(m any) (*quantity, string) {
	if q, ok := quantityOf(get(m, "valueQuantity")); ok {
		return q, "" // the caller writes it, with the reference range
	}
	if s := valueText(m); s != "" {
		return nil, s
	}
	comps := arr(m, "component")
	if len(comps) == 0 {
		return nil, ""
	}
	// Blood pressure: "125/75 mmHg"; Value is the systolic, Value2 the diastolic.
	var sys, dia any
	for _, c := range comps {
		switch {
		case conceptHas(get(c, "code"), loincSystolic):
			sys = c
		case conceptHas(get(c, "code"), loincDiastolic):
			dia = c
		}
	}
	if sys != nil && dia != nil {
		sq, ok1 := quantityOf(get(sys, "valueQuantity"))
		dq, ok2 := quantityOf(get(dia, "valueQuantity"))
		if ok1 && ok2 && sq.comparator == "" && dq.comparator == "" {
			sq.value2 = &dq.value
			// Both numbers of LOINC 8480-6 and 8462-4 are in mmHg, also
			// when a source (older Synthea) leaves the unit out.
			sq.unit = firstNonEmpty(sq.unit, dq.unit, "mmHg")
			return sq, ""
		}
	}
	var parts []string
	var first *quantity
	for _, c := range comps {
		var vt string
		if q, ok := quantityOf(get(c, "valueQuantity")); ok {
			vt = q.text()
			if first == nil {
				first = q
			}
		} else {
			vt = valueText(c)
		}
		if vt == "" {
			continue
		}
		if name := conceptTitle(get(c, "code")); name != "" {
			vt = name + ": " + vt
		}
		parts = append(parts, vt)
		if len(parts) == 4 {
			break
		}
	}
	if len(parts) == 1 && first != nil {
		return first, parts[0]
	}
	return nil, strings.Join(parts, "; ")
}

// quantityOf reads a Quantity: value, display unit and comparator.
func quantityOf(q any) (*quantity, bool) {
	v, ok := num(q, "value")
	if !ok || !finite(v) {
		return nil, false
	}
	qt := &quantity{value: v, unit: prettyUnit(firstNonEmpty(str(q, "unit"), str(q, "code")))}
	if c := str(q, "comparator"); c == "<" || c == "<=" || c == ">=" || c == ">" {
		qt.comparator = c
	}
	return qt, true
}

// text is the quantity as people read it ("< 5.4 %"), by FormatValue
// without a range.
func (q *quantity) text() string {
	return Projection{Value: &q.value, Unit: q.unit, Comparator: q.comparator}.ValueText()
}

// valueText renders the non-Quantity value[x] of an Observation or component.
func valueText(m any) string {
	if s := conceptTitle(get(m, "valueCodeableConcept")); s != "" {
		return s
	}
	if s := strings.TrimSpace(str(m, "valueString")); s != "" {
		return s
	}
	if b, ok := boolAt(m, "valueBoolean"); ok {
		if b {
			return "yes"
		}
		return "no"
	}
	if s := numText(m, "valueInteger"); s != "" {
		return s
	}
	if r := objAny(m, "valueRange"); r != nil {
		lo, ok1 := quantityOf(get(r, "low"))
		hi, ok2 := quantityOf(get(r, "high"))
		if ok1 && ok2 {
			unit := firstNonEmpty(hi.unit, lo.unit)
			return withUnit(FormatValue(lo.value, unit, nil, nil)+"–"+FormatValue(hi.value, unit, nil, nil), unit)
		}
	}
	if r := objAny(m, "valueRatio"); r != nil {
		n, ok1 := num(r, "numerator", "value")
		d, ok2 := num(r, "denominator", "value")
		if ok1 && ok2 && finite(n) && finite(d) {
			return FormatValue(n, "", nil, nil) + ":" + FormatValue(d, "", nil, nil)
		}
	}
	for _, k := range []string{"valueDateTime", "valueTime"} {
		if s := str(m, k); s != "" {
			return s
		}
	}
	if f, ok := num(m, "valueDecimal"); ok && finite(f) {
		return FormatValue(f, "", nil, nil)
	}
	return ""
}

// interpretation returns the result's flag as the source gives it (see
// normInterp): the first interpretation that says anything.
func interpretation(m any) string {
	for _, i := range arr(m, "interpretation") {
		text := str(i, "text")
		for _, c := range arr(i, "coding") {
			if s := normInterp(str(c, "code"), str(c, "display"), text); s != "" {
				return s
			}
		}
		if s := normInterp("", "", text); s != "" {
			return s
		}
	}
	return ""
}

// componentInterpretation is, for an observation made of components (a
// blood pressure, a panel), the flag of a component: the first that is not
// normal, else the first given; so that no flag a source gave is dropped.
func componentInterpretation(m any) string {
	first := ""
	for _, c := range arr(m, "component") {
		s := interpretation(c)
		if level, _ := InterpFlag(s); FlagShown(level) {
			return s
		}
		if first == "" {
			first = s
		}
	}
	return first
}

// computeInterp flags a value against its reference range: "H", "L", "N",
// or "" when there is no range.
func computeInterp(v float64, lo, hi *float64) string {
	switch {
	case hi != nil && v > *hi:
		return "H"
	case lo != nil && v < *lo:
		return "L"
	case lo != nil || hi != nil:
		return "N"
	}
	return ""
}

func projectCondition(m any) Projection {
	p := Projection{Kind: KindCondition}
	p.Title = conceptTitle(get(m, "code"))
	p.Codes = conceptCodes(get(m, "code"))
	p.Status = statusCode(get(m, "clinicalStatus"))
	p.dateOf(m, path("onsetDateTime"), path("onsetPeriod", "start"), path("onsetString"), path("recordedDate"))
	p.endOf(m, path("abatementDateTime"), path("abatementPeriod", "end"), path("abatementPeriod", "start"))
	var parts []string
	if v := statusCode(get(m, "verificationStatus")); v != "" && v != "confirmed" {
		parts = append(parts, v)
	}
	parts = append(parts, conceptTitle(get(m, "severity")), joinConcepts(arr(m, "bodySite"), 2), noteText(m))
	p.Text = joinText(parts...)
	p.Who = firstNonEmpty(refName(get(m, "asserter")), refName(get(m, "recorder")))
	return p
}

func projectAllergy(m any) Projection {
	p := Projection{Kind: KindAllergy}
	p.Title = conceptTitle(get(m, "code"))
	if p.Title == "" {
		p.Title = conceptTitle(get(m, "reaction", 0, "substance"))
	}
	p.Codes = conceptCodes(get(m, "code"))
	p.Status = statusCode(get(m, "clinicalStatus"))
	if v := statusCode(get(m, "verificationStatus")); v == "entered-in-error" || v == "refuted" {
		p.Status = v
	}
	p.dateOf(m, path("onsetDateTime"), path("onsetPeriod", "start"), path("onsetString"), path("recordedDate"))
	var manif []string
	severity := ""
	for _, r := range arr(m, "reaction") {
		for _, mf := range arr(r, "manifestation") {
			if s := conceptTitle(mf); s != "" && len(manif) < 4 {
				manif = append(manif, s)
			}
		}
		if severity == "" {
			severity = str(r, "severity")
		}
	}
	text := strings.Join(manif, ", ")
	if severity != "" {
		text = joinText(text, severity)
	}
	if c := str(m, "criticality"); c == "high" {
		text = joinText(text, "criticality high")
	}
	p.Text = text
	p.Who = firstNonEmpty(refName(get(m, "asserter")), refName(get(m, "recorder")))
	return p
}

func projectMedication(m any, typ string) Projection {
	p := Projection{Kind: KindMedication, Status: str(m, "status")}
	p.Title, p.Codes = medicationName(m)
	var dose any
	switch typ {
	case "MedicationRequest":
		p.dateOf(m, path("dispenseRequest", "validityPeriod", "start"), path("authoredOn"))
		p.endOf(m, path("dispenseRequest", "validityPeriod", "end"))
		dose = get(m, "dosageInstruction", 0)
		p.Who = refName(get(m, "requester"))
	case "MedicationStatement":
		p.dateOf(m, path("effectivePeriod", "start"), path("effectiveDateTime"), path("dateAsserted"))
		p.endOf(m, path("effectivePeriod", "end"))
		dose = get(m, "dosage", 0)
		p.Who = refName(get(m, "informationSource"))
	case "MedicationAdministration":
		p.dateOf(m, path("effectivePeriod", "start"), path("effectiveDateTime"))
		p.endOf(m, path("effectivePeriod", "end"))
		p.Text = strings.TrimSpace(str(m, "dosage", "text"))
		p.Who = refName(get(m, "performer", 0, "actor"))
	case "MedicationDispense":
		p.dateOf(m, path("whenHandedOver"), path("whenPrepared"))
		dose = get(m, "dosageInstruction", 0)
		p.Who = refName(get(m, "performer", 0, "actor"))
	}
	if dose != nil {
		p.Text = joinText(strings.TrimSpace(str(dose, "text")), conceptTitle(get(dose, "timing", "code")),
			strings.TrimSpace(str(dose, "patientInstruction")))
	}
	return p
}

// medicationName names the medication of a resource: its concept, the
// contained Medication it references, or the reference's display.
func medicationName(m any) (string, []Code) {
	if t := conceptTitle(get(m, "medicationCodeableConcept")); t != "" {
		return t, conceptCodes(get(m, "medicationCodeableConcept"))
	}
	ref := objAny(m, "medicationReference")
	if r := str(ref, "reference"); strings.HasPrefix(r, "#") {
		for _, c := range arr(m, "contained") {
			if str(c, "resourceType") == "Medication" && "#"+str(c, "id") == r {
				if t := conceptTitle(get(c, "code")); t != "" {
					return t, conceptCodes(get(c, "code"))
				}
			}
		}
	}
	return refName(ref), nil
}

func projectImmunization(m any) Projection {
	p := Projection{Kind: KindImmunization, Status: str(m, "status")}
	p.Title = conceptTitle(get(m, "vaccineCode"))
	p.Codes = conceptCodes(get(m, "vaccineCode"))
	p.dateOf(m, path("occurrenceDateTime"), path("occurrenceString"), path("recorded"))
	dose := firstNonEmpty(numText(m, "protocolApplied", 0, "doseNumberPositiveInt"), str(m, "protocolApplied", 0, "doseNumberString"))
	p.Text = joinText(dose, str(m, "lotNumber"), conceptTitle(get(m, "site")))
	p.Who = firstNonEmpty(refName(get(m, "performer", 0, "actor")), refName(get(m, "location")))
	return p
}

func projectProcedure(m any) Projection {
	p := Projection{Kind: KindProcedure, Status: str(m, "status")}
	p.Title = conceptTitle(get(m, "code"))
	p.Codes = conceptCodes(get(m, "code"))
	p.dateOf(m, path("performedDateTime"), path("performedPeriod", "start"), path("performedString"))
	p.endOf(m, path("performedPeriod", "end"))
	p.Text = joinText(joinConcepts(arr(m, "reasonCode"), 2), joinConcepts(arr(m, "bodySite"), 2),
		conceptTitle(get(m, "outcome")), noteText(m))
	p.Who = firstNonEmpty(refName(get(m, "performer", 0, "actor")), refName(get(m, "location")))
	return p
}

// Imaging categories of DiagnosticReport (HL7 v2 table 0074 and LOINC).
var imagingCategories = []string{"RAD", "RX", "CT", "NMR", "NMS", "VUS", "CUS", "OUS", "MR", "US", "LP29684-5", "imaging", "radiology"}

func projectReport(m any) Projection {
	p := Projection{Kind: KindReport, Status: str(m, "status")}
	for _, c := range arr(m, "category") {
		if conceptHas(c, imagingCategories...) {
			p.Kind = KindImaging
		}
	}
	p.Title = conceptTitle(get(m, "code"))
	p.Codes = conceptCodes(get(m, "code"))
	p.dateOf(m, path("effectiveDateTime"), path("effectivePeriod", "start"), path("issued"))
	p.Text = strings.TrimSpace(str(m, "conclusion"))
	if p.Text == "" {
		p.Text = joinConcepts(arr(m, "conclusionCode"), 3)
	}
	if p.Text == "" {
		p.Text = joinRefs(arr(m, "result"), 3)
	}
	p.Who = firstNonEmpty(refName(get(m, "performer", 0)), refName(get(m, "resultsInterpreter", 0)))
	return p
}

func projectImagingStudy(m any) Projection {
	p := Projection{Kind: KindImaging, Status: str(m, "status")}
	var modalities, sites []string
	seen := map[string]bool{}
	for _, mod := range arr(m, "modality") {
		if s := firstNonEmpty(str(mod, "display"), str(mod, "code")); s != "" && !seen[s] {
			seen[s] = true
			modalities = append(modalities, s)
		}
	}
	for _, s := range arr(m, "series") {
		if mod := firstNonEmpty(str(s, "modality", "display"), str(s, "modality", "code")); mod != "" && !seen[mod] && len(modalities) < 4 {
			seen[mod] = true
			modalities = append(modalities, mod)
		}
		if b := firstNonEmpty(str(s, "bodySite", "display"), str(s, "bodySite", "code")); b != "" && !seen[b] && len(sites) < 3 {
			seen[b] = true
			sites = append(sites, b)
		}
	}
	p.Title = firstNonEmpty(strings.TrimSpace(str(m, "description")), joinConcepts(arr(m, "procedureCode"), 1),
		strings.TrimSpace(strings.Join(append(append([]string(nil), modalities...), sites...), " ")))
	for _, pc := range arr(m, "procedureCode") {
		p.Codes = append(p.Codes, conceptCodes(pc)...)
	}
	p.dateOf(m, path("started"))
	p.Text = joinText(strings.Join(modalities, ", "), strings.Join(sites, ", "), noteText(m))
	p.Who = refName(get(m, "referrer"))
	if p.Who == "" {
		p.Who = refName(get(m, "interpreter", 0))
	}
	return p
}

// LOINC document types that are clinician notes.
var noteTypes = []string{"11506-3", "18842-5", "34117-2", "11488-4", "28570-0", "34109-9", "51845-6", "34111-5",
	"57133-1", "11504-8", "34746-8", "68608-9", "clinical-note", "progress note", "note"}

func projectDocument(m any) Projection {
	p := Projection{Kind: KindDocument, Status: firstNonEmpty(str(m, "docStatus"), str(m, "status"))}
	for _, c := range arr(m, "category") {
		if conceptHas(c, "clinical-note") {
			p.Kind = KindClinicianNote
		}
	}
	if conceptHas(get(m, "type"), noteTypes...) {
		p.Kind = KindClinicianNote
	}
	att := objAny(m, "content", 0, "attachment")
	p.Title = firstNonEmpty(strings.TrimSpace(str(m, "description")), strings.TrimSpace(str(att, "title")), conceptTitle(get(m, "type")))
	p.Codes = conceptCodes(get(m, "type"))
	p.dateOf(m, path("context", "period", "start"), path("date"), path("content", 0, "attachment", "creation"))
	p.Text = attachmentText(att)
	if p.Text == "" && p.Title != conceptTitle(get(m, "type")) {
		p.Text = conceptTitle(get(m, "type"))
	}
	p.Who = firstNonEmpty(refName(get(m, "author", 0)), refName(get(m, "custodian")))
	return p
}

// attachmentText decodes a small plain-text attachment (the start of it).
func attachmentText(att any) string {
	ct := strings.ToLower(str(att, "contentType"))
	if !strings.HasPrefix(ct, "text/plain") {
		return ""
	}
	data := str(att, "data")
	if len(data) > 4*maxText {
		data = data[:4*maxText]
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		var cerr base64.CorruptInputError
		if !errors.As(err, &cerr) {
			return ""
		}
		b, _ = base64.StdEncoding.DecodeString(data[:int(cerr)/4*4])
	}
	if !utf8.Valid(b) {
		b = []byte(strings.ToValidUTF8(string(b), ""))
	}
	return string(b)
}

func projectComposition(m any) Projection {
	p := Projection{Kind: KindDocument, Status: str(m, "status")}
	if conceptHas(get(m, "type"), noteTypes...) {
		p.Kind = KindClinicianNote
	}
	for _, c := range arr(m, "category") {
		if conceptHas(c, "clinical-note") {
			p.Kind = KindClinicianNote
		}
	}
	p.Title = firstNonEmpty(strings.TrimSpace(str(m, "title")), conceptTitle(get(m, "type")))
	p.Codes = conceptCodes(get(m, "type"))
	p.dateOf(m, path("date"))
	var sections []string
	for _, s := range arr(m, "section") {
		if t := strings.TrimSpace(str(s, "title")); t != "" && len(sections) < 6 {
			sections = append(sections, t)
		}
	}
	p.Text = strings.Join(sections, ", ")
	p.Who = firstNonEmpty(refName(get(m, "author", 0)), refName(get(m, "custodian")))
	return p
}

func projectCarePlan(m any) Projection {
	p := Projection{Kind: KindCarePlan, Status: str(m, "status")}
	p.Title = strings.TrimSpace(str(m, "title"))
	cats := arr(m, "category")
	for i := len(cats) - 1; i >= 0 && p.Title == ""; i-- { // the most specific category comes last
		if !conceptHas(cats[i], "assess-plan") {
			p.Title = conceptTitle(cats[i])
			p.Codes = conceptCodes(cats[i])
		}
	}
	if p.Title == "" {
		p.Title = strings.TrimSpace(str(m, "description"))
	}
	p.dateOf(m, path("period", "start"), path("created"))
	p.endOf(m, path("period", "end"))
	var acts []string
	for _, a := range arr(m, "activity") {
		if s := firstNonEmpty(conceptTitle(get(a, "detail", "code")), strings.TrimSpace(str(a, "detail", "description"))); s != "" && len(acts) < 4 {
			acts = append(acts, s)
		}
	}
	p.Text = joinText(strings.Join(acts, ", "), joinRefs(arr(m, "addresses"), 2))
	p.Who = refName(get(m, "author"))
	return p
}

func projectGoal(m any) Projection {
	p := Projection{Kind: KindCarePlan, Status: str(m, "lifecycleStatus")}
	p.Title = conceptTitle(get(m, "description"))
	p.Codes = conceptCodes(get(m, "description"))
	p.dateOf(m, path("startDate"), path("statusDate"), path("target", 0, "dueDate"))
	p.endOf(m, path("target", 0, "dueDate"))
	p.Text = joinText(conceptTitle(get(m, "achievementStatus")), noteText(m))
	p.Who = refName(get(m, "expressedBy"))
	return p
}

func projectCareTeam(m any, typ string) Projection {
	p := Projection{Kind: KindCareTeam}
	if a, ok := boolAt(m, "active"); ok && !a {
		p.Status = "inactive"
	}
	tel := arr(m, "telecom")
	switch typ {
	case "Practitioner":
		p.Title = firstName(arr(m, "name"))
		var quals []string
		for _, q := range arr(m, "qualification") {
			if s := conceptTitle(get(q, "code")); s != "" && len(quals) < 2 {
				quals = append(quals, s)
			}
		}
		p.Text = joinText(strings.Join(quals, ", "), telecom(tel, "phone"))
	case "PractitionerRole":
		p.Title = firstNonEmpty(refName(get(m, "practitioner")), refName(get(m, "organization")), joinConcepts(arr(m, "code"), 1))
		p.Text = joinText(joinConcepts(arr(m, "code"), 2), joinConcepts(arr(m, "specialty"), 2), telecom(tel, "phone"))
		p.Who = refName(get(m, "organization"))
		for _, c := range arr(m, "specialty") {
			p.Codes = append(p.Codes, conceptCodes(c)...)
		}
	case "Organization":
		p.Title = strings.TrimSpace(str(m, "name"))
		p.Text = joinText(joinConcepts(arr(m, "type"), 1), telecom(tel, "phone"))
	case "CareTeam":
		p.Title = strings.TrimSpace(str(m, "name"))
		var members []string
		for _, part := range arr(m, "participant") {
			if s := refName(get(part, "member")); s != "" && len(members) < 4 {
				members = append(members, s)
			}
		}
		if p.Title == "" && len(members) > 0 {
			p.Title = members[0]
		}
		p.Text = strings.Join(members, ", ")
		p.Status = firstNonEmpty(str(m, "status"), p.Status)
		p.dateOf(m, path("period", "start"))
		p.endOf(m, path("period", "end"))
	}
	return p
}

func projectCoverage(m any) Projection {
	p := Projection{Kind: KindInsurance, Status: str(m, "status")}
	var plan string
	for _, c := range arr(m, "class") {
		if conceptHas(get(c, "type"), "plan") {
			plan = firstNonEmpty(str(c, "name"), str(c, "value"))
		}
	}
	p.Who = refName(get(m, "payor", 0))
	p.Title = firstNonEmpty(p.Who, plan, conceptTitle(get(m, "type")))
	if p.Title == plan {
		plan = ""
	}
	p.Text = joinText(plan, conceptTitle(get(m, "type")))
	p.Codes = conceptCodes(get(m, "type"))
	p.dateOf(m, path("period", "start"))
	p.endOf(m, path("period", "end"))
	return p
}

func projectRelatedPerson(m any) Projection {
	p := Projection{Kind: KindEmergencyContact}
	if a, ok := boolAt(m, "active"); ok && !a {
		p.Status = "inactive"
	}
	p.Title = firstName(arr(m, "name"))
	var rel []any
	for _, c := range arr(m, "relationship") {
		if !isEmergencyRole(c) {
			rel = append(rel, c)
		}
	}
	p.Text = joinText(joinConcepts(rel, 2), telecom(arr(m, "telecom"), "phone"))
	return p
}

// BillingTypes are the FHIR R4 financial resources (claims, payments,
// accounts) that become KindBilling. Coverage is KindInsurance.
var BillingTypes = map[string]bool{
	"Account": true, "ChargeItem": true, "ChargeItemDefinition": true, "Claim": true, "ClaimResponse": true,
	"CoverageEligibilityRequest": true, "CoverageEligibilityResponse": true, "EnrollmentRequest": true,
	"EnrollmentResponse": true, "ExplanationOfBenefit": true, "InsurancePlan": true, "Invoice": true,
	"PaymentNotice": true, "PaymentReconciliation": true,
}

// projectBilling titles a billing resource by what it bills for (the first
// item's service), and says what it is and its amount in Text.
func projectBilling(m any, typ string) Projection {
	p := projectOther(m, typ)
	p.Kind = KindBilling
	fromItem := false
	for _, it := range arr(m, "item") {
		if t := conceptTitle(get(it, "productOrService")); t != "" {
			p.Title, fromItem = t, true
			break
		}
	}
	if !fromItem {
		p.Title = typeWords(typ)
	}
	amount := money(get(m, "total"))
	if amount == "" {
		for _, t := range arr(m, "total") { // ExplanationOfBenefit: total[].amount
			if amount = money(get(t, "amount")); amount != "" {
				break
			}
		}
	}
	for _, k := range []string{"totalGross", "amount", "paymentAmount"} {
		if amount == "" {
			amount = money(get(m, k))
		}
	}
	p.Text = amount
	if fromItem {
		p.Text = joinText(typeWords(typ), amount)
	}
	p.Who = firstNonEmpty(str(m, "provider", "display"), str(m, "insurer", "display"), str(m, "issuer", "display"))
	return p
}

// money is a FHIR Money as written: "125 USD".
func money(v any) string {
	n := numText(v, "value")
	if n == "" {
		return ""
	}
	return strings.TrimSpace(n + " " + str(v, "currency"))
}

// typeWords spells a resource type as words: "ExplanationOfBenefit" →
// "Explanation of benefit".
func typeWords(typ string) string {
	var b strings.Builder
	for i, r := range typ {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func projectOther(m any, typ string) Projection {
	p := Projection{Kind: KindOther, Status: str(m, "status")}
	for _, k := range []string{"code", "type", "vaccineCode", "medicationCodeableConcept", "description"} {
		if t := conceptTitle(get(m, k)); t != "" {
			p.Title = t
			p.Codes = conceptCodes(get(m, k))
			break
		}
	}
	if p.Title == "" {
		if types := arr(m, "type"); len(types) > 0 {
			p.Title = joinConcepts(types, 1)
		}
	}
	if p.Title == "" {
		switch n := get(m, "name"); {
		case isArr(n):
			p.Title = firstName(arr(n))
		default:
			p.Title, _ = asStr(n)
		}
	}
	if p.Title == "" {
		p.Title = firstNonEmpty(strings.TrimSpace(str(m, "title")), strings.TrimSpace(str(m, "description")))
	}
	if p.Title != "" && p.Title != typ {
		p.Text = typ
	}
	p.dateOf(m, path("effectiveDateTime"), path("occurrenceDateTime"), path("date"), path("period", "start"),
		path("billablePeriod", "start"), path("authoredOn"), path("created"), path("issued"), path("recorded"),
		path("meta", "lastUpdated"))
	return p
}

// ProfileFromPatient derives a profile's name and birth date from a FHIR
// Patient; the resource is kept as the profile's canonical form.
func ProfileFromPatient(r fhir.Resource) (Profile, error) {
	m, err := decodeObj(r.JSON)
	if err != nil {
		return Profile{}, jsonError(err)
	}
	if t := str(m, "resourceType"); t != "Patient" {
		return Profile{}, errors.New("record: not a Patient resource")
	}
	return Profile{
		Name:      clip(oneLine(firstName(arr(m, "name"))), maxTitle),
		BirthDate: clip(str(m, "birthDate"), 10),
		Patient:   r,
	}, nil
}

// --- small text helpers

func statusCode(cc any) string {
	for _, c := range arr(cc, "coding") {
		if s := str(c, "code"); s != "" {
			return s
		}
	}
	return strings.ToLower(strings.TrimSpace(str(cc, "text")))
}

func joinConcepts(list []any, max int) string {
	var parts []string
	for _, c := range list {
		if s := conceptTitle(c); s != "" && len(parts) < max {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func joinRefs(list []any, max int) string {
	var parts []string
	for _, r := range list {
		if s := refName(r); s != "" && len(parts) < max {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func noteText(m any) string {
	return strings.TrimSpace(str(m, "note", 0, "text"))
}

// joinText joins the non-empty parts with " · ".
func joinText(parts ...string) string {
	return strings.Join(nonEmpty(parts...), " · ")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// clip cuts s to at most n runes, on a rune boundary, with an ellipsis.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	i, count := 0, 0
	for i < len(s) {
		if count == n-1 {
			return s[:i] + "…"
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		count++
	}
	return s
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// prettyUnit turns common UCUM codes into what people read.
func prettyUnit(u string) string {
	switch u {
	case "mm[Hg]":
		return "mmHg"
	case "Cel":
		return "°C"
	case "[degF]":
		return "°F"
	case "[lb_av]":
		return "lb"
	case "[in_i]":
		return "in"
	case "{beats}/min", "beats/min":
		return "/min"
	case "{breaths}/min":
		return "/min"
	}
	return strings.TrimSpace(u)
}

// extString reads a string extension by URL.
func extString(m any, url string) string {
	for _, e := range arr(m, "extension") {
		if str(e, "url") == url {
			return strings.TrimSpace(str(e, "valueString"))
		}
	}
	return ""
}

// isEmergencyRole reports whether a relationship concept is the v2-0131
// "emergency contact" role (implied by the kind, so not shown).
func isEmergencyRole(c any) bool {
	for _, cd := range arr(c, "coding") {
		if str(cd, "system") == sysV20131 && str(cd, "code") == "C" {
			return true
		}
	}
	return false
}
