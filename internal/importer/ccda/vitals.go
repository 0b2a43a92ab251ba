package ccda

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"backpack/internal/fhir"
)

// Blood pressure. C-CDA writes one reading as two observations of a
// vital-signs organizer (systolic 8480-6, diastolic 8462-4), or as one
// observation whose value holds both ("124/75", code 55284-4 "Blood
// pressure systolic and diastolic"). FHIR R4 has one Observation for it,
// the blood pressure panel 85354-9 with the two as components: so a
// reading shows once, as "124/75 mmHg", and trends as two lines.

const loinc = "http://loinc.org"

var (
	systolicCodes  = map[string]bool{"8480-6": true, "8459-0": true, "8460-8": true, "8461-6": true}
	diastolicCodes = map[string]bool{"8462-4": true, "8453-3": true, "8454-1": true, "8455-8": true}
	bpPanelCodes   = map[string]bool{"85354-9": true, "55284-4": true, "35094-2": true, "34553-8": true}
)

// bpPanelCode is the code of the blood pressure panels this converter makes.
func bpPanelCode() map[string]any {
	return map[string]any{"coding": []any{map[string]any{"system": loinc, "code": "85354-9",
		"display": "Blood pressure panel with all children optional"}}, "text": "Blood pressure"}
}

// loincIn reports whether a FHIR CodeableConcept has a LOINC code of set.
func loincIn(cc any, set map[string]bool) bool {
	m, _ := cc.(map[string]any)
	codings, _ := m["coding"].([]any)
	for _, c := range codings {
		cd, _ := c.(map[string]any)
		if code, _ := cd["code"].(string); set[code] && (cd["system"] == loinc || cd["system"] == nil) {
			return true
		}
	}
	return false
}

// bpComponent is one number of a reading as an Observation.component,
// taken from the member observation m.
func bpComponent(m map[string]any) map[string]any {
	c := map[string]any{"code": m["code"], "valueQuantity": m["valueQuantity"]}
	for _, k := range [...]string{"interpretation", "referenceRange"} {
		if v, ok := m[k]; ok {
			c[k] = v
		}
	}
	return c
}

// pairBloodPressure merges, among the resources added since mark (the
// observations of one vital-signs organizer), each systolic observation
// with the diastolic one of the same time into one blood pressure panel,
// which takes the systolic's place and id; the diastolic is not kept
// apart, so the reading is not shown twice. It returns how many
// observations were merged away.
func (c *conv) pairBloodPressure(mark int) int {
	type member struct {
		i    int
		m    map[string]any
		when string
	}
	var sys, dia []member
	for i := mark; i < len(c.doc.Resources); i++ {
		r := c.doc.Resources[i]
		if r.Type != "Observation" {
			continue
		}
		d := json.NewDecoder(bytes.NewReader(r.JSON))
		d.UseNumber() // keep every number as the document wrote it
		var m map[string]any
		if d.Decode(&m) != nil || m["valueQuantity"] == nil || m["component"] != nil {
			continue
		}
		when, _ := m["effectiveDateTime"].(string)
		if p, ok := m["effectivePeriod"].(map[string]any); ok && when == "" {
			when, _ = p["start"].(string)
		}
		switch {
		case loincIn(m["code"], systolicCodes):
			sys = append(sys, member{i, m, when})
		case loincIn(m["code"], diastolicCodes):
			dia = append(dia, member{i, m, when})
		}
	}
	var drop []int
	for _, s := range sys {
		k := slices.IndexFunc(dia, func(d member) bool { return d.when == s.when })
		if k < 0 && len(sys) == 1 && len(dia) == 1 {
			k = 0 // one reading in the organizer: its times may be written differently
		}
		if k < 0 {
			continue
		}
		d := dia[k]
		dia = slices.Delete(dia, k, k+1)
		p := s.m
		p["component"] = []any{bpComponent(s.m), bpComponent(d.m)}
		p["code"] = bpPanelCode()
		delete(p, "valueQuantity")
		delete(p, "interpretation")
		delete(p, "referenceRange")
		if ids, ok := d.m["identifier"].([]any); ok {
			own, _ := p["identifier"].([]any)
			p["identifier"] = append(own, ids...)
		}
		if s.when == "" {
			for _, k := range [...]string{"effectiveDateTime", "effectivePeriod"} {
				if v, ok := d.m[k]; ok {
					p[k] = v
				}
			}
		}
		r, err := fhir.FromMap(p)
		if err != nil {
			continue
		}
		c.doc.Resources[s.i] = r
		drop = append(drop, d.i)
	}
	slices.Sort(drop)
	for j := len(drop) - 1; j >= 0; j-- {
		c.doc.Resources = slices.Delete(c.doc.Resources, drop[j], drop[j]+1)
	}
	return len(drop)
}

// bpPair reads "124/75", "124 / 75 mm[Hg]", "BP 124/75 mmHg".
var bpPair = lazyRegexp(`(?:^|[^\d.])(\d{2,3}(?:\.\d+)?)\s*/\s*(\d{2,3}(?:\.\d+)?)(?:\s*(mm\s*\[?Hg\]?|mmHg))?`)

// bloodPressure sets, for an observation of both numbers of a reading
// (code 55284-4 and the like, or "blood pressure" in its name), the two as
// components: from its entryRelationship observations, else from its value
// or text ("124/75 mmHg"). It reports whether it did; the observation's
// value is then not read again.
func (c *conv) bloodPressure(m map[string]any, o *node, path string) bool {
	cc, _ := m["code"].(map[string]any)
	named := false
	if cc != nil {
		name, _ := cc["text"].(string)
		if codings, ok := cc["coding"].([]any); ok {
			for _, cd := range codings {
				if s, ok := cd.(map[string]any)["display"].(string); ok {
					name += " " + s
				}
			}
		}
		named = strings.Contains(strings.ToLower(name), "blood pressure")
	}
	if !loincIn(cc, bpPanelCodes) && !named {
		return false
	}
	var sysC, diaC map[string]any
	for _, rel := range related(o, "observation") {
		k := map[string]any{"code": c.concept(rel.child("code"))}
		if v := rel.child("value"); v != nil {
			if q, ok := quantity(v); ok {
				k["valueQuantity"] = q
			}
		}
		if k["valueQuantity"] == nil {
			continue
		}
		switch {
		case loincIn(k["code"], systolicCodes) && sysC == nil:
			sysC = k
		case loincIn(k["code"], diastolicCodes) && diaC == nil:
			diaC = k
		}
	}
	if sysC == nil || diaC == nil {
		sysC, diaC = nil, nil
		var texts []string
		if v := o.child("value"); v != nil {
			texts = append(texts, strings.TrimSpace(v.get("value")+" "+v.get("unit")), c.textOf(v), v.allText())
		}
		texts = append(texts, c.entryText(o))
		for _, t := range texts {
			g := bpPair().FindStringSubmatch(t)
			if g == nil {
				continue
			}
			unit := "mm[Hg]"
			if v := o.child("value"); v != nil && v.get("unit") != "" && !strings.Contains(v.get("unit"), "/") {
				unit = v.get("unit")
			}
			q := func(num string) map[string]any {
				n, _ := decimal(num)
				return map[string]any{"value": n, "unit": unit, "system": "http://unitsofmeasure.org", "code": ucumCode(unit)}
			}
			sysC = map[string]any{"code": map[string]any{"coding": []any{map[string]any{"system": loinc, "code": "8480-6",
				"display": "Systolic blood pressure"}}}, "valueQuantity": q(g[1])}
			diaC = map[string]any{"code": map[string]any{"coding": []any{map[string]any{"system": loinc, "code": "8462-4",
				"display": "Diastolic blood pressure"}}}, "valueQuantity": q(g[2])}
			break
		}
	}
	if sysC == nil || diaC == nil {
		return false
	}
	m["component"] = []any{sysC, diaC}
	return true
}

// ucumCode is the UCUM code of a unit as C-CDA documents write it.
func ucumCode(u string) string {
	if f, ok := ucumFix[u]; ok {
		return f
	}
	if u == "mmHg" {
		return "mm[Hg]"
	}
	return u
}
