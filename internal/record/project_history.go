package record

import "strings"

// Projections of planned services, family history and medical equipment.

func projectServiceRequest(m any) Projection {
	p := Projection{Kind: KindCarePlan, Status: str(m, "status")}
	p.Title = conceptTitle(get(m, "code"))
	p.Codes = conceptCodes(get(m, "code"))
	p.dateOf(m, path("occurrenceDateTime"), path("occurrencePeriod", "start"), path("authoredOn"))
	p.endOf(m, path("occurrencePeriod", "end"))
	p.Text = joinText(joinConcepts(arr(m, "reasonCode"), 2), strings.TrimSpace(str(m, "patientInstruction")), noteText(m))
	p.Who = firstNonEmpty(refName(get(m, "performer", 0)), refName(get(m, "requester")))
	return p
}

// extConditionAbsent marks a family member's condition as not present.
const extConditionAbsent = "urn:backpack:fhir:condition-absent"

// projectFamilyHistory: the condition(s) as the title, the relative and
// what happened as the text; status "absent" when every condition is
// stated as not present ("the father did not have asthma").
func projectFamilyHistory(m any) Projection {
	p := Projection{Kind: KindFamilyHistory, Status: str(m, "status")}
	var conds, ages []string
	absent := 0
	conditions := arr(m, "condition")
	for _, c := range conditions {
		if t := conceptTitle(get(c, "code")); t != "" && len(conds) < 3 {
			conds = append(conds, t)
			if len(p.Codes) < maxCodes {
				p.Codes = append(p.Codes, conceptCodes(get(c, "code"))...)
			}
		}
		for _, x := range arr(c, "modifierExtension") {
			if str(x, "url") == extConditionAbsent {
				if b, ok := boolAt(x, "valueBoolean"); ok && b {
					absent++
				}
			}
		}
		if v := numText(c, "onsetAge", "value"); v != "" {
			ages = append(ages, strings.TrimSpace(v+" "+firstNonEmpty(str(c, "onsetAge", "unit"), str(c, "onsetAge", "code"))))
		}
	}
	if absent > 0 && absent == len(conditions) {
		p.Status = "absent"
	}
	p.Title = strings.Join(conds, ", ")
	rel := firstNonEmpty(conceptTitle(get(m, "relationship")), strings.TrimSpace(str(m, "name")))
	if p.Title == "" {
		p.Title = rel
	} else {
		p.Text = joinText(rel, strings.Join(ages, ", "), noteText(m))
	}
	p.dateOf(m, path("date"), path("condition", 0, "onsetPeriod", "start"))
	return p
}

// projectDevice: the device (a contained Device's type when the statement
// points to one), its use period and its UDI.
func projectDevice(m any, typ string) Projection {
	p := Projection{Kind: KindDevice, Status: str(m, "status")}
	dev := m
	if typ == "DeviceUseStatement" {
		dev = nil
		if r := str(m, "device", "reference"); strings.HasPrefix(r, "#") {
			for _, c := range arr(m, "contained") {
				if str(c, "resourceType") == "Device" && "#"+str(c, "id") == r {
					dev = c
				}
			}
		}
	}
	if dev != nil {
		p.Title = firstNonEmpty(conceptTitle(get(dev, "type")), str(dev, "deviceName", 0, "name"))
		p.Codes = conceptCodes(get(dev, "type"))
		p.Text = joinText(str(dev, "udiCarrier", 0, "carrierHRF"), str(dev, "manufacturer"), str(dev, "modelNumber"))
		if typ == "Device" {
			p.Status = firstNonEmpty(str(dev, "status"), p.Status)
		}
	}
	if p.Title == "" {
		p.Title = refName(get(m, "device"))
	}
	p.dateOf(m, path("timingPeriod", "start"), path("timingDateTime"), path("recordedOn"), path("manufactureDate"))
	p.endOf(m, path("timingPeriod", "end"))
	if typ == "DeviceUseStatement" {
		p.Text = joinText(p.Text, conceptTitle(get(m, "bodySite")), noteText(m))
	}
	return p
}
