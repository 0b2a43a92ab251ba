package record

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"backpack/internal/fhir"
)

// Profiles of Synthetic entries: most belong to the first.
const (
	SyntheticProfile      = "synthetic-self"
	SyntheticChildProfile = "synthetic-child"
)

type synthLab struct {
	name, unit        string
	low, high, mu, sd float64
	decimals          int
}

var synthLabs = []synthLab{
	{"Hemoglobin A1c", "%", 4, 5.6, 5.8, 0.6, 1},
	{"Glucose", "mg/dL", 70, 99, 98, 14, 0},
	{"Total cholesterol", "mg/dL", 0, 200, 190, 30, 0},
	{"LDL cholesterol", "mg/dL", 0, 100, 110, 25, 0},
	{"HDL cholesterol", "mg/dL", 40, 100, 52, 10, 0},
	{"Triglycerides", "mg/dL", 0, 150, 140, 40, 0},
	{"Creatinine", "mg/dL", 0.6, 1.3, 0.95, 0.2, 2},
	{"Hemoglobin", "g/dL", 12, 17.5, 14, 1.3, 1},
	{"TSH", "mIU/L", 0.4, 4, 2.1, 1, 2},
	{"Potassium", "mmol/L", 3.5, 5.1, 4.2, 0.4, 1},
	{"Sodium", "mmol/L", 135, 145, 140, 2.5, 0},
	{"Vitamin D", "ng/mL", 30, 100, 32, 10, 0},
	{"Platelets", "10*3/uL", 150, 400, 260, 50, 0},
	{"White blood cells", "10*3/uL", 4.5, 11, 7, 1.8, 1},
	{"ALT", "U/L", 7, 56, 30, 12, 0},
	{"AST", "U/L", 10, 40, 25, 8, 0},
	{"Ferritin", "ng/mL", 24, 336, 110, 60, 0},
	{"Urea nitrogen", "mg/dL", 7, 20, 14, 4, 0},
	{"Magnesium", "mg/dL", 1.7, 2.2, 2, 0.2, 1},
	{"Calcium", "mg/dL", 8.6, 10.3, 9.4, 0.4, 1},
}

var (
	synthProviders  = []string{"Dr. Ana Gómez", "Dr. Robert Chen", "Dr. Priya Natarajan", "Dr. Émile Dubois", "Dr. Sarah O'Neil", "Dr. Kwame Mensah", "Dr. Lucía Fernández", "Dr. John Smith"}
	synthFacilities = []string{"Clínica Norte", "Riverside Medical Center", "Hospital San José", "Lakeside Family Practice", "Mercy Urgent Care"}
	synthReasons    = []string{"Annual check-up", "Knee pain", "Follow-up diabetes", "Sore throat", "Back pain", "Headache", "Vaccination", "Blood pressure check", "Rash", "Cough and fever", "Dizziness", "Prenatal visit"}
	synthMeds       = []string{"Metformin", "Lisinopril", "Atorvastatin", "Levothyroxine", "Amlodipine", "Omeprazole", "Albuterol inhaler", "Sertraline", "Amoxicillin", "Ibuprofen", "Metoprolol", "Losartan"}
	synthDoses      = []string{"500 mg", "10 mg", "20 mg", "50 mcg", "5 mg", "40 mg", "2 puffs", "25 mg", "875 mg", "400 mg"}
	synthSchedules  = []string{"once a day", "twice a day", "at bedtime", "every 8 hours", "as needed"}
	synthConditions = []string{"Type 2 diabetes", "Hypertension", "Hyperlipidemia", "Hypothyroidism", "Asthma", "Migraine", "Osteoarthritis of knee", "Gastroesophageal reflux", "Anxiety", "Seasonal allergies", "Acute bronchitis", "Viral sinusitis"}
	synthAllergens  = []string{"Penicillin", "Peanuts", "Shellfish", "Latex", "Sulfa drugs", "Bee stings", "Pollen", "Cats"}
	synthReactions  = []string{"Hives", "Anaphylaxis", "Rash", "Swelling", "Wheezing", "Nausea"}
	synthVaccines   = []string{"Influenza, seasonal", "Tdap", "COVID-19 mRNA", "Hepatitis B", "MMR", "Pneumococcal conjugate", "Zoster recombinant", "HPV"}
	synthProcedures = []string{"Colonoscopy", "Dental cleaning", "Appendectomy", "Skin biopsy", "Knee arthroscopy", "Cataract surgery", "Electrocardiogram", "Physical therapy session"}
	synthSites      = []string{"Chest", "Left knee", "Right shoulder", "Abdomen", "Lumbar spine", "Head", "Right wrist"}
	synthNotes      = []string{"Patient doing well, continue current plan.", "Discussed diet and exercise; recheck in 3 months.", "Symptoms improving with treatment.", "Referred to specialist for further evaluation.", "Blood pressure above goal, medication adjusted."}
	synthMyNotes    = []string{"Ask about side effects", "Felt dizzy after the new dose", "Bring previous results next time", "Pharmacy changed the brand", "Fasting for this one"}
)

// Synthetic returns n realistic, deterministic entries (labs, vitals,
// visits, medications, conditions, allergies, immunizations, procedures,
// imaging, notes, care team, insurance, contacts) over ten years, with
// personal notes and a few error flags, built through the manual-entry
// forms. For tests and benchmarks, here and in other packages.
func Synthetic(n int, seed int64) []Entry {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	end := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int64(10 * 365 * 24 * time.Hour)
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	id := func() string {
		a, b := rng.Uint64(), rng.Uint64()
		return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", a>>32, a>>16&0xffff, a&0xfff, b>>52&0xfff, b&0xffffffffffff)
	}
	self := Profile{ID: SyntheticProfile, Patient: fhirRef("synthetic-patient-1")}
	child := Profile{ID: SyntheticChildProfile, Patient: fhirRef("synthetic-patient-2")}
	out := make([]Entry, 0, n)
	for len(out) < n {
		when := end.Add(-time.Duration(rng.Int64N(span))).Truncate(time.Minute)
		date := when.Format(time.DateOnly)
		f := Form{Fields: map[string]string{}}
		set := func(kv ...string) {
			for i := 0; i+1 < len(kv); i += 2 {
				f.Fields[kv[i]] = kv[i+1]
			}
		}
		switch r := rng.IntN(1000); {
		case r < 420:
			l := synthLabs[rng.IntN(len(synthLabs))]
			v := math.Max(l.mu+rng.NormFloat64()*l.sd, 0.01)
			f.Kind = KindLab
			set("test", l.name, "date", date, "value", strconv.FormatFloat(v, 'f', l.decimals, 64), "unit", l.unit,
				"high", strconv.FormatFloat(l.high, 'f', -1, 64), "lab", pick(synthFacilities))
			if l.low > 0 {
				set("low", strconv.FormatFloat(l.low, 'f', -1, 64))
			}
		case r < 600:
			f.Kind = KindVital
			switch rng.IntN(5) {
			case 0, 1:
				set("type", "blood-pressure", "systolic", strconv.Itoa(105+rng.IntN(45)), "diastolic", strconv.Itoa(65+rng.IntN(30)))
			case 2:
				set("type", "weight", "value", strconv.FormatFloat(68+rng.NormFloat64()*4, 'f', 1, 64), "unit", "kg")
			case 3:
				set("type", "heart-rate", "value", strconv.Itoa(55+rng.IntN(40)))
			default:
				set("type", "temperature", "value", strconv.FormatFloat(36.4+rng.Float64()*1.8, 'f', 1, 64))
			}
			set("date", when.Format("2006-01-02T15:04"))
		case r < 720:
			f.Kind = KindVisit
			set("date", date, "type", []string{"office", "office", "office", "telehealth", "emergency"}[rng.IntN(5)],
				"provider", pick(synthProviders), "facility", pick(synthFacilities), "reason", pick(synthReasons))
			if rng.IntN(2) == 0 {
				set("summary", pick(synthNotes))
			}
		case r < 770:
			f.Kind = KindMedication
			set("name", pick(synthMeds), "dose", pick(synthDoses), "schedule", pick(synthSchedules), "start", date,
				"prescriber", pick(synthProviders), "status", "active")
			if stop := when.AddDate(0, 1+rng.IntN(24), 0); stop.Before(end) && rng.IntN(3) > 0 {
				set("stop", stop.Format(time.DateOnly), "status", "completed")
			}
		case r < 810:
			f.Kind = KindCondition
			set("name", pick(synthConditions), "onset", date, "status", "active")
			if rng.IntN(2) == 0 {
				set("status", "resolved", "abated", when.AddDate(0, 0, 7+rng.IntN(60)).Format(time.DateOnly))
			}
		case r < 825:
			f.Kind = KindAllergy
			set("substance", pick(synthAllergens), "reaction", pick(synthReactions),
				"severity", []string{"mild", "moderate", "severe"}[rng.IntN(3)], "onset", date, "status", "active")
		case r < 875:
			f.Kind = KindImmunization
			set("vaccine", pick(synthVaccines), "date", date, "dose", strconv.Itoa(1+rng.IntN(3)), "lot", fmt.Sprintf("L%05d", rng.IntN(100000)),
				"provider", pick(synthProviders))
		case r < 925:
			f.Kind = KindProcedure
			set("name", pick(synthProcedures), "date", date, "provider", pick(synthProviders))
		case r < 945:
			f.Kind = KindImaging
			set("modality", modalities[rng.IntN(6)], "bodySite", pick(synthSites), "date", date,
				"findings", []string{"No acute findings.", "Mild degenerative changes.", "Small effusion.", "Normal study."}[rng.IntN(4)])
		case r < 975:
			f.Kind = KindClinicianNote
			set("title", pick(synthReasons), "type", "progress", "date", date, "author", pick(synthProviders), "text", pick(synthNotes))
		case r < 985:
			f.Kind = KindDocument
			set("title", "Scanned "+pick([]string{"discharge papers", "referral letter", "lab report", "vaccination card"}), "date", date)
			f.Files = []string{id()}
		case r < 993:
			f.Kind = KindCareTeam
			set("name", pick(synthProviders), "role", pick([]string{"Primary care", "Cardiologist", "Dentist", "Endocrinologist"}),
				"organization", pick(synthFacilities), "phone", fmt.Sprintf("+1 555 %03d %04d", rng.IntN(1000), rng.IntN(10000)))
		case r < 997:
			f.Kind = KindInsurance
			set("payer", pick([]string{"Acme Health", "Blue Shield", "Seguros Unidos"}), "member", fmt.Sprintf("M%08d", rng.IntN(1e8)),
				"group", fmt.Sprintf("G-%d", rng.IntN(1000)), "plan", pick([]string{"Gold PPO", "Silver HMO", "Basic"}))
		default:
			f.Kind = KindEmergencyContact
			set("name", pick([]string{"María López", "Tom Doe", "Akira Sato"}), "relationship", pick([]string{"Sister", "Husband", "Friend"}),
				"phone", fmt.Sprintf("+1 555 %03d %04d", rng.IntN(1000), rng.IntN(10000)))
		}
		p := self
		if rng.IntN(10) == 0 {
			p = child
		}
		r, err := f.build(p, nil, id())
		if err != nil {
			panic("record: synthetic form invalid: " + err.Error())
		}
		proj, err := Project(r)
		if err != nil {
			panic("record: synthetic projection failed")
		}
		created := when.Add(time.Duration(rng.IntN(72)) * time.Hour)
		e := Entry{ID: id(), Profile: p.ID, Resource: r, Projection: proj, Files: f.Files, Created: created, Updated: created,
			Provenance: Provenance{Source: "manual", ImportedAt: created}}
		if rng.IntN(30) == 0 {
			e.Notes = []Note{{ID: id(), Text: pick(synthMyNotes), Created: created}}
		}
		if rng.IntN(100) == 0 {
			e.Flag = &ErrorFlag{Note: "This is not my result", Created: created, Status: "open"}
		}
		e.Identity = Identity(r, e.Provenance)
		out = append(out, e)
	}
	return out
}

func fhirRef(id string) fhir.Resource { return fhir.Resource{Type: "Patient", ID: id} }
