package i18n

// Messages of results: the flags a result carries (from its source, else
// from its reference range), the lines of a trend of pairs, and a result
// that came with no value.
func init() {
	add(English, []msg{
		{"record.flag.high", "High"},
		{"record.flag.low", "Low"},
		{"record.flag.critical-high", "Critical high"},
		{"record.flag.critical-low", "Critical low"},
		{"record.flag.critical", "Critical"},
		{"record.flag.abnormal", "Abnormal"},
		{"record.flag.high.long", "Marked high: above the normal range"},
		{"record.flag.low.long", "Marked low: below the normal range"},
		{"record.flag.critical-high.long", "Marked critically high"},
		{"record.flag.critical-low.long", "Marked critically low"},
		{"record.flag.critical.long", "Marked critical"},
		{"record.flag.abnormal.long", "Marked abnormal"},
		{"record.flag.other.long", "Marked by the source: %s"},
		{"record.chart.systolic", "Systolic"},
		{"record.chart.diastolic", "Diastolic"},
		{"record.novalue", "No value was given"},
		{"record.novalue.long", "The source lists this test without a result."},
	})
	add(Spanish, []msg{
		{"record.flag.high", "Alto"},
		{"record.flag.low", "Bajo"},
		{"record.flag.critical-high", "Crítico alto"},
		{"record.flag.critical-low", "Crítico bajo"},
		{"record.flag.critical", "Crítico"},
		{"record.flag.abnormal", "Anormal"},
		{"record.flag.high.long", "Marcado como alto: por encima del rango normal"},
		{"record.flag.low.long", "Marcado como bajo: por debajo del rango normal"},
		{"record.flag.critical-high.long", "Marcado como críticamente alto"},
		{"record.flag.critical-low.long", "Marcado como críticamente bajo"},
		{"record.flag.critical.long", "Marcado como crítico"},
		{"record.flag.abnormal.long", "Marcado como anormal"},
		{"record.flag.other.long", "Marcado por la fuente: %s"},
		{"record.chart.systolic", "Sistólica"},
		{"record.chart.diastolic", "Diastólica"},
		{"record.novalue", "No se indicó ningún valor"},
		{"record.novalue.long", "La fuente menciona esta prueba sin resultado."},
	})
}
