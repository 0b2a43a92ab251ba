package i18n

// Messages of the FHIR XML reader (internal/importer/fhirxml): whole-file
// errors (import.error.fhirxml-*) and per-item problems
// (import.problem.fhirxml-*).
func init() {
	add(English, []msg{
		{"import.error.fhirxml-syntax", "This XML file is damaged or incomplete and could not be read."},
		{"import.error.fhirxml-doctype", "This XML file declares a document type, which Backpack refuses for safety."},

		{"import.problem.fhirxml-unknown-element", "Part of the file is not part of the health record standard (FHIR R4) and was left out."},
		{"import.problem.fhirxml-bad-value", "A yes/no or number value is written wrongly; it was kept as text."},
		{"import.problem.fhirxml-repeated", "A detail that may appear only once appears several times; only the first was kept."},
		{"import.problem.fhirxml-text", "Loose text in the file was left out."},
		{"import.problem.fhirxml-empty-container", "A place for a record in the file is empty."},
	})
	add(Spanish, []msg{
		{"import.error.fhirxml-syntax", "Este archivo XML está dañado o incompleto y no se pudo leer."},
		{"import.error.fhirxml-doctype", "Este archivo XML declara un tipo de documento, que Backpack rechaza por seguridad."},

		{"import.problem.fhirxml-unknown-element", "Una parte del archivo no forma parte del estándar de historiales de salud (FHIR R4) y se omitió."},
		{"import.problem.fhirxml-bad-value", "Un valor de sí/no o numérico está mal escrito; se guardó como texto."},
		{"import.problem.fhirxml-repeated", "Un dato que solo puede aparecer una vez aparece varias veces; solo se guardó el primero."},
		{"import.problem.fhirxml-text", "Se omitió texto suelto del archivo."},
		{"import.problem.fhirxml-empty-container", "Un lugar para un registro en el archivo está vacío."},
	})
}
