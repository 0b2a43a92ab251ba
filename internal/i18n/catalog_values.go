package i18n

// Messages of results: the flags a result carries (from its source, else
// from its reference range), the lines of a trend of pairs, and a result
// that came with no value.
func init() {
	add(English, map[string]string{
		"record.flag.high":               "High",
		"record.flag.low":                "Low",
		"record.flag.critical-high":      "Critical high",
		"record.flag.critical-low":       "Critical low",
		"record.flag.critical":           "Critical",
		"record.flag.abnormal":           "Abnormal",
		"record.flag.high.long":          "Higher than the reference range",
		"record.flag.low.long":           "Lower than the reference range",
		"record.flag.critical-high.long": "Critically high: far above the reference range",
		"record.flag.critical-low.long":  "Critically low: far below the reference range",
		"record.flag.critical.long":      "Critical result",
		"record.flag.abnormal.long":      "Not what is expected",
		"record.flag.other.long":         "Marked by the source: %s",
		"record.chart.systolic":          "Systolic",
		"record.chart.diastolic":         "Diastolic",
		"record.novalue":                 "No value was given",
		"record.novalue.long":            "The source lists this test without a result.",
	})
	add(Spanish, map[string]string{
		"record.flag.high":               "Alto",
		"record.flag.low":                "Bajo",
		"record.flag.critical-high":      "Crítico alto",
		"record.flag.critical-low":       "Crítico bajo",
		"record.flag.critical":           "Crítico",
		"record.flag.abnormal":           "Anormal",
		"record.flag.high.long":          "Por encima del rango de referencia",
		"record.flag.low.long":           "Por debajo del rango de referencia",
		"record.flag.critical-high.long": "Críticamente alto: muy por encima del rango de referencia",
		"record.flag.critical-low.long":  "Críticamente bajo: muy por debajo del rango de referencia",
		"record.flag.critical.long":      "Resultado crítico",
		"record.flag.abnormal.long":      "No es lo esperado",
		"record.flag.other.long":         "Marcado por la fuente: %s",
		"record.chart.systolic":          "Sistólica",
		"record.chart.diastolic":         "Diastólica",
		"record.novalue":                 "No se indicó ningún valor",
		"record.novalue.long":            "La fuente menciona esta prueba sin resultado.",
	})
}
