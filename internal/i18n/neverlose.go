package i18n

// Messages of restores cut short, leaving a form by history or by closing
// the tab, tabs that take over, and sandboxed previews.
func init() {
	add(English, map[string]string{
		"vault.err.stageexpired": "The restore was paused for too long and had to stop. Nothing was added: start it again.",
		"files.preview.noworker": "This PDF is shown here once Backpack has finished setting up for offline use: reload the page, or download the file to read it.",
	})
	add(Spanish, map[string]string{
		"vault.err.stageexpired": "La restauración estuvo en pausa demasiado tiempo y tuvo que detenerse. No se añadió nada: vuelve a empezarla.",
		"files.preview.noworker": "Este PDF se muestra aquí cuando Backpack termine de prepararse para usarse sin conexión: recarga la página o descarga el archivo para leerlo.",
	})
}
