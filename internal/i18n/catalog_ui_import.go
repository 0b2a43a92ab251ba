package i18n

// Messages of the import page (app/import.go). The importers' own messages
// (formats, errors, problems) are in catalog_import.go and catalog_ccda.go.
func init() {
	add(English, []msg{
		{"importui.title", "Import records"},
		{"importui.intro", "Add the files your patient portal or clinic gave you. They are read on this device, never uploaded, and stored encrypted."},
		{"importui.drop", "Drop files here, or"},
		{"importui.choose", "Choose files"},
		{"importui.formats", "FHIR R4 (.json, .xml, .ndjson), International Patient Summary, C-CDA (.xml), SMART Health Cards (.smart-health-card, or shc:/ text in a .txt). Gzipped (.gz) works too. Up to %s per file."},

		{"importui.stage.read", "Reading %s (file %d of %d)…"},
		{"importui.stage.check", "Checking %s…"},
		{"importui.stage.start", "Getting ready…"},

		{"importui.state.waiting", "Waiting"},
		{"importui.state.reading", "Reading…"},
		{"importui.state.ready", "Ready to import"},
		{"importui.state.failed", "Cannot import"},
		{"importui.state.saving", "Saving…"},
		{"importui.state.done", "Imported"},
		{"importui.state.notsaved", "Not imported"},
		{"importui.state.keys", "Issuer keys"},

		{"importui.line", "(line %d)"},
		{"importui.failed.nothing", "Nothing from this file was imported. Your other files are not affected."},
		{"importui.remove", "Remove"},
		{"importui.remove.label", "Remove %s from the list"},

		{"importui.format", "Format"},
		{"importui.patient", "Patient"},
		{"importui.born", "born %s"},
		{"importui.nopatient", "This file does not name a patient."},
		{"importui.source", "From"},
		{"importui.signature", "Signature"},
		{"importui.records", "Records to add"},
		{"importui.noproblems", "No problems found."},

		{"importui.target", "Add to"},
		{"importui.target.none", "Choose a person…"},
		{"importui.target.current", "%s (current)"},
		{"importui.target.new", "New person: %s"},
		{"importui.target.newnoname", "New person from this file"},
		{"importui.target.needed", "Choose whose record this is."},
		{"importui.target.mismatch", "This file is about %s, not %s. Check whose record it is."},

		{"importui.clear", "Clear the list"},
		{"importui.atomic", "Each file is saved whole or not at all. Records you already have are not added twice."},
		{"importui.open", "See the timeline of %s"},

		{"importui.error.nopatient", "This file names no patient, so no new person can be made from it. Choose an existing person."},
		{"importui.error.noprofile", "That person no longer exists. Choose another one."},
		{"importui.error.save", "Saving failed, so nothing from this file was kept. Try again."},
	})
	add(Spanish, []msg{
		{"importui.title", "Importar registros"},
		{"importui.intro", "Añade los archivos que te dio tu portal de pacientes o tu clínica. Se leen en este dispositivo, nunca se suben, y se guardan cifrados."},
		{"importui.drop", "Suelta los archivos aquí, o"},
		{"importui.choose", "Elegir archivos"},
		{"importui.formats", "FHIR R4 (.json, .xml, .ndjson), Resumen Internacional del Paciente, C-CDA (.xml), SMART Health Cards (.smart-health-card, o texto shc:/ en un .txt). También comprimidos (.gz). Hasta %s por archivo."},

		{"importui.stage.read", "Leyendo %s (archivo %d de %d)…"},
		{"importui.stage.check", "Revisando %s…"},
		{"importui.stage.start", "Preparando…"},

		{"importui.state.waiting", "En espera"},
		{"importui.state.reading", "Leyendo…"},
		{"importui.state.ready", "Listo para importar"},
		{"importui.state.failed", "No se puede importar"},
		{"importui.state.saving", "Guardando…"},
		{"importui.state.done", "Importado"},
		{"importui.state.notsaved", "No importado"},
		{"importui.state.keys", "Claves del emisor"},

		{"importui.line", "(línea %d)"},
		{"importui.failed.nothing", "No se importó nada de este archivo. Tus otros archivos no se ven afectados."},
		{"importui.remove", "Quitar"},
		{"importui.remove.label", "Quitar %s de la lista"},

		{"importui.format", "Formato"},
		{"importui.patient", "Paciente"},
		{"importui.born", "nacido el %s"},
		{"importui.nopatient", "Este archivo no indica un paciente."},
		{"importui.source", "Origen"},
		{"importui.signature", "Firma"},
		{"importui.records", "Registros a añadir"},
		{"importui.noproblems", "No se encontraron problemas."},

		{"importui.target", "Añadir a"},
		{"importui.target.none", "Elige una persona…"},
		{"importui.target.current", "%s (actual)"},
		{"importui.target.new", "Persona nueva: %s"},
		{"importui.target.newnoname", "Persona nueva a partir de este archivo"},
		{"importui.target.needed", "Elige de quién es este historial."},
		{"importui.target.mismatch", "Este archivo es de %s, no de %s. Comprueba de quién es el historial."},

		{"importui.clear", "Vaciar la lista"},
		{"importui.atomic", "Cada archivo se guarda entero o nada. Los registros que ya tienes no se añaden dos veces."},
		{"importui.open", "Ver la cronología de %s"},

		{"importui.error.nopatient", "Este archivo no indica un paciente, así que no se puede crear una persona a partir de él. Elige una persona existente."},
		{"importui.error.noprofile", "Esa persona ya no existe. Elige otra."},
		{"importui.error.save", "No se pudo guardar, así que no se conservó nada de este archivo. Inténtalo de nuevo."},
	})
}
