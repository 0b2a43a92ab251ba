package i18n

// Messages of the bounded readers, the import limits and the share server's
// protections.
func init() {
	add(English, map[string]string{
		"export.err.toolarge": "This file is larger or more complex than Backpack can open safely.",
	})
	add(Spanish, map[string]string{
		"export.err.toolarge": "Este archivo es más grande o más complejo de lo que Backpack puede abrir con seguridad.",
	})
}
