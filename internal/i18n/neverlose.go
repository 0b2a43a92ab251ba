package i18n

// Messages of restores cut short, leaving a form by history or by closing
// the tab, tabs that take over, and sandboxed previews.
func init() {
	add(English, map[string]string{
		"vault.err.stageexpired": "The restore was paused for too long and had to stop. Nothing was added: start it again.",
	})
	add(Spanish, map[string]string{
		"vault.err.stageexpired": "La restauración estuvo en pausa demasiado tiempo y tuvo que detenerse. No se añadió nada: vuelve a empezarla.",
	})
}
