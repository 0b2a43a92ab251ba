package i18n

// Documents embedded in imported records (PDFs, images and other
// attachments), which become files of the record.
func init() {
	add(English, []msg{
		{"import.problem.attachment-invalid", "An attached document could not be decoded; it was kept as it came, but cannot be opened."},
		{"import.problem.ccda-media-unreadable", "An attached document is not inside the file (only an address) or could not be unpacked, so it cannot be opened."},
		{"importui.files", "Documents"},
	})
	addPlural(English, map[string]Plural{
		"importui.files.count": {"%d file", "%d files"},
	})
	add(Spanish, []msg{
		{"import.problem.attachment-invalid", "No se pudo descodificar un documento adjunto; se guardó tal como venía, pero no se puede abrir."},
		{"import.problem.ccda-media-unreadable", "Un documento adjunto no está dentro del archivo (solo una dirección) o no se pudo descomprimir, así que no se puede abrir."},
		{"importui.files", "Documentos"},
	})
	addPlural(Spanish, map[string]Plural{
		"importui.files.count": {"%d archivo", "%d archivos"},
	})
}
