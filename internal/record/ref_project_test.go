// The map-based projection and identity as of commit 82f8285 (project.go,
// identity.go, jsonpath.go), every top-level name prefixed "ref": the
// reference that ref_compare_test.go holds the tree-based code to. Frozen;
// do not edit.

package record

import (
	"backpack/internal/fhir"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

func refProject(r fhir.Resource) (Projection, error) {
	m, err := refDecodeObj(r.JSON)
	if err != nil {
		return Projection{}, refJsonError(err)
	}
	return refProjectObj(m, r.Type)
}

func refJsonError(err error) error {
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

func refProjectObj(m refObj, typ string) (p Projection, err error) {
	if t := refStr(m, "resourceType"); t != "" {
		typ = t
	}
	switch typ {
	case "Patient":
		return Projection{}, ErrPatientResource
	case "Encounter":
		p = refProjectEncounter(m)
	case "Observation":
		p = refProjectObservation(m)
	case "Condition":
		p = refProjectCondition(m)
	case "AllergyIntolerance":
		p = refProjectAllergy(m)
	case "MedicationStatement", "MedicationRequest", "MedicationAdministration", "MedicationDispense":
		p = refProjectMedication(m, typ)
	case "Immunization":
		p = refProjectImmunization(m)
	case "Procedure":
		p = refProjectProcedure(m)
	case "DiagnosticReport":
		p = refProjectReport(m)
	case "ImagingStudy":
		p = refProjectImagingStudy(m)
	case "DocumentReference":
		p = refProjectDocument(m)
	case "Composition":
		p = refProjectComposition(m)
	case "CarePlan":
		p = refProjectCarePlan(m)
	case "Goal":
		p = refProjectGoal(m)
	case "Practitioner", "PractitionerRole", "Organization", "CareTeam":
		p = refProjectCareTeam(m, typ)
	case "Coverage":
		p = refProjectCoverage(m)
	case "RelatedPerson":
		p = refProjectRelatedPerson(m)
	default:
		if BillingTypes[typ] {
			p = refProjectBilling(m, typ)
			break
		}
		p = refProjectOther(m, typ)
	}
	p.Title = refClip(refOneLine(p.Title), maxTitle)
	p.Text = refClip(refOneLine(p.Text), maxText)
	p.Who = refClip(refOneLine(p.Who), maxTitle)
	p.Status = refClip(p.Status, 40)
	p.Unit = refClip(p.Unit, 40)
	p.Interp = refClip(refOneLine(p.Interp), 40)
	p.Comparator = refClip(p.Comparator, 2)
	if len(p.Codes) > maxCodes {
		p.Codes = p.Codes[:maxCodes]
	}
	for i := range p.Codes {
		p.Codes[i].System = refClip(p.Codes[i].System, 120)
		p.Codes[i].Code = refClip(p.Codes[i].Code, 60)
		p.Codes[i].Display = refClip(refOneLine(p.Codes[i].Display), maxTitle)
	}
	if p.Title == "" && p.Kind == KindOther {
		p.Title = refClip(typ, maxTitle)
	}
	return p, nil
}

func (p *Projection) refDateOf(m refObj, paths ...[]any) {
	for _, refPath := range paths {
		if t, prec, ok := ParseDate(refStr(m, refPath...)); ok {
			p.Date, p.DatePrecision = t, prec
			return
		}
	}
}

func (p *Projection) refEndOf(m refObj, paths ...[]any) {
	for _, refPath := range paths {
		if t, _, ok := ParseDate(refStr(m, refPath...)); ok {
			p.End = t
			return
		}
	}
}

func refPath(keys ...any) []any { return keys }

func refProjectEncounter(m refObj) Projection {
	p := Projection{Kind: KindVisit, Status: refStr(m, "status")}
	p.refDateOf(m, refPath("period", "start"), refPath("period", "end"))
	p.refEndOf(m, refPath("period", "end"))
	for _, t := range refArr(m, "type") {
		if p.Title = refConceptTitle(t); p.Title != "" {
			p.Codes = refConceptCodes(t)
			break
		}
	}
	reason := refJoinConcepts(refArr(m, "reasonCode"), 2)
	if reason == "" {
		reason = refJoinRefs(refArr(m, "reasonReference"), 2)
	}
	if p.Title == "" {
		p.Title = refConceptTitle(m["serviceType"])
	}
	if p.Title == "" {
		p.Title, reason = reason, ""
	}
	if p.Title == "" {
		p.Title = strings.TrimSpace(refStr(m, "class", "display"))
	}
	p.Text = refJoinText(reason, refExtString(m, extVisitSummary))
	p.Who = refFirstNonEmpty(refRefName(m["serviceProvider"]),
		refRefName(refGet(m, "participant", 0, "individual")), refRefName(refGet(m, "location", 0, "location")))
	return p
}

func refProjectObservation(m refObj) Projection {
	p := Projection{Kind: refObservationKind(m), Status: refStr(m, "status")}
	p.Title = refConceptTitle(m["code"])
	p.Codes = refConceptCodes(m["code"])
	p.refDateOf(m, refPath("effectiveDateTime"), refPath("effectivePeriod", "start"), refPath("effectiveInstant"),
		refPath("effectiveTiming", "event", 0), refPath("issued"))
	p.Who = refRefName(refGet(m, "performer", 0))
	v, text := refObservationValue(m)
	p.Text = text
	if v != nil {
		val := v.value
		p.Value, p.Value2, p.Unit, p.Comparator = &val, v.value2, v.unit, v.comparator
	}
	if lo, ok := refNum(m, "referenceRange", 0, "low", "value"); ok && refFinite(lo) {
		p.RefLow = &lo
	}
	if hi, ok := refNum(m, "referenceRange", 0, "high", "value"); ok && refFinite(hi) {
		p.RefHigh = &hi
	}
	if v != nil && (v.value2 != nil || m["valueQuantity"] != nil) {
		p.Text = p.ValueText()
	}
	if p.RefLow == nil && p.RefHigh == nil {
		if rt := strings.TrimSpace(refStr(m, "referenceRange", 0, "text")); rt != "" && p.Text != "" {
			p.Text += " (" + rt + ")"
		}
	}
	p.Interp = refInterpretation(m)
	if p.Interp == "" {
		p.Interp = componentInterpretation(m)
	}
	if p.Interp == "" && p.Value != nil && p.Value2 == nil {
		p.Interp = refComputeInterp(*p.Value, p.RefLow, p.RefHigh)
	}
	if p.Text == "" {
		if n := len(refArr(m, "hasMember")); n > 0 {
			p.Text = refJoinRefs(refArr(m, "hasMember"), 3)
		}
	}
	return p
}

var refVitalLOINC = map[string]bool{
	loincBPPanel: true, "55284-4": true, loincSystolic: true, loincDiastolic: true, "29463-7": true,
	"3141-9": true, "8302-2": true, "8306-3": true, "8310-5": true, "8867-4": true, "9279-1": true,
	"59408-5": true, "2708-6": true, "39156-5": true, "9843-4": true, "8287-5": true, "8280-0": true,
	loincVitalPanel: true,
}

var refSocialLOINC = map[string]bool{"72166-2": true, "11367-0": true, "74013-4": true, "76689-9": true}

func refObservationKind(m refObj) Kind {
	for _, c := range refArr(m, "category") {
		switch {
		case refConceptHas(c, "laboratory", "lab"):
			return KindLab
		case refConceptHas(c, "vital-signs", "vital-sign", "vital signs"):
			return KindVital
		case refConceptHas(c, "social-history"):
			return KindSocial
		case refConceptHas(c, "imaging"):
			return KindImaging
		}
	}
	for _, c := range refArr(m, "code", "coding") {
		code := refStr(c, "code")
		if refVitalLOINC[code] {
			return KindVital
		}
		if refSocialLOINC[code] {
			return KindSocial
		}
	}
	if len(refArr(m, "category")) == 0 && refGet(m, "valueQuantity") != nil {
		return KindLab
	}
	return KindOther
}

type refQuantity struct {
	value      float64
	value2     *float64
	unit       string
	comparator string
}

func refObservationValue(m refObj) (*refQuantity, string) {
	if q, text, ok := refQuantityOf(m["valueQuantity"]); ok {
		return q, text
	}
	if s := refValueText(m); s != "" {
		return nil, s
	}
	comps := refArr(m, "component")
	if len(comps) == 0 {
		return nil, ""
	}

	var sys, dia any
	for _, c := range comps {
		switch {
		case refConceptHas(refGet(c, "code"), loincSystolic):
			sys = c
		case refConceptHas(refGet(c, "code"), loincDiastolic):
			dia = c
		}
	}
	if sys != nil && dia != nil {
		sq, _, ok1 := refQuantityOf(refGet(sys, "valueQuantity"))
		dq, _, ok2 := refQuantityOf(refGet(dia, "valueQuantity"))
		if ok1 && ok2 && sq.comparator == "" && dq.comparator == "" {
			sq.value2 = &dq.value
			sq.unit = refFirstNonEmpty(sq.unit, dq.unit, "mmHg")
			return sq, ""
		}
	}
	var parts []string
	var first *refQuantity
	for _, c := range comps {
		var vt string
		if q, text, ok := refQuantityOf(refGet(c, "valueQuantity")); ok {
			vt = text
			if first == nil {
				first = q
			}
		} else {
			vt = refValueText(c)
		}
		if vt == "" {
			continue
		}
		if name := refConceptTitle(refGet(c, "code")); name != "" {
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

func refQuantityOf(q any) (*refQuantity, string, bool) {
	v, ok := refNum(q, "value")
	if !ok || !refFinite(v) {
		return nil, "", false
	}
	unit := refPrettyUnit(refFirstNonEmpty(refStr(q, "unit"), refStr(q, "code")))
	cmp := refStr(q, "comparator")
	switch cmp {
	case "<", "<=", ">=", ">":
	default:
		cmp = ""
	}
	text := Projection{Value: &v, Unit: unit, Comparator: cmp}.ValueText()
	return &refQuantity{value: v, unit: unit, comparator: cmp}, text, true
}

func refValueText(m any) string {
	if s := refConceptTitle(refGet(m, "valueCodeableConcept")); s != "" {
		return s
	}
	if s := strings.TrimSpace(refStr(m, "valueString")); s != "" {
		return s
	}
	switch b := refGet(m, "valueBoolean").(type) {
	case bool:
		if b {
			return "yes"
		}
		return "no"
	}
	if s := refNumText(m, "valueInteger"); s != "" {
		return s
	}
	if r := refObjAt(m, "valueRange"); r != nil {
		lo, _, ok1 := refQuantityOf(r["low"])
		hi, _, ok2 := refQuantityOf(r["high"])
		if ok1 && ok2 {
			unit := refFirstNonEmpty(hi.unit, lo.unit)
			return withUnit(FormatValue(lo.value, unit, nil, nil)+"–"+FormatValue(hi.value, unit, nil, nil), unit)
		}
	}
	if r := refObjAt(m, "valueRatio"); r != nil {
		n, ok1 := refNum(r, "numerator", "value")
		d, ok2 := refNum(r, "denominator", "value")
		if ok1 && ok2 && refFinite(n) && refFinite(d) {
			return FormatValue(n, "", nil, nil) + ":" + FormatValue(d, "", nil, nil)
		}
	}
	for _, k := range []string{"valueDateTime", "valueTime"} {
		if s := refStr(m, k); s != "" {
			return s
		}
	}
	if f, ok := refNum(m, "valueDecimal"); ok && refFinite(f) {
		return FormatValue(f, "", nil, nil)
	}
	return ""
}

func refInterpretation(m refObj) string {
	for _, i := range refArr(m, "interpretation") {
		text := refStr(i, "text")
		for _, c := range refArr(i, "coding") {
			if s := normInterp(refStr(c, "code"), refStr(c, "display"), text); s != "" {
				return s
			}
		}
		if s := normInterp("", "", text); s != "" {
			return s
		}
	}
	return ""
}

func refComputeInterp(v float64, lo, hi *float64) string {
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

func refProjectCondition(m refObj) Projection {
	p := Projection{Kind: KindCondition}
	p.Title = refConceptTitle(m["code"])
	p.Codes = refConceptCodes(m["code"])
	p.Status = refStatusCode(m["clinicalStatus"])
	p.refDateOf(m, refPath("onsetDateTime"), refPath("onsetPeriod", "start"), refPath("onsetString"), refPath("recordedDate"))
	p.refEndOf(m, refPath("abatementDateTime"), refPath("abatementPeriod", "end"), refPath("abatementPeriod", "start"))
	var parts []string
	if v := refStatusCode(m["verificationStatus"]); v != "" && v != "confirmed" {
		parts = append(parts, v)
	}
	parts = append(parts, refConceptTitle(m["severity"]), refJoinConcepts(refArr(m, "bodySite"), 2), refNoteText(m))
	p.Text = refJoinText(parts...)
	p.Who = refFirstNonEmpty(refRefName(m["asserter"]), refRefName(m["recorder"]))
	return p
}

func refProjectAllergy(m refObj) Projection {
	p := Projection{Kind: KindAllergy}
	p.Title = refConceptTitle(m["code"])
	if p.Title == "" {
		p.Title = refConceptTitle(refGet(m, "reaction", 0, "substance"))
	}
	p.Codes = refConceptCodes(m["code"])
	p.Status = refStatusCode(m["clinicalStatus"])
	if v := refStatusCode(m["verificationStatus"]); v == "entered-in-error" || v == "refuted" {
		p.Status = v
	}
	p.refDateOf(m, refPath("onsetDateTime"), refPath("onsetPeriod", "start"), refPath("onsetString"), refPath("recordedDate"))
	var manif []string
	severity := ""
	for _, r := range refArr(m, "reaction") {
		for _, mf := range refArr(r, "manifestation") {
			if s := refConceptTitle(mf); s != "" && len(manif) < 4 {
				manif = append(manif, s)
			}
		}
		if severity == "" {
			severity = refStr(r, "severity")
		}
	}
	text := strings.Join(manif, ", ")
	if severity != "" {
		text = refJoinText(text, severity)
	}
	if c := refStr(m, "criticality"); c == "high" {
		text = refJoinText(text, "criticality high")
	}
	p.Text = text
	p.Who = refFirstNonEmpty(refRefName(m["asserter"]), refRefName(m["recorder"]))
	return p
}

func refProjectMedication(m refObj, typ string) Projection {
	p := Projection{Kind: KindMedication, Status: refStr(m, "status")}
	p.Title, p.Codes = refMedicationName(m)
	var dose any
	switch typ {
	case "MedicationRequest":
		p.refDateOf(m, refPath("dispenseRequest", "validityPeriod", "start"), refPath("authoredOn"))
		p.refEndOf(m, refPath("dispenseRequest", "validityPeriod", "end"))
		dose = refGet(m, "dosageInstruction", 0)
		p.Who = refRefName(m["requester"])
	case "MedicationStatement":
		p.refDateOf(m, refPath("effectivePeriod", "start"), refPath("effectiveDateTime"), refPath("dateAsserted"))
		p.refEndOf(m, refPath("effectivePeriod", "end"))
		dose = refGet(m, "dosage", 0)
		p.Who = refRefName(m["informationSource"])
	case "MedicationAdministration":
		p.refDateOf(m, refPath("effectivePeriod", "start"), refPath("effectiveDateTime"))
		p.refEndOf(m, refPath("effectivePeriod", "end"))
		p.Text = strings.TrimSpace(refStr(m, "dosage", "text"))
		p.Who = refRefName(refGet(m, "performer", 0, "actor"))
	case "MedicationDispense":
		p.refDateOf(m, refPath("whenHandedOver"), refPath("whenPrepared"))
		dose = refGet(m, "dosageInstruction", 0)
		p.Who = refRefName(refGet(m, "performer", 0, "actor"))
	}
	if dose != nil {
		p.Text = refJoinText(strings.TrimSpace(refStr(dose, "text")), refConceptTitle(refGet(dose, "timing", "code")),
			strings.TrimSpace(refStr(dose, "patientInstruction")))
	}
	return p
}

func refMedicationName(m refObj) (string, []Code) {
	if t := refConceptTitle(m["medicationCodeableConcept"]); t != "" {
		return t, refConceptCodes(m["medicationCodeableConcept"])
	}
	ref := refObjAt(m, "medicationReference")
	if r := refStr(ref, "reference"); strings.HasPrefix(r, "#") {
		for _, c := range refArr(m, "contained") {
			if refStr(c, "resourceType") == "Medication" && "#"+refStr(c, "id") == r {
				if t := refConceptTitle(refGet(c, "code")); t != "" {
					return t, refConceptCodes(refGet(c, "code"))
				}
			}
		}
	}
	return refRefName(ref), nil
}

func refProjectImmunization(m refObj) Projection {
	p := Projection{Kind: KindImmunization, Status: refStr(m, "status")}
	p.Title = refConceptTitle(m["vaccineCode"])
	p.Codes = refConceptCodes(m["vaccineCode"])
	p.refDateOf(m, refPath("occurrenceDateTime"), refPath("occurrenceString"), refPath("recorded"))
	dose := refFirstNonEmpty(refNumText(m, "protocolApplied", 0, "doseNumberPositiveInt"), refStr(m, "protocolApplied", 0, "doseNumberString"))
	p.Text = refJoinText(dose, refStr(m, "lotNumber"), refConceptTitle(m["site"]))
	p.Who = refFirstNonEmpty(refRefName(refGet(m, "performer", 0, "actor")), refRefName(m["location"]))
	return p
}

func refProjectProcedure(m refObj) Projection {
	p := Projection{Kind: KindProcedure, Status: refStr(m, "status")}
	p.Title = refConceptTitle(m["code"])
	p.Codes = refConceptCodes(m["code"])
	p.refDateOf(m, refPath("performedDateTime"), refPath("performedPeriod", "start"), refPath("performedString"))
	p.refEndOf(m, refPath("performedPeriod", "end"))
	p.Text = refJoinText(refJoinConcepts(refArr(m, "reasonCode"), 2), refJoinConcepts(refArr(m, "bodySite"), 2),
		refConceptTitle(m["outcome"]), refNoteText(m))
	p.Who = refFirstNonEmpty(refRefName(refGet(m, "performer", 0, "actor")), refRefName(m["location"]))
	return p
}

var refImagingCategories = []string{"RAD", "RX", "CT", "NMR", "NMS", "VUS", "CUS", "OUS", "MR", "US", "LP29684-5", "imaging", "radiology"}

func refProjectReport(m refObj) Projection {
	p := Projection{Kind: KindReport, Status: refStr(m, "status")}
	for _, c := range refArr(m, "category") {
		if refConceptHas(c, refImagingCategories...) {
			p.Kind = KindImaging
		}
	}
	p.Title = refConceptTitle(m["code"])
	p.Codes = refConceptCodes(m["code"])
	p.refDateOf(m, refPath("effectiveDateTime"), refPath("effectivePeriod", "start"), refPath("issued"))
	p.Text = strings.TrimSpace(refStr(m, "conclusion"))
	if p.Text == "" {
		p.Text = refJoinConcepts(refArr(m, "conclusionCode"), 3)
	}
	if p.Text == "" {
		p.Text = refJoinRefs(refArr(m, "result"), 3)
	}
	p.Who = refFirstNonEmpty(refRefName(refGet(m, "performer", 0)), refRefName(refGet(m, "resultsInterpreter", 0)))
	return p
}

func refProjectImagingStudy(m refObj) Projection {
	p := Projection{Kind: KindImaging, Status: refStr(m, "status")}
	var modalities, sites []string
	seen := map[string]bool{}
	for _, mod := range refArr(m, "modality") {
		if s := refFirstNonEmpty(refStr(mod, "display"), refStr(mod, "code")); s != "" && !seen[s] {
			seen[s] = true
			modalities = append(modalities, s)
		}
	}
	for _, s := range refArr(m, "series") {
		if mod := refFirstNonEmpty(refStr(s, "modality", "display"), refStr(s, "modality", "code")); mod != "" && !seen[mod] && len(modalities) < 4 {
			seen[mod] = true
			modalities = append(modalities, mod)
		}
		if b := refFirstNonEmpty(refStr(s, "bodySite", "display"), refStr(s, "bodySite", "code")); b != "" && !seen[b] && len(sites) < 3 {
			seen[b] = true
			sites = append(sites, b)
		}
	}
	p.Title = refFirstNonEmpty(strings.TrimSpace(refStr(m, "description")), refJoinConcepts(refArr(m, "procedureCode"), 1),
		strings.TrimSpace(strings.Join(append(append([]string(nil), modalities...), sites...), " ")))
	for _, pc := range refArr(m, "procedureCode") {
		p.Codes = append(p.Codes, refConceptCodes(pc)...)
	}
	p.refDateOf(m, refPath("started"))
	p.Text = refJoinText(strings.Join(modalities, ", "), strings.Join(sites, ", "), refNoteText(m))
	p.Who = refRefName(refGet(m, "referrer"))
	if p.Who == "" {
		p.Who = refRefName(refGet(m, "interpreter", 0))
	}
	return p
}

var refNoteTypes = []string{"11506-3", "18842-5", "34117-2", "11488-4", "28570-0", "34109-9", "51845-6", "34111-5",
	"57133-1", "11504-8", "34746-8", "68608-9", "clinical-note", "progress note", "note"}

func refProjectDocument(m refObj) Projection {
	p := Projection{Kind: KindDocument, Status: refFirstNonEmpty(refStr(m, "docStatus"), refStr(m, "status"))}
	for _, c := range refArr(m, "category") {
		if refConceptHas(c, "clinical-note") {
			p.Kind = KindClinicianNote
		}
	}
	if refConceptHas(m["type"], refNoteTypes...) {
		p.Kind = KindClinicianNote
	}
	att := refObjAt(m, "content", 0, "attachment")
	p.Title = refFirstNonEmpty(strings.TrimSpace(refStr(m, "description")), strings.TrimSpace(refStr(att, "title")), refConceptTitle(m["type"]))
	p.Codes = refConceptCodes(m["type"])
	p.refDateOf(m, refPath("context", "period", "start"), refPath("date"), refPath("content", 0, "attachment", "creation"))
	p.Text = refAttachmentText(att)
	if p.Text == "" && p.Title != refConceptTitle(m["type"]) {
		p.Text = refConceptTitle(m["type"])
	}
	p.Who = refFirstNonEmpty(refRefName(refGet(m, "author", 0)), refRefName(m["custodian"]))
	return p
}

func refAttachmentText(att refObj) string {
	ct := strings.ToLower(refStr(att, "contentType"))
	if !strings.HasPrefix(ct, "text/plain") {
		return ""
	}
	data := refStr(att, "data")
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

func refProjectComposition(m refObj) Projection {
	p := Projection{Kind: KindDocument, Status: refStr(m, "status")}
	if refConceptHas(m["type"], refNoteTypes...) {
		p.Kind = KindClinicianNote
	}
	for _, c := range refArr(m, "category") {
		if refConceptHas(c, "clinical-note") {
			p.Kind = KindClinicianNote
		}
	}
	p.Title = refFirstNonEmpty(strings.TrimSpace(refStr(m, "title")), refConceptTitle(m["type"]))
	p.Codes = refConceptCodes(m["type"])
	p.refDateOf(m, refPath("date"))
	var sections []string
	for _, s := range refArr(m, "section") {
		if t := strings.TrimSpace(refStr(s, "title")); t != "" && len(sections) < 6 {
			sections = append(sections, t)
		}
	}
	p.Text = strings.Join(sections, ", ")
	p.Who = refFirstNonEmpty(refRefName(refGet(m, "author", 0)), refRefName(m["custodian"]))
	return p
}

func refProjectCarePlan(m refObj) Projection {
	p := Projection{Kind: KindCarePlan, Status: refStr(m, "status")}
	p.Title = strings.TrimSpace(refStr(m, "title"))
	cats := refArr(m, "category")
	for i := len(cats) - 1; i >= 0 && p.Title == ""; i-- {
		if !refConceptHas(cats[i], "assess-plan") {
			p.Title = refConceptTitle(cats[i])
			p.Codes = refConceptCodes(cats[i])
		}
	}
	if p.Title == "" {
		p.Title = strings.TrimSpace(refStr(m, "description"))
	}
	p.refDateOf(m, refPath("period", "start"), refPath("created"))
	p.refEndOf(m, refPath("period", "end"))
	var acts []string
	for _, a := range refArr(m, "activity") {
		if s := refFirstNonEmpty(refConceptTitle(refGet(a, "detail", "code")), strings.TrimSpace(refStr(a, "detail", "description"))); s != "" && len(acts) < 4 {
			acts = append(acts, s)
		}
	}
	p.Text = refJoinText(strings.Join(acts, ", "), refJoinRefs(refArr(m, "addresses"), 2))
	p.Who = refRefName(m["author"])
	return p
}

func refProjectGoal(m refObj) Projection {
	p := Projection{Kind: KindCarePlan, Status: refStr(m, "lifecycleStatus")}
	p.Title = refConceptTitle(m["description"])
	p.Codes = refConceptCodes(m["description"])
	p.refDateOf(m, refPath("startDate"), refPath("statusDate"), refPath("target", 0, "dueDate"))
	p.refEndOf(m, refPath("target", 0, "dueDate"))
	p.Text = refJoinText(refConceptTitle(m["achievementStatus"]), refNoteText(m))
	p.Who = refRefName(m["expressedBy"])
	return p
}

func refProjectCareTeam(m refObj, typ string) Projection {
	p := Projection{Kind: KindCareTeam}
	if a, ok := m["active"].(bool); ok && !a {
		p.Status = "inactive"
	}
	tel := refArr(m, "telecom")
	switch typ {
	case "Practitioner":
		p.Title = refFirstName(refArr(m, "name"))
		var quals []string
		for _, q := range refArr(m, "qualification") {
			if s := refConceptTitle(refGet(q, "code")); s != "" && len(quals) < 2 {
				quals = append(quals, s)
			}
		}
		p.Text = refJoinText(strings.Join(quals, ", "), refTelecom(tel, "phone"))
	case "PractitionerRole":
		p.Title = refFirstNonEmpty(refRefName(m["practitioner"]), refRefName(m["organization"]), refJoinConcepts(refArr(m, "code"), 1))
		p.Text = refJoinText(refJoinConcepts(refArr(m, "code"), 2), refJoinConcepts(refArr(m, "specialty"), 2), refTelecom(tel, "phone"))
		p.Who = refRefName(m["organization"])
		for _, c := range refArr(m, "specialty") {
			p.Codes = append(p.Codes, refConceptCodes(c)...)
		}
	case "Organization":
		p.Title = strings.TrimSpace(refStr(m, "name"))
		p.Text = refJoinText(refJoinConcepts(refArr(m, "type"), 1), refTelecom(tel, "phone"))
	case "CareTeam":
		p.Title = strings.TrimSpace(refStr(m, "name"))
		var members []string
		for _, part := range refArr(m, "participant") {
			if s := refRefName(refGet(part, "member")); s != "" && len(members) < 4 {
				members = append(members, s)
			}
		}
		if p.Title == "" && len(members) > 0 {
			p.Title = members[0]
		}
		p.Text = strings.Join(members, ", ")
		p.Status = refFirstNonEmpty(refStr(m, "status"), p.Status)
		p.refDateOf(m, refPath("period", "start"))
		p.refEndOf(m, refPath("period", "end"))
	}
	return p
}

func refProjectCoverage(m refObj) Projection {
	p := Projection{Kind: KindInsurance, Status: refStr(m, "status")}
	var plan string
	for _, c := range refArr(m, "class") {
		if refConceptHas(refGet(c, "type"), "plan") {
			plan = refFirstNonEmpty(refStr(c, "name"), refStr(c, "value"))
		}
	}
	p.Who = refRefName(refGet(m, "payor", 0))
	p.Title = refFirstNonEmpty(p.Who, plan, refConceptTitle(m["type"]))
	if p.Title == plan {
		plan = ""
	}
	p.Text = refJoinText(plan, refConceptTitle(m["type"]))
	p.Codes = refConceptCodes(m["type"])
	p.refDateOf(m, refPath("period", "start"))
	p.refEndOf(m, refPath("period", "end"))
	return p
}

func refProjectRelatedPerson(m refObj) Projection {
	p := Projection{Kind: KindEmergencyContact}
	if a, ok := m["active"].(bool); ok && !a {
		p.Status = "inactive"
	}
	p.Title = refFirstName(refArr(m, "name"))
	var rel []any
	for _, c := range refArr(m, "relationship") {
		if !refIsEmergencyRole(c) {
			rel = append(rel, c)
		}
	}
	p.Text = refJoinText(refJoinConcepts(rel, 2), refTelecom(refArr(m, "telecom"), "phone"))
	return p
}

func refProjectBilling(m refObj, typ string) Projection {
	p := refProjectOther(m, typ)
	p.Kind = KindBilling
	fromItem := false
	for _, it := range refArr(m, "item") {
		if t := refConceptTitle(refGet(it, "productOrService")); t != "" {
			p.Title, fromItem = t, true
			break
		}
	}
	if !fromItem {
		p.Title = typeWords(typ)
	}
	money := func(v any) string {
		if n := refNumText(v, "value"); n != "" {
			return strings.TrimSpace(n + " " + refStr(v, "currency"))
		}
		return ""
	}
	amount := money(m["total"])
	if amount == "" {
		for _, t := range refArr(m, "total") {
			if amount = money(refGet(t, "amount")); amount != "" {
				break
			}
		}
	}
	for _, k := range []string{"totalGross", "amount", "paymentAmount"} {
		if amount == "" {
			amount = money(m[k])
		}
	}
	p.Text = amount
	if fromItem {
		p.Text = refJoinText(typeWords(typ), amount)
	}
	p.Who = refFirstNonEmpty(refStr(m, "provider", "display"), refStr(m, "insurer", "display"), refStr(m, "issuer", "display"))
	return p
}

func refProjectOther(m refObj, typ string) Projection {
	p := Projection{Kind: KindOther, Status: refStr(m, "status")}
	for _, k := range []string{"code", "type", "vaccineCode", "medicationCodeableConcept", "description"} {
		if t := refConceptTitle(m[k]); t != "" {
			p.Title = t
			p.Codes = refConceptCodes(m[k])
			break
		}
	}
	if p.Title == "" {
		if types := refArr(m, "type"); len(types) > 0 {
			p.Title = refJoinConcepts(types, 1)
		}
	}
	if p.Title == "" {
		switch n := m["name"].(type) {
		case string:
			p.Title = n
		case []any:
			p.Title = refFirstName(n)
		}
	}
	if p.Title == "" {
		p.Title = refFirstNonEmpty(strings.TrimSpace(refStr(m, "title")), strings.TrimSpace(refStr(m, "description")))
	}
	if p.Title != "" && p.Title != typ {
		p.Text = typ
	}
	p.refDateOf(m, refPath("effectiveDateTime"), refPath("occurrenceDateTime"), refPath("date"), refPath("period", "start"),
		refPath("billablePeriod", "start"), refPath("authoredOn"), refPath("created"), refPath("issued"), refPath("recorded"),
		refPath("meta", "lastUpdated"))
	return p
}

func refProfileFromPatient(r fhir.Resource) (Profile, error) {
	m, err := refDecodeObj(r.JSON)
	if err != nil {
		return Profile{}, refJsonError(err)
	}
	if t := refStr(m, "resourceType"); t != "Patient" {
		return Profile{}, errors.New("record: not a Patient resource")
	}
	return Profile{
		Name:      refClip(refOneLine(refFirstName(refArr(m, "name"))), maxTitle),
		BirthDate: refClip(refStr(m, "birthDate"), 10),
		Patient:   r,
	}, nil
}

func refStatusCode(cc any) string {
	for _, c := range refArr(cc, "coding") {
		if s := refStr(c, "code"); s != "" {
			return s
		}
	}
	return strings.ToLower(strings.TrimSpace(refStr(cc, "text")))
}

func refJoinConcepts(list []any, max int) string {
	var parts []string
	for _, c := range list {
		if s := refConceptTitle(c); s != "" && len(parts) < max {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func refJoinRefs(list []any, max int) string {
	var parts []string
	for _, r := range list {
		if s := refRefName(r); s != "" && len(parts) < max {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func refNoteText(m refObj) string {
	return strings.TrimSpace(refStr(m, "note", 0, "text"))
}

func refJoinText(parts ...string) string {
	return strings.Join(refNonEmpty(parts...), " · ")
}

func refFirstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func refOneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func refClip(s string, n int) string {
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

func refFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func refPrettyUnit(u string) string {
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

func refExtString(m refObj, url string) string {
	for _, e := range refArr(m, "extension") {
		if refStr(e, "url") == url {
			return strings.TrimSpace(refStr(e, "valueString"))
		}
	}
	return ""
}

func refIsEmergencyRole(c any) bool {
	for _, cd := range refArr(c, "coding") {
		if refStr(cd, "system") == sysV20131 && refStr(cd, "code") == "C" {
			return true
		}
	}
	return false
}

func refIdentity(r fhir.Resource, prov Provenance) string {

	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Identifier   []struct {
			System string `json:"system"`
			Value  string `json:"value"`
		} `json:"identifier"`
	}
	if json.Unmarshal(r.JSON, &head) == nil {
		typ := refFirstNonEmpty(head.ResourceType, r.Type)
		for _, id := range head.Identifier {
			if sys, val := strings.TrimSpace(id.System), strings.TrimSpace(id.Value); sys != "" && val != "" {
				return refIdentityHash("ident", typ, sys, val)
			}
		}
		if id := refFirstNonEmpty(head.ID, r.ID); id != "" {
			return refIdentityHash("id", typ, prov.System, id)
		}
	}
	m, err := refDecodeObj(r.JSON)
	if err != nil {
		return refIdentityHash("raw", r.Type, r.ID, string(r.JSON))
	}
	typ := refFirstNonEmpty(refStr(m, "resourceType"), r.Type)
	for _, id := range refArr(m, "identifier") {
		sys, val := strings.TrimSpace(refStr(id, "system")), strings.TrimSpace(refStr(id, "value"))
		if sys != "" && val != "" {
			return refIdentityHash("ident", typ, sys, val)
		}
	}
	if id := refFirstNonEmpty(refStr(m, "id"), r.ID); id != "" {
		return refIdentityHash("id", typ, prov.System, id)
	}
	p, err := refProjectObj(m, typ)
	if err != nil {
		return refIdentityHash("raw", typ, string(r.JSON))
	}
	parts := []string{"content", typ, p.Title, p.Date.UTC().Format("2006-01-02T15:04:05"), legacyText(m, p)}
	for _, c := range p.Codes {
		parts = append(parts, c.System+"|"+c.Code)
	}
	if p.Value != nil {
		parts = append(parts, refNumText(m, "valueQuantity", "value"))
	}
	return refIdentityHash(parts...)
}

func refIdentityHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return "v1-" + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

type refObj = map[string]any

func refDecodeObj(b []byte) (refObj, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m refObj
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errNotObject
	}
	return m, nil
}

func refGet(v any, refPath ...any) any {
	for _, p := range refPath {
		switch k := p.(type) {
		case string:
			m, ok := v.(refObj)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k < 0 || k >= len(a) {
				return nil
			}
			v = a[k]
		default:
			return nil
		}
	}
	return v
}

func refStr(v any, refPath ...any) string {
	s, _ := refGet(v, refPath...).(string)
	return s
}

func refObjAt(v any, refPath ...any) refObj {
	m, _ := refGet(v, refPath...).(refObj)
	return m
}

func refArr(v any, refPath ...any) []any {
	a, _ := refGet(v, refPath...).([]any)
	return a
}

func refNum(v any, refPath ...any) (float64, bool) {
	switch n := refGet(v, refPath...).(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil
	case float64:
		return n, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		return f, err == nil
	}
	return 0, false
}

func refNumText(v any, refPath ...any) string {
	switch n := refGet(v, refPath...).(type) {
	case json.Number:
		return string(n)
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	return ""
}

func refConceptTitle(cc any) string {
	if s := strings.TrimSpace(refStr(cc, "text")); s != "" {
		return s
	}
	for _, c := range refArr(cc, "coding") {
		if s := strings.TrimSpace(refStr(c, "display")); s != "" {
			return s
		}
	}
	for _, c := range refArr(cc, "coding") {
		if s := strings.TrimSpace(refStr(c, "code")); s != "" {
			return s
		}
	}
	return ""
}

func refConceptCodes(cc any) []Code {
	var out []Code
	for _, c := range refArr(cc, "coding") {
		code := Code{System: refStr(c, "system"), Code: refStr(c, "code"), Display: refStr(c, "display")}
		if code.Code == "" && code.Display == "" {
			continue
		}
		out = append(out, code)
	}
	return out
}

func refConceptHas(cc any, codes ...string) bool {
	for _, c := range refArr(cc, "coding") {
		for _, want := range codes {
			if strings.EqualFold(refStr(c, "code"), want) {
				return true
			}
		}
	}
	for _, want := range codes {
		if strings.EqualFold(strings.TrimSpace(refStr(cc, "text")), want) {
			return true
		}
	}
	return false
}

func refRefName(ref any) string {
	return strings.TrimSpace(refStr(ref, "display"))
}

func refHumanName(n any) string {
	if s := strings.TrimSpace(refStr(n, "text")); s != "" {
		return s
	}
	var parts []string
	for _, k := range []string{"prefix", "given"} {
		for _, p := range refArr(n, k) {
			if s, ok := p.(string); ok && strings.TrimSpace(s) != "" {
				parts = append(parts, strings.TrimSpace(s))
			}
		}
	}
	if s := strings.TrimSpace(refStr(n, "family")); s != "" {
		parts = append(parts, s)
	}
	for _, p := range refArr(n, "suffix") {
		if s, ok := p.(string); ok && strings.TrimSpace(s) != "" {
			parts = append(parts, strings.TrimSpace(s))
		}
	}
	return strings.Join(parts, " ")
}

func refFirstName(names []any) string {
	for _, n := range names {
		if refStr(n, "use") == "official" {
			if s := refHumanName(n); s != "" {
				return s
			}
		}
	}
	for _, n := range names {
		if s := refHumanName(n); s != "" {
			return s
		}
	}
	return ""
}

func refTelecom(list []any, system string) string {
	for _, t := range list {
		if refStr(t, "system") == system {
			if s := strings.TrimSpace(refStr(t, "value")); s != "" {
				return s
			}
		}
	}
	return ""
}

func refAddressText(a any) string {
	if s := strings.TrimSpace(refStr(a, "text")); s != "" {
		return s
	}
	var parts []string
	for _, l := range refArr(a, "line") {
		if s, ok := l.(string); ok && strings.TrimSpace(s) != "" {
			parts = append(parts, strings.TrimSpace(s))
		}
	}
	city := strings.TrimSpace(strings.Join(refNonEmpty(refStr(a, "city"), refStr(a, "state"), refStr(a, "postalCode")), " "))
	if city != "" {
		parts = append(parts, city)
	}
	if s := strings.TrimSpace(refStr(a, "country")); s != "" {
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func refNonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func refSetAt(m refObj, v any, refPath ...any) {
	if len(refPath) > 0 {
		refSetIn(m, v, refPath)
	}
}

func refSetIn(cur any, v any, refPath []any) any {
	if len(refPath) == 0 {
		return v
	}
	switch k := refPath[0].(type) {
	case string:
		o, ok := cur.(refObj)
		if !ok {
			o = refObj{}
		}
		o[k] = refSetIn(o[k], v, refPath[1:])
		return o
	case int:
		a, _ := cur.([]any)
		if k < 0 {
			k = 0
		}
		for len(a) <= k {
			a = append(a, nil)
		}
		a[k] = refSetIn(a[k], v, refPath[1:])
		return a
	}
	return cur
}

func refDelAt(m refObj, refPath ...any) {
	if len(refPath) > 0 {
		refDelIn(m, refPath)
	}
}

func refDelIn(cur any, refPath []any) (any, bool) {
	switch k := refPath[0].(type) {
	case string:
		o, ok := cur.(refObj)
		if !ok {
			return cur, false
		}
		if len(refPath) == 1 {
			delete(o, k)
		} else if child, ok := o[k]; ok {
			if child, empty := refDelIn(child, refPath[1:]); empty {
				delete(o, k)
			} else {
				o[k] = child
			}
		}
		return o, len(o) == 0
	case int:
		a, ok := cur.([]any)
		if !ok || k < 0 || k >= len(a) {
			return cur, false
		}
		if len(refPath) == 1 {
			a = slices.Delete(a, k, k+1)
		} else if child, empty := refDelIn(a[k], refPath[1:]); empty {
			a = slices.Delete(a, k, k+1)
		} else {
			a[k] = child
		}
		return a, len(a) == 0
	}
	return cur, false
}
