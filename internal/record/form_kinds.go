package record

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Code systems and extension URLs used by manual entries.
const (
	sysLOINC       = "http://loinc.org"
	sysUCUM        = "http://unitsofmeasure.org"
	sysObsCategory = "http://terminology.hl7.org/CodeSystem/observation-category"
	sysInterp      = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
	sysActCode     = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
	sysV20074      = "http://terminology.hl7.org/CodeSystem/v2-0074"
	sysV20131      = "http://terminology.hl7.org/CodeSystem/v2-0131"
	sysDICOM       = "http://dicom.nema.org/resources/ontology/DCM"
	sysCondClin    = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	sysAllergyClin = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
	sysDocCategory = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
	sysCovClass    = "http://terminology.hl7.org/CodeSystem/coverage-class"

	extBodySite         = "http://hl7.org/fhir/StructureDefinition/bodySite"
	extVisitSummary     = "urn:backpack:fhir:visit-summary"
	extVisitInstruction = "urn:backpack:fhir:visit-instructions"
)

// fieldDef is a form field with how it reads and writes the resource.
type fieldDef struct {
	Field
	get func(obj) string
	set func(obj, string)
}

type kindSpec struct {
	resourceType string
	also         []string // other resource types the form can edit
	subject      string   // key of the patient reference
	fields       []fieldDef
	defaults     map[string]string
	skeleton     func(obj)
	finish       func(m obj, f Form, isNew bool, changed map[string]bool)
	validate     func(Form) []FieldError
}

func (s *kindSpec) accepts(t string) bool { return t == s.resourceType || slices.Contains(s.also, t) }

// --- accessors

func fd(name string, t FieldType, get func(obj) string, set func(obj, string)) fieldDef {
	return fieldDef{Field: Field{Name: name, Type: t}, get: get, set: set}
}

func (f fieldDef) required() fieldDef           { f.Required = true; return f }
func (f fieldDef) choices(c ...string) fieldDef { f.Choices = c; return f }

// strAt: a string at a path; "" deletes it.
func strAt(name string, t FieldType, path ...any) fieldDef {
	return fd(name, t, func(m obj) string { return strings.TrimSpace(str(m, path...)) },
		func(m obj, v string) {
			if v == "" {
				delAt(m, path...)
			} else {
				setAt(m, v, path...)
			}
		})
}

// numAt: a decimal at a path, kept as written.
func numAt(name string, path ...any) fieldDef {
	return fd(name, FieldNumber, func(m obj) string { return numText(m, path...) },
		func(m obj, v string) {
			if v == "" {
				delAt(m, path...)
			} else {
				setAt(m, json.Number(v), path...)
			}
		})
}

// dateAt: a date at primary; fallbacks are read when primary is empty and
// deleted on write when exclusive (FHIR choice types such as onset[x]).
func dateAt(name string, primary []any, exclusive bool, fallbacks ...[]any) fieldDef {
	return fd(name, FieldDate, func(m obj) string {
		for _, p := range append([][]any{primary}, fallbacks...) {
			if t, prec, ok := ParseDate(str(m, p...)); ok {
				return FormatDate(t, prec)
			}
		}
		return ""
	}, func(m obj, v string) {
		if exclusive {
			for _, p := range fallbacks {
				delAt(m, p[:len(p)-1]...) // the whole choice element (e.g. onsetPeriod)
				if len(p) == 1 {
					delAt(m, p...)
				}
			}
		}
		if v == "" {
			delAt(m, primary...)
		} else {
			setAt(m, v, primary...)
		}
	})
}

// conceptAt: a CodeableConcept at a path, written as text plus codes from lookup.
func conceptAt(name string, lookup func(string) []Code, path ...any) fieldDef {
	return fd(name, FieldText, func(m obj) string { return conceptTitle(get(m, path...)) },
		func(m obj, v string) {
			if v == "" {
				delAt(m, path...)
				return
			}
			setAt(m, concept(v, lookup), path...)
		})
}

func concept(text string, lookup func(string) []Code) obj {
	cc := obj{"text": text}
	if lookup != nil {
		if codes := lookup(text); len(codes) > 0 {
			cc["coding"] = codingList(codes...)
		}
	}
	return cc
}

func codingList(codes ...Code) []any {
	out := make([]any, 0, len(codes))
	for _, c := range codes {
		o := obj{"system": c.System, "code": c.Code}
		if c.Display != "" {
			o["display"] = c.Display
		}
		out = append(out, o)
	}
	return out
}

// codedAt: a choice field stored as a coding at path (system, code, display from table).
func codedAt(name string, table []coded, path ...any) fieldDef {
	choices := make([]string, len(table))
	for i, c := range table {
		choices[i] = c.choice
	}
	return fd(name, FieldChoice, func(m obj) string {
		for _, c := range table {
			if conceptHas(get(m, path...), c.Code.Code) {
				return c.choice
			}
		}
		return ""
	}, func(m obj, v string) {
		for _, c := range table {
			if c.choice == v {
				setAt(m, obj{"coding": codingList(c.Code)}, path...)
				return
			}
		}
		delAt(m, path...)
	}).choices(choices...)
}

type coded struct {
	choice string
	Code
}

// telecomAt: the first contact point of a system.
func telecomAt(name string, t FieldType, system string) fieldDef {
	return fd(name, t, func(m obj) string { return telecom(arr(m, "telecom"), system) },
		func(m obj, v string) {
			list := arr(m, "telecom")
			for i, tc := range list {
				if str(tc, "system") == system {
					if v == "" {
						delAt(m, "telecom", i)
					} else {
						setAt(m, v, "telecom", i, "value")
					}
					return
				}
			}
			if v != "" {
				m["telecom"] = append(list, obj{"system": system, "value": v})
			}
		})
}

// extStringAt: a string extension by URL.
func extStringAt(name string, t FieldType, url string) fieldDef {
	return fd(name, t, func(m obj) string { return extString(m, url) },
		func(m obj, v string) { setExt(m, url, "valueString", v) })
}

func setExt(m obj, url, key string, v any) {
	empty := v == "" || v == nil
	for i, e := range arr(m, "extension") {
		if str(e, "url") == url {
			if empty {
				delAt(m, "extension", i)
			} else {
				setAt(m, v, "extension", i, key)
			}
			return
		}
	}
	if !empty {
		m["extension"] = append(arr(m, "extension"), obj{"url": url, key: v})
	}
}

// elementWhere: an element of the array at key selected by match; the field
// reads and writes path inside it; a new element starts as make().
func elementWhere(name string, t FieldType, key string, match func(any) bool, make func() obj, path ...any) fieldDef {
	find := func(m obj) int {
		for i, e := range arr(m, key) {
			if match(e) {
				return i
			}
		}
		return -1
	}
	return fd(name, t, func(m obj) string {
		i := find(m)
		if i < 0 {
			return ""
		}
		if len(path) == 0 {
			return conceptTitle(get(m, key, i))
		}
		if n := numText(m, append([]any{key, i}, path...)...); n != "" {
			return n
		}
		return strings.TrimSpace(str(m, append([]any{key, i}, path...)...))
	}, func(m obj, v string) {
		i := find(m)
		if v == "" {
			if i >= 0 {
				delAt(m, key, i)
			}
			return
		}
		if i < 0 {
			m[key] = append(arr(m, key), make())
			i = len(arr(m, key)) - 1
		}
		var val any = v
		if t == FieldNumber {
			val = json.Number(v)
		}
		if len(path) == 0 {
			setAt(m, obj{"text": v}, key, i)
			return
		}
		setAt(m, val, append([]any{key, i}, path...)...)
	})
}

// byType picks the field's accessor by the resource's type; types not
// listed have nothing to read or write for the field.
func byType(name string, t FieldType, defs map[string]fieldDef) fieldDef {
	return fd(name, t, func(m obj) string {
		if d, ok := defs[str(m, "resourceType")]; ok {
			return d.get(m)
		}
		return ""
	}, func(m obj, v string) {
		if d, ok := defs[str(m, "resourceType")]; ok {
			d.set(m, v)
		}
	})
}

// humanNameAt: the first HumanName of a list; a new value replaces it with text.
func humanNameAt(name string) fieldDef {
	return fd(name, FieldText, func(m obj) string { return firstName(arr(m, "name")) },
		func(m obj, v string) {
			if v == "" {
				delAt(m, "name", 0)
			} else {
				setAt(m, obj{"text": v}, "name", 0)
			}
		})
}

func noteField() fieldDef { return strAt("note", FieldLongText, "note", 0, "text") }

func p(keys ...any) []any { return keys }

// --- vocabularies

var visitTypes = []coded{
	{"office", Code{sysActCode, "AMB", "ambulatory"}},
	{"telehealth", Code{sysActCode, "VR", "virtual"}},
	{"emergency", Code{sysActCode, "EMER", "emergency"}},
	{"inpatient", Code{sysActCode, "IMP", "inpatient encounter"}},
	{"home", Code{sysActCode, "HH", "home health"}},
}

var interpCodes = []coded{
	{"H", Code{sysInterp, "H", "High"}},
	{"L", Code{sysInterp, "L", "Low"}},
	{"N", Code{sysInterp, "N", "Normal"}},
	{"A", Code{sysInterp, "A", "Abnormal"}},
}

type vitalType struct {
	name  string
	code  Code
	unit  string // UCUM code of the default unit
	alias []string
}

var vitalTypes = []vitalType{
	{"blood-pressure", Code{sysLOINC, loincBPPanel, "Blood pressure panel with all children optional"}, "mm[Hg]", []string{"55284-4"}},
	{"weight", Code{sysLOINC, "29463-7", "Body weight"}, "kg", []string{"3141-9"}},
	{"height", Code{sysLOINC, "8302-2", "Body height"}, "cm", []string{"8306-3"}},
	{"temperature", Code{sysLOINC, "8310-5", "Body temperature"}, "Cel", nil},
	{"heart-rate", Code{sysLOINC, "8867-4", "Heart rate"}, "/min", nil},
	{"respiratory-rate", Code{sysLOINC, "9279-1", "Respiratory rate"}, "/min", nil},
	{"oxygen-saturation", Code{sysLOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"}, "%", []string{"2708-6"}},
	{"bmi", Code{sysLOINC, "39156-5", "Body mass index (BMI) [Ratio]"}, "kg/m2", nil},
	{"head-circumference", Code{sysLOINC, "9843-4", "Head Occipital-frontal circumference"}, "cm", []string{"8287-5"}},
}

func vitalByName(n string) *vitalType {
	for i := range vitalTypes {
		if vitalTypes[i].name == n {
			return &vitalTypes[i]
		}
	}
	return nil
}

// ucumCodes maps units as people type them to UCUM codes.
var ucumCodes = map[string]string{
	"mmhg": "mm[Hg]", "mm[hg]": "mm[Hg]", "kg": "kg", "g": "g", "lb": "[lb_av]", "lbs": "[lb_av]", "[lb_av]": "[lb_av]",
	"cm": "cm", "m": "m", "in": "[in_i]", "[in_i]": "[in_i]", "°c": "Cel", "c": "Cel", "cel": "Cel", "°f": "[degF]",
	"f": "[degF]", "[degf]": "[degF]", "/min": "/min", "bpm": "/min", "%": "%", "kg/m2": "kg/m2", "kg/m²": "kg/m2",
	"mg/dl": "mg/dL", "mmol/l": "mmol/L", "g/dl": "g/dL", "miu/l": "m[IU]/L", "ng/ml": "ng/mL", "u/l": "U/L",
}

func quantityUnit(unit string) obj {
	q := obj{"unit": prettyUnit(unit)}
	if c, ok := ucumCodes[strings.ToLower(unit)]; ok {
		q["unit"], q["system"], q["code"] = prettyUnit(unit), sysUCUM, c
	}
	return q
}

// labCodes maps common test names (English and Spanish, folded) to LOINC.
var labCodes = func() map[string]Code {
	m := map[string]Code{}
	add := func(c Code, names ...string) {
		for _, n := range names {
			m[n] = c
		}
	}
	add(Code{sysLOINC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"}, "hemoglobin a1c", "hba1c", "a1c", "hemoglobina a1c", "hemoglobina glicosilada")
	add(Code{sysLOINC, "2345-7", "Glucose [Mass/volume] in Serum or Plasma"}, "glucose", "glucosa", "fasting glucose", "glucosa en ayunas")
	add(Code{sysLOINC, "2093-3", "Cholesterol [Mass/volume] in Serum or Plasma"}, "cholesterol", "total cholesterol", "colesterol", "colesterol total")
	add(Code{sysLOINC, "18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay"}, "ldl", "ldl cholesterol", "colesterol ldl")
	add(Code{sysLOINC, "2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma"}, "hdl", "hdl cholesterol", "colesterol hdl")
	add(Code{sysLOINC, "2571-8", "Triglyceride [Mass/volume] in Serum or Plasma"}, "triglycerides", "trigliceridos")
	add(Code{sysLOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"}, "creatinine", "creatinina")
	add(Code{sysLOINC, "718-7", "Hemoglobin [Mass/volume] in Blood"}, "hemoglobin", "hemoglobina")
	add(Code{sysLOINC, "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma"}, "tsh", "thyrotropin", "tirotropina")
	add(Code{sysLOINC, "2823-3", "Potassium [Moles/volume] in Serum or Plasma"}, "potassium", "potasio")
	add(Code{sysLOINC, "2951-2", "Sodium [Moles/volume] in Serum or Plasma"}, "sodium", "sodio")
	add(Code{sysLOINC, "62292-8", "25-Hydroxyvitamin D2+D3 [Mass/volume] in Serum or Plasma"}, "vitamin d", "vitamina d")
	add(Code{sysLOINC, "777-3", "Platelets [#/volume] in Blood by Automated count"}, "platelets", "plaquetas")
	add(Code{sysLOINC, "6690-2", "Leukocytes [#/volume] in Blood by Automated count"}, "white blood cells", "wbc", "leucocitos")
	add(Code{sysLOINC, "1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma"}, "alt", "alanine aminotransferase")
	add(Code{sysLOINC, "1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma"}, "ast", "aspartate aminotransferase")
	add(Code{sysLOINC, "2857-1", "Prostate specific Ag [Mass/volume] in Serum or Plasma"}, "psa")
	add(Code{sysLOINC, "33914-3", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)"}, "egfr")
	add(Code{sysLOINC, "3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma"}, "bun", "urea nitrogen")
	add(Code{sysLOINC, "2276-4", "Ferritin [Mass/volume] in Serum or Plasma"}, "ferritin", "ferritina")
	return m
}()

func labLookup(name string) []Code {
	if c, ok := labCodes[strings.Join(words(name), " ")]; ok {
		return []Code{c}
	}
	return nil
}

var noteTypeCodes = []coded{
	{"progress", Code{sysLOINC, "11506-3", "Progress note"}},
	{"discharge", Code{sysLOINC, "18842-5", "Discharge summary"}},
	{"consult", Code{sysLOINC, "11488-4", "Consult note"}},
	{"history", Code{sysLOINC, "34117-2", "History and physical note"}},
	{"procedure", Code{sysLOINC, "28570-0", "Procedure note"}},
	{"other", Code{sysLOINC, "34109-9", "Note"}},
}

var modalities = []string{"XR", "CT", "MR", "US", "NM", "PT", "MG", "DX", "OT"}

// --- the forms

var specs = map[Kind]*kindSpec{}

func init() {
	specs[KindVisit] = &kindSpec{
		resourceType: "Encounter", subject: "subject",
		fields: []fieldDef{
			dateAt("date", p("period", "start"), false).required(),
			dateAt("end", p("period", "end"), false),
			visitClassField(),
			conceptAt("title", nil, "type", 0),
			strAt("provider", FieldText, "participant", 0, "individual", "display"),
			strAt("facility", FieldText, "serviceProvider", "display"),
			conceptAt("reason", nil, "reasonCode", 0),
			extStringAt("summary", FieldLongText, extVisitSummary),
			extStringAt("instructions", FieldLongText, extVisitInstruction),
		},
		defaults: map[string]string{"type": "office"},
		skeleton: func(m obj) {
			m["status"] = "finished"
			m["class"] = codingList(visitTypes[0].Code)[0]
		},
		validate: func(f Form) []FieldError { return dateOrder(f, "date", "end") },
	}
	specs[KindLab] = &kindSpec{
		resourceType: "Observation", subject: "subject",
		fields: []fieldDef{
			conceptAt("test", labLookup, "code").required(),
			dateAt("date", p("effectiveDateTime"), true, p("effectivePeriod", "start"), p("effectiveInstant")).required(),
			labValueField(),
			fd("unit", FieldText, func(m obj) string {
				return prettyUnit(firstNonEmpty(str(m, "valueQuantity", "unit"), str(m, "valueQuantity", "code")))
			}, func(m obj, v string) {
				if objAt(m, "valueQuantity") == nil {
					return
				}
				for _, k := range []string{"unit", "system", "code"} {
					delAt(m, "valueQuantity", k)
				}
				if v != "" {
					for k, x := range quantityUnit(v) {
						setAt(m, x, "valueQuantity", k)
					}
				}
			}),
			numAt("low", "referenceRange", 0, "low", "value"),
			numAt("high", "referenceRange", 0, "high", "value"),
			fd("flag", FieldChoice, func(m obj) string {
				got := interpretation(m)
				v, ok := num(m, "valueQuantity", "value")
				if ok && got == computeInterp(v, refBound(m, "low"), refBound(m, "high")) {
					return "" // automatic
				}
				if !slices.ContainsFunc(interpCodes, func(c coded) bool { return c.choice == got }) {
					return ""
				}
				return got
			}, func(m obj, v string) {
				for _, c := range interpCodes {
					if c.choice == v {
						m["interpretation"] = []any{obj{"coding": codingList(c.Code)}}
					}
				}
			}).choices("H", "L", "N", "A"),
			strAt("lab", FieldText, "performer", 0, "display"),
			noteField(),
		},
		skeleton: func(m obj) {
			m["status"] = "final"
			m["category"] = []any{obj{"coding": codingList(Code{sysObsCategory, "laboratory", "Laboratory"})}}
		},
		finish: func(m obj, f Form, isNew bool, changed map[string]bool) {
			if f.value("flag") != "" || !(isNew || changed["value"] || changed["low"] || changed["high"] || changed["flag"]) {
				return
			}
			v, ok := num(m, "valueQuantity", "value")
			flag := ""
			if ok {
				flag = computeInterp(v, refBound(m, "low"), refBound(m, "high"))
			}
			delete(m, "interpretation")
			for _, c := range interpCodes {
				if c.choice == flag {
					m["interpretation"] = []any{obj{"coding": codingList(c.Code)}}
				}
			}
			changed["flag"] = true
		},
		validate: func(f Form) []FieldError {
			var errs []FieldError
			lo, ok1 := parseNumber(f.value("low"))
			hi, ok2 := parseNumber(f.value("high"))
			if ok1 && ok2 {
				l, _ := strconv.ParseFloat(lo, 64)
				h, _ := strconv.ParseFloat(hi, 64)
				if l > h {
					errs = append(errs, FieldError{"high", "record.err.range"})
				}
			}
			return errs
		},
	}

	vitalNames := make([]string, 0, len(vitalTypes)+1)
	for _, v := range vitalTypes {
		vitalNames = append(vitalNames, v.name)
	}
	vitalNames = append(vitalNames, "other")
	specs[KindVital] = &kindSpec{
		resourceType: "Observation", subject: "subject",
		fields: []fieldDef{
			fd("type", FieldChoice, vitalTypeOf, func(m obj, v string) {
				vt := vitalByName(v)
				if vt == nil { // "other": the name field writes the code
					if vitalTypeOf(m) != "other" {
						delete(m, "code")
					}
					return
				}
				m["code"] = obj{"coding": codingList(vt.code), "text": vt.code.Display}
				if vt.name == "blood-pressure" {
					for _, k := range valueKeys {
						delete(m, k)
					}
				} else {
					delete(m, "component")
				}
			}).required().choices(vitalNames...),
			fd("name", FieldText, func(m obj) string {
				if vitalTypeOf(m) != "other" {
					return ""
				}
				return conceptTitle(m["code"])
			}, func(m obj, v string) {
				if t := vitalTypeOf(m); v != "" && (t == "other" || t == "") {
					m["code"] = obj{"text": v}
				}
			}),
			dateAt("date", p("effectiveDateTime"), true, p("effectivePeriod", "start"), p("effectiveInstant")).required(),
			fd("value", FieldNumber, func(m obj) string { return numText(m, "valueQuantity", "value") },
				func(m obj, v string) {
					if v == "" {
						delete(m, "valueQuantity")
						return
					}
					for _, k := range valueKeys {
						if k != "valueQuantity" {
							delete(m, k)
						}
					}
					setAt(m, json.Number(v), "valueQuantity", "value")
				}),
			fd("unit", FieldText, func(m obj) string {
				return prettyUnit(firstNonEmpty(str(m, "valueQuantity", "unit"), str(m, "valueQuantity", "code")))
			}, func(m obj, v string) {
				if objAt(m, "valueQuantity") == nil {
					return
				}
				for _, k := range []string{"unit", "system", "code"} {
					delAt(m, "valueQuantity", k)
				}
				if v != "" {
					for k, x := range quantityUnit(v) {
						setAt(m, x, "valueQuantity", k)
					}
				}
			}),
			bpComponent("systolic", Code{sysLOINC, loincSystolic, "Systolic blood pressure"}),
			bpComponent("diastolic", Code{sysLOINC, loincDiastolic, "Diastolic blood pressure"}),
			noteField(),
		},
		defaults: map[string]string{"type": "blood-pressure"},
		skeleton: func(m obj) {
			m["status"] = "final"
			m["category"] = []any{obj{"coding": codingList(Code{sysObsCategory, "vital-signs", "Vital Signs"})}}
		},
		finish: func(m obj, f Form, isNew bool, changed map[string]bool) {
			vt := vitalByName(vitalTypeOf(m))
			if q := objAt(m, "valueQuantity"); q != nil && str(q, "unit") == "" && str(q, "code") == "" && vt != nil {
				for k, x := range quantityUnit(vt.unit) {
					q[k] = x
				}
				q["code"] = vt.unit
			}
		},
		validate: func(f Form) []FieldError {
			switch f.value("type") {
			case "blood-pressure":
				var errs []FieldError
				for _, n := range []string{"systolic", "diastolic"} {
					if f.value(n) == "" {
						errs = append(errs, FieldError{n, "record.err.required"})
					}
				}
				return errs
			case "other":
				var errs []FieldError
				if f.value("name") == "" {
					errs = append(errs, FieldError{"name", "record.err.required"})
				}
				if f.value("value") == "" {
					errs = append(errs, FieldError{"value", "record.err.required"})
				}
				return errs
			case "":
				return nil
			default:
				if f.value("value") == "" {
					return []FieldError{{"value", "record.err.required"}}
				}
			}
			return nil
		},
	}

	medDates := func(name, msKey, mrKey string, mrFallback ...[]any) fieldDef {
		ms := dateAt(name, p("effectivePeriod", msKey), false)
		if msKey == "start" { // effective[x]: a dateTime becomes the period's start
			ms = dateAt(name, p("effectivePeriod", msKey), true, p("effectiveDateTime"))
		}
		return byType(name, FieldDate, map[string]fieldDef{
			"MedicationStatement": ms,
			"MedicationRequest":   dateAt(name, p("dispenseRequest", "validityPeriod", mrKey), false, mrFallback...),
		})
	}
	specs[KindMedication] = &kindSpec{
		resourceType: "MedicationStatement", also: []string{"MedicationRequest"}, subject: "subject",
		fields: []fieldDef{
			fd("name", FieldText, func(m obj) string {
				name, _ := medicationName(m)
				return name
			}, func(m obj, v string) {
				// A contained Medication that only the old reference used goes with it.
				if r := str(m, "medicationReference", "reference"); strings.HasPrefix(r, "#") {
					for i, c := range arr(m, "contained") {
						if str(c, "resourceType") == "Medication" && "#"+str(c, "id") == r {
							delAt(m, "contained", i)
							break
						}
					}
				}
				delete(m, "medicationReference")
				m["medicationCodeableConcept"] = obj{"text": v}
			}).required(),
			byType("dose", FieldText, map[string]fieldDef{
				"MedicationStatement": strAt("dose", FieldText, "dosage", 0, "text"),
				"MedicationRequest":   strAt("dose", FieldText, "dosageInstruction", 0, "text"),
			}),
			byType("schedule", FieldText, map[string]fieldDef{
				"MedicationStatement": strAt("schedule", FieldText, "dosage", 0, "timing", "code", "text"),
				"MedicationRequest":   strAt("schedule", FieldText, "dosageInstruction", 0, "timing", "code", "text"),
			}),
			medDates("start", "start", "start", p("authoredOn")),
			medDates("stop", "end", "end"),
			strAt("status", FieldChoice, "status").choices("active", "completed", "stopped", "on-hold"),
			conceptAt("reason", nil, "reasonCode", 0),
			byType("prescriber", FieldText, map[string]fieldDef{
				"MedicationStatement": strAt("prescriber", FieldText, "informationSource", "display"),
				"MedicationRequest":   strAt("prescriber", FieldText, "requester", "display"),
			}),
			noteField(),
		},
		defaults: map[string]string{"status": "active"},
		skeleton: func(m obj) { m["status"] = "active" },
		finish: func(m obj, f Form, isNew bool, changed map[string]bool) {
			if str(m, "status") == "" {
				m["status"] = "active"
			}
		},
		validate: func(f Form) []FieldError { return dateOrder(f, "start", "stop") },
	}

	specs[KindAllergy] = &kindSpec{
		resourceType: "AllergyIntolerance", subject: "patient",
		fields: []fieldDef{
			conceptAt("substance", nil, "code").required(),
			conceptAt("reaction", nil, "reaction", 0, "manifestation", 0),
			strAt("severity", FieldChoice, "reaction", 0, "severity").choices("mild", "moderate", "severe"),
			strAt("criticality", FieldChoice, "criticality").choices("low", "high", "unable-to-assess"),
			strAt("category", FieldChoice, "category", 0).choices("food", "medication", "environment", "biologic"),
			dateAt("onset", p("onsetDateTime"), true, p("onsetPeriod", "start"), p("onsetString")),
			clinicalStatus("status", sysAllergyClin).choices("active", "inactive", "resolved"),
			noteField(),
		},
		defaults: map[string]string{"status": "active"},
		validate: func(f Form) []FieldError {
			if f.value("severity") != "" && f.value("reaction") == "" {
				return []FieldError{{"reaction", "record.err.reaction"}}
			}
			return nil
		},
	}

	specs[KindCondition] = &kindSpec{
		resourceType: "Condition", subject: "subject",
		fields: []fieldDef{
			conceptAt("name", nil, "code").required(),
			dateAt("onset", p("onsetDateTime"), true, p("onsetPeriod", "start"), p("onsetString")),
			clinicalStatus("status", sysCondClin).choices("active", "recurrence", "relapse", "inactive", "remission", "resolved"),
			dateAt("abated", p("abatementDateTime"), true, p("abatementPeriod", "end"), p("abatementString")),
			noteField(),
		},
		defaults: map[string]string{"status": "active"},
		validate: func(f Form) []FieldError {
			errs := dateOrder(f, "onset", "abated")
			switch f.value("status") {
			case "active", "recurrence", "relapse":
				if f.value("abated") != "" {
					errs = append(errs, FieldError{"status", "record.err.abated"})
				}
			}
			return errs
		},
	}

	specs[KindImmunization] = &kindSpec{
		resourceType: "Immunization", subject: "patient",
		fields: []fieldDef{
			conceptAt("vaccine", nil, "vaccineCode").required(),
			dateAt("date", p("occurrenceDateTime"), true, p("occurrenceString")).required(),
			fd("dose", FieldText, func(m obj) string {
				return firstNonEmpty(numText(m, "protocolApplied", 0, "doseNumberPositiveInt"), str(m, "protocolApplied", 0, "doseNumberString"))
			}, func(m obj, v string) {
				delAt(m, "protocolApplied", 0, "doseNumberPositiveInt")
				delAt(m, "protocolApplied", 0, "doseNumberString")
				if n, err := strconv.Atoi(v); err == nil && n > 0 && strconv.Itoa(n) == v {
					setAt(m, json.Number(v), "protocolApplied", 0, "doseNumberPositiveInt")
				} else if v != "" {
					setAt(m, v, "protocolApplied", 0, "doseNumberString")
				}
			}),
			strAt("lot", FieldText, "lotNumber"),
			strAt("provider", FieldText, "performer", 0, "actor", "display"),
			noteField(),
		},
		skeleton: func(m obj) { m["status"] = "completed"; m["primarySource"] = true },
	}

	specs[KindProcedure] = &kindSpec{
		resourceType: "Procedure", subject: "subject",
		fields: []fieldDef{
			conceptAt("name", nil, "code").required(),
			dateAt("date", p("performedDateTime"), true, p("performedPeriod", "start"), p("performedString")),
			strAt("provider", FieldText, "performer", 0, "actor", "display"),
			conceptAt("reason", nil, "reasonCode", 0),
			conceptAt("bodySite", nil, "bodySite", 0),
			noteField(),
		},
		skeleton: func(m obj) { m["status"] = "completed" },
	}

	isDCM := func(c any) bool { return str(c, "coding", 0, "system") == sysDICOM }
	specs[KindImaging] = &kindSpec{
		resourceType: "DiagnosticReport", subject: "subject",
		fields: []fieldDef{
			fd("modality", FieldChoice, func(m obj) string {
				for _, c := range arr(m, "category") {
					if isDCM(c) {
						return str(c, "coding", 0, "code")
					}
				}
				return ""
			}, func(m obj, v string) {
				for i, c := range arr(m, "category") {
					if isDCM(c) {
						delAt(m, "category", i)
						break
					}
				}
				if v != "" {
					m["category"] = append(arr(m, "category"), obj{"coding": codingList(Code{System: sysDICOM, Code: v})})
				}
			}).choices(modalities...),
			fd("bodySite", FieldText, func(m obj) string {
				for _, e := range arr(m, "extension") {
					if str(e, "url") == extBodySite {
						return conceptTitle(get(e, "valueCodeableConcept"))
					}
				}
				return ""
			}, func(m obj, v string) {
				if v == "" {
					setExt(m, extBodySite, "valueCodeableConcept", nil)
				} else {
					setExt(m, extBodySite, "valueCodeableConcept", obj{"text": v})
				}
			}),
			dateAt("date", p("effectiveDateTime"), true, p("effectivePeriod", "start")).required(),
			conceptAt("title", nil, "code"),
			strAt("findings", FieldLongText, "conclusion"),
			strAt("provider", FieldText, "performer", 0, "display"),
		},
		skeleton: func(m obj) {
			m["status"] = "final"
			m["category"] = []any{obj{"coding": codingList(Code{sysV20074, "RAD", "Radiology"})}}
		},
		finish: func(m obj, f Form, isNew bool, changed map[string]bool) {
			if conceptTitle(m["code"]) == "" && len(arr(m, "code", "coding")) == 0 {
				m["code"] = obj{"text": firstNonEmpty(strings.TrimSpace(f.value("modality")+" "+f.value("bodySite")), "Imaging")}
			}
		},
	}

	docDate := dateAt("date", p("context", "period", "start"), false, p("date"))
	specs[KindClinicianNote] = &kindSpec{
		resourceType: "DocumentReference", also: []string{}, subject: "subject",
		fields: []fieldDef{
			strAt("title", FieldText, "description"),
			codedAt("type", noteTypeCodes, "type"),
			docDate.required(),
			strAt("author", FieldText, "author", 0, "display"),
			fd("text", FieldLongText, func(m obj) string {
				if i := textContent(m); i >= 0 {
					return fullAttachmentText(objAt(m, "content", i, "attachment"))
				}
				return ""
			}, func(m obj, v string) {
				i := textContent(m)
				if v == "" {
					if i >= 0 {
						delAt(m, "content", i)
					}
					return
				}
				att := obj{"contentType": "text/plain; charset=utf-8", "data": base64.StdEncoding.EncodeToString([]byte(v))}
				if i < 0 {
					m["content"] = append(arr(m, "content"), obj{"attachment": att})
				} else {
					setAt(m, att, "content", i, "attachment")
				}
			}).required(),
		},
		defaults: map[string]string{"type": "progress"},
		skeleton: func(m obj) {
			m["status"] = "current"
			m["date"] = time.Now().UTC().Format(time.RFC3339)
			m["category"] = []any{obj{"coding": codingList(Code{sysDocCategory, "clinical-note", "Clinical Note"})}}
		},
	}

	specs[KindDocument] = &kindSpec{
		resourceType: "DocumentReference", subject: "subject",
		fields: []fieldDef{
			strAt("title", FieldText, "description").required(),
			conceptAt("type", nil, "type"),
			docDate,
			strAt("author", FieldText, "author", 0, "display"),
		},
		skeleton: func(m obj) {
			m["status"] = "current"
			m["date"] = time.Now().UTC().Format(time.RFC3339)
		},
		finish: func(m obj, f Form, isNew bool, changed map[string]bool) {
			if len(arr(m, "content")) == 0 {
				m["content"] = []any{obj{"attachment": obj{"title": f.value("title")}}}
			}
		},
	}

	specs[KindCareTeam] = &kindSpec{
		resourceType: "PractitionerRole", also: []string{"Practitioner", "Organization"},
		fields: []fieldDef{
			byType("name", FieldText, map[string]fieldDef{
				"PractitionerRole": strAt("name", FieldText, "practitioner", "display"),
				"Practitioner":     humanNameAt("name"),
			}),
			byType("role", FieldText, map[string]fieldDef{
				"PractitionerRole": conceptAt("role", nil, "code", 0),
				"Practitioner":     conceptAt("role", nil, "qualification", 0, "code"),
				"Organization":     conceptAt("role", nil, "type", 0),
			}),
			byType("specialty", FieldText, map[string]fieldDef{
				"PractitionerRole": conceptAt("specialty", nil, "specialty", 0),
			}),
			byType("organization", FieldText, map[string]fieldDef{
				"PractitionerRole": strAt("organization", FieldText, "organization", "display"),
				"Organization":     strAt("organization", FieldText, "name"),
			}),
			telecomAt("phone", FieldPhone, "phone"),
			telecomAt("email", FieldEmail, "email"),
			byType("address", FieldText, map[string]fieldDef{
				"PractitionerRole": strAt("address", FieldText, "location", 0, "display"),
				"Practitioner":     addressAt("address"),
				"Organization":     addressAt("address"),
			}),
		},
		skeleton: func(m obj) { m["active"] = true },
		validate: func(f Form) []FieldError {
			if f.value("name") == "" && f.value("organization") == "" {
				return []FieldError{{"name", "record.err.required"}}
			}
			return nil
		},
	}

	isClass := func(code string) func(any) bool {
		return func(c any) bool { return conceptHas(get(c, "type"), code) }
	}
	newClass := func(code string) func() obj {
		return func() obj { return obj{"type": obj{"coding": codingList(Code{System: sysCovClass, Code: code})}} }
	}
	specs[KindInsurance] = &kindSpec{
		resourceType: "Coverage", subject: "beneficiary",
		fields: []fieldDef{
			strAt("payer", FieldText, "payor", 0, "display").required(),
			strAt("member", FieldText, "subscriberId"),
			elementWhere("group", FieldText, "class", isClass("group"), newClass("group"), "value"),
			elementWhere("plan", FieldText, "class", isClass("plan"), newClass("plan"), "value"),
			dateAt("start", p("period", "start"), false),
			dateAt("end", p("period", "end"), false),
		},
		skeleton: func(m obj) { m["status"] = "active" },
		validate: func(f Form) []FieldError { return dateOrder(f, "start", "end") },
	}

	notEmergency := func(c any) bool { return !isEmergencyRole(c) }
	specs[KindEmergencyContact] = &kindSpec{
		resourceType: "RelatedPerson", subject: "patient",
		fields: []fieldDef{
			humanNameAt("name").required(),
			fd("relationship", FieldText, func(m obj) string {
				for _, c := range arr(m, "relationship") {
					if notEmergency(c) {
						return conceptTitle(c)
					}
				}
				return ""
			}, func(m obj, v string) {
				for i, c := range arr(m, "relationship") {
					if notEmergency(c) {
						if v == "" {
							delAt(m, "relationship", i)
						} else {
							setAt(m, obj{"text": v}, "relationship", i)
						}
						return
					}
				}
				if v != "" {
					m["relationship"] = append([]any{obj{"text": v}}, arr(m, "relationship")...)
				}
			}),
			telecomAt("phone", FieldPhone, "phone"),
			telecomAt("email", FieldEmail, "email"),
		},
		skeleton: func(m obj) {
			m["active"] = true
			m["relationship"] = []any{obj{"coding": codingList(Code{sysV20131, "C", "Emergency Contact"})}}
		},
	}
}

// valueKeys are Observation.value[x] members.
var valueKeys = []string{"valueQuantity", "valueCodeableConcept", "valueString", "valueBoolean", "valueInteger",
	"valueRange", "valueRatio", "valueSampledData", "valueTime", "valueDateTime", "valuePeriod"}

// labValueField reads and writes a lab value: a number becomes a Quantity,
// anything else a string.
func labValueField() fieldDef {
	return fd("value", FieldText, func(m obj) string {
		if s := numText(m, "valueQuantity", "value"); s != "" {
			return s
		}
		return valueText(m)
	}, func(m obj, v string) {
		q := objAt(m, "valueQuantity")
		for _, k := range valueKeys {
			delete(m, k)
		}
		if v == "" {
			return
		}
		if n, ok := parseNumber(v); ok {
			if q == nil {
				q = obj{}
			}
			q["value"] = json.Number(n)
			m["valueQuantity"] = q
			return
		}
		m["valueString"] = v
	}).required()
}

func refBound(m obj, which string) *float64 {
	if v, ok := num(m, "referenceRange", 0, which, "value"); ok {
		return &v
	}
	return nil
}

func vitalTypeOf(m obj) string {
	cc := m["code"]
	if cc == nil {
		return ""
	}
	for _, v := range vitalTypes {
		if conceptHas(cc, v.code.Code) || (len(v.alias) > 0 && conceptHas(cc, v.alias...)) {
			return v.name
		}
	}
	return "other"
}

func bpComponent(name string, code Code) fieldDef {
	return elementWhere(name, FieldNumber, "component",
		func(c any) bool { return conceptHas(get(c, "code"), code.Code) },
		func() obj {
			return obj{"code": obj{"coding": codingList(code), "text": code.Display},
				"valueQuantity": obj{"unit": "mmHg", "system": sysUCUM, "code": "mm[Hg]"}}
		}, "valueQuantity", "value")
}

func clinicalStatus(name, system string) fieldDef {
	return fd(name, FieldChoice, func(m obj) string { return statusCode(m["clinicalStatus"]) },
		func(m obj, v string) {
			if v == "" {
				delete(m, "clinicalStatus")
				return
			}
			m["clinicalStatus"] = obj{"coding": codingList(Code{System: system, Code: v})}
		})
}

func addressAt(name string) fieldDef {
	return fd(name, FieldText, func(m obj) string { return addressText(get(m, "address", 0)) },
		func(m obj, v string) {
			if v == "" {
				delAt(m, "address", 0)
			} else {
				setAt(m, obj{"text": v}, "address", 0)
			}
		})
}

// textContent is the index of the first text/plain content, or -1.
func textContent(m obj) int {
	for i, c := range arr(m, "content") {
		if strings.HasPrefix(strings.ToLower(str(c, "attachment", "contentType")), "text/plain") {
			return i
		}
	}
	return -1
}

func fullAttachmentText(att obj) string {
	b, err := base64.StdEncoding.DecodeString(str(att, "data"))
	if err != nil {
		return ""
	}
	return strings.ToValidUTF8(string(b), "")
}

// dateOrder checks that the end date is not before the start date.
func dateOrder(f Form, start, end string) []FieldError {
	a, _, ok1 := ParseDate(f.value(start))
	b, _, ok2 := ParseDate(f.value(end))
	if ok1 && ok2 && b.Before(a) {
		return []FieldError{{end, "record.err.order"}}
	}
	return nil
}

// visitClassField maps the visit type to Encounter.class (a Coding).
func visitClassField() fieldDef {
	names := make([]string, len(visitTypes))
	for i, c := range visitTypes {
		names[i] = c.choice
	}
	return fd("type", FieldChoice, func(m obj) string {
		for _, c := range visitTypes {
			if str(m, "class", "code") == c.Code.Code {
				return c.choice
			}
		}
		return ""
	}, func(m obj, v string) {
		for _, c := range visitTypes {
			if c.choice == v {
				m["class"] = codingList(c.Code)[0]
			}
		}
	}).choices(names...)
}
