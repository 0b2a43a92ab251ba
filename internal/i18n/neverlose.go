package i18n

// Messages of restores cut short and of a change waiting for another tab.
func init() {
	add(English, []msg{
		{"vault.err.stageexpired", "The restore was paused for too long and had to stop. Nothing was added: start it again."},
		{"tabs.busy", "Backpack is saving in another tab or window (an import or a restore). Your change is kept and saved as soon as that is done."},
	})
	add(Spanish, []msg{
		{"vault.err.stageexpired", "La restauración estuvo en pausa demasiado tiempo y tuvo que detenerse. No se añadió nada: vuelve a empezarla."},
		{"tabs.busy", "Backpack está guardando en otra pestaña o ventana (una importación o una restauración). Tu cambio se conserva y se guarda en cuanto termine."},
	})
}
