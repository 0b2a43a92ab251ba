package i18n

// Messages of the C-CDA converter (internal/importer/ccda): per-item
// problems (import.problem.ccda-*) and whole-file errors (import.error.ccda-*).
func init() {
	add(English, []msg{
		{"import.problem.ccda-section-note", "A section of the document was kept as a note, as written."},
		{"import.problem.ccda-section-empty", "A section of the document is empty or says there is no information; nothing was kept from it."},
		{"import.problem.ccda-entry-skipped", "An entry could not be read as a record; its section was kept as a note."},
		{"import.problem.ccda-entry-empty", "An entry says there is no information."},
		{"import.problem.ccda-no-code", "An entry has no code or name; it was kept as unknown."},
		{"import.problem.ccda-date-invalid", "A date could not be read and was left out."},
		{"import.problem.ccda-value-invalid", "A measured value is not a number; it was kept as text."},
		{"import.problem.ccda-patient-missing", "The document does not say whose record it is."},
		{"import.problem.ccda-body-unreadable", "The body of the document could not be read."},
		{"import.error.ccda-not-xml", "This file is not a readable XML document."},
		{"import.error.ccda-not-cda", "This XML file is not a clinical document (C-CDA)."},
		{"import.error.ccda-doctype", "This document declares XML entities, which Backpack refuses for safety."},
		{"import.error.ccda-too-large", "This document is too large to import."},
		{"import.error.ccda-too-deep", "This document is nested too deeply to import."},
	})
	add(Spanish, []msg{
		{"import.problem.ccda-section-note", "Una sección del documento se guardó como nota, tal como estaba escrita."},
		{"import.problem.ccda-section-empty", "Una sección del documento está vacía o indica que no hay información; no se guardó nada de ella."},
		{"import.problem.ccda-entry-skipped", "Una entrada no se pudo leer como registro; su sección se guardó como nota."},
		{"import.problem.ccda-entry-empty", "Una entrada indica que no hay información."},
		{"import.problem.ccda-no-code", "Una entrada no tiene código ni nombre; se guardó como desconocida."},
		{"import.problem.ccda-date-invalid", "Una fecha no se pudo leer y se omitió."},
		{"import.problem.ccda-value-invalid", "Un valor medido no es un número; se guardó como texto."},
		{"import.problem.ccda-patient-missing", "El documento no indica de quién es el historial."},
		{"import.problem.ccda-body-unreadable", "No se pudo leer el cuerpo del documento."},
		{"import.error.ccda-not-xml", "Este archivo no es un documento XML legible."},
		{"import.error.ccda-not-cda", "Este archivo XML no es un documento clínico (C-CDA)."},
		{"import.error.ccda-doctype", "Este documento declara entidades XML, que Backpack rechaza por seguridad."},
		{"import.error.ccda-too-large", "Este documento es demasiado grande para importarlo."},
		{"import.error.ccda-too-deep", "Este documento tiene demasiados niveles anidados para importarlo."},
	})
}
