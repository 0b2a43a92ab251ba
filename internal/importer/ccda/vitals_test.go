package ccda

import (
	"strings"
	"testing"

	"backpack/internal/record"
)

const vitalsSection = `<templateId root="2.16.840.1.113883.10.20.22.2.4.1"/><code code="8716-3" codeSystem="2.16.840.1.113883.6.1"/>`

func vitalObs(code, name, value string) string {
	return `<observation classCode="OBS" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.27"/>` +
		`<code code="` + code + `" codeSystem="2.16.840.1.113883.6.1" displayName="` + name + `"/>` +
		`<statusCode code="completed"/><effectiveTime value="20240305"/>` + value + `</observation>`
}

func organizer(when string, obs ...string) string {
	s := `<entry><organizer classCode="CLUSTER" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.26"/>` +
		`<code code="46680005" codeSystem="2.16.840.1.113883.6.96"/><statusCode code="completed"/><effectiveTime value="` + when + `"/>`
	for _, o := range obs {
		s += `<component>` + o + `</component>`
	}
	return s + `</organizer></entry>`
}

// projections converts one section and projects its Observations.
func projections(t *testing.T, inner string) ([]record.Projection, Document) {
	t.Helper()
	d, err := Convert(strings.NewReader(wrapSection(inner)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ps []record.Projection
	for _, r := range d.Resources {
		if r.Type != "Observation" {
			continue
		}
		p, err := record.Project(r)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps, d
}

// A blood pressure shows once, as "124/75 mmHg", however the document
// writes it.
func TestBloodPressure(t *testing.T) {
	sys := vitalObs("8480-6", "BP Systolic", `<value xsi:type="PQ" value="124" unit="mm[Hg]"/><interpretationCode code="H" codeSystem="2.16.840.1.113883.5.83"/>`)
	dia := vitalObs("8462-4", "BP Diastolic", `<value xsi:type="PQ" value="75" unit="mm[Hg]"/>`)
	both := "BLOOD PRESSURE SYSTOLIC &amp; DIASTOLIC"
	for _, c := range []struct {
		name, inner string
		want        []string // ValueText of each Observation
		interp      string
	}{
		{"organizer pair", vitalsSection + `<text>BP 124/75</text>` + organizer("20240305", sys, dia), []string{"124/75 mmHg"}, "H"},
		{"organizer pair, diastolic first", vitalsSection + organizer("20240305", dia, sys), []string{"124/75 mmHg"}, "H"},
		{"two readings", vitalsSection + organizer("20240305", sys, dia,
			strings.ReplaceAll(strings.ReplaceAll(sys, "20240305", "20240306"), `value="124"`, `value="131"`),
			strings.ReplaceAll(dia, "20240305", "20240306")), []string{"124/75 mmHg", "131/75 mmHg"}, "H"},
		{"one observation, PQ 124/75", vitalsSection + organizer("20240305",
			vitalObs("55284-4", both, `<value xsi:type="PQ" value="124/75" unit="mm[Hg]"/>`)), []string{"124/75 mmHg"}, ""},
		{"one observation, ST", vitalsSection + `<entry>` + vitalObs("55284-4", both, `<value xsi:type="ST">124/75 mmHg</value>`) + `</entry>`,
			[]string{"124/75 mmHg"}, ""},
		{"one observation, value only in the narrative", vitalsSection + `<text><table><tr><td ID="bp1">124/75 mmHg</td></tr></table></text>` +
			`<entry>` + vitalObs("55284-4", both, `<text><reference value="#bp1"/></text><value xsi:type="PQ" nullFlavor="UNK"/>`) + `</entry>`,
			[]string{"124/75 mmHg"}, ""},
		{"one observation with its two numbers inside", vitalsSection + `<entry>` + vitalObs("85354-9", "Blood pressure",
			`<entryRelationship typeCode="COMP">`+sys+`</entryRelationship><entryRelationship typeCode="COMP">`+dia+`</entryRelationship>`) + `</entry>`,
			[]string{"124/75 mmHg"}, ""},
	} {
		ps, d := projections(t, c.inner)
		var got []string
		for _, p := range ps {
			got = append(got, p.ValueText())
		}
		if strings.Join(got, " | ") != strings.Join(c.want, " | ") {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
			continue
		}
		if ps[0].Kind != record.KindVital || ps[0].Interp != c.interp {
			t.Errorf("%s: kind %q flag %q, want flag %q", c.name, ps[0].Kind, ps[0].Interp, c.interp)
		}
		if hasProblem(d, ProblemValueInvalid, "") {
			t.Errorf("%s: a value problem was reported: %+v", c.name, d.Problems)
		}
		for _, m := range maps(t, d, "Observation") {
			if get(m, "component.0.valueQuantity.system") != "http://unitsofmeasure.org" || get(m, "component.1.valueQuantity.code") != "mm[Hg]" {
				t.Errorf("%s: components %v", c.name, m["component"])
			}
		}
	}
	// Not a pair: a systolic alone stays as it is.
	ps, _ := projections(t, vitalsSection+organizer("20240305", sys))
	if len(ps) != 1 || ps[0].ValueText() != "124 mmHg" || ps[0].Value2 != nil {
		t.Errorf("systolic alone: %+v", ps)
	}
}

// interpretationCode becomes Observation.interpretation, whatever its
// spelling, and shows as the flag; a result with no value says so.
func TestResultFlags(t *testing.T) {
	lab := func(code, name, value, interp string) string {
		return `<observation classCode="OBS" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.2"/>` +
			`<code code="` + code + `" codeSystem="2.16.840.1.113883.6.1" displayName="` + name + `"/><statusCode code="completed"/>` +
			`<effectiveTime value="20080319"/>` + value + interp +
			`<referenceRange><observationRange><value xsi:type="IVL_PQ"><low value="150" unit="10*9/L"/><high value="350" unit="10*9/L"/></value></observationRange></referenceRange></observation>`
	}
	plt := `<value xsi:type="PQ" value="123" unit="10*9/L"/>`
	for _, c := range []struct {
		name, interp, level, text string
	}{
		{"v3 LX", `<interpretationCode code="LX" codeSystem="2.16.840.1.113883.5.83" displayName="below low threshold"/>`, record.FlagLow, ""},
		{"v2 L without system", `<interpretationCode code="L"/>`, record.FlagLow, ""},
		{"v2 LL", `<interpretationCode code="LL" codeSystem="2.16.840.1.113883.12.78"/>`, record.FlagCriticalLow, ""},
		{"text only", `<interpretationCode nullFlavor="OTH"><originalText>Low</originalText></interpretationCode>`, record.FlagLow, ""},
		{"unknown code", `<interpretationCode code="TEST" codeSystem="2.16.840.1.113883.5.83"/>`, record.FlagOther, "TEST"},
		{"none: from the range", ``, record.FlagLow, ""},
	} {
		ps, d := projections(t, `<code code="30954-2"/><entry>`+lab("777-3", "Platelets", plt, c.interp)+`</entry>`)
		if len(ps) != 1 {
			t.Fatalf("%s: %d observations", c.name, len(ps))
		}
		if c.interp != "" {
			m := maps(t, d, "Observation")[0]
			if get(m, "interpretation.0") == "" {
				t.Errorf("%s: no Observation.interpretation: %v", c.name, m)
			}
			if c.name == "v3 LX" || c.name == "v2 L without system" {
				if sys := get(m, "interpretation.0.coding.0.system"); sys != "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation" {
					t.Errorf("%s: system %q", c.name, sys)
				}
			}
		}
		if level, text := ps[0].ResultFlag(); level != c.level || text != c.text {
			t.Errorf("%s: flag %q %q (Interp %q), want %q %q", c.name, level, text, ps[0].Interp, c.level, c.text)
		}
	}
	ps, _ := projections(t, `<code code="30954-2"/><entry>`+lab("3094-0", "Urea nitrogen, Serum", `<value xsi:type="PQ" nullFlavor="NI"/>`, "")+`</entry>`)
	if len(ps) != 1 || !ps[0].NoValue() {
		t.Errorf("no value: %+v", ps)
	}
}
