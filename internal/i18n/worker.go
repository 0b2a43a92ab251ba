package i18n

// The worker module (internal/worker): what the import card says when
// Backpack's file reader, which runs apart from the page, could not finish.
func init() {
	add(English, map[string]string{
		"worker.error.crash": "Backpack could not read this file: something in it made the reader fail.",
		"worker.error.died":  "Backpack's file reader stopped while reading this file: it may be too large or too complex for this device. The rest of the app is fine.",
		"worker.error.start": "Backpack's file reader could not be started. If you are offline, open Backpack once with a connection, then try again.",
	})
	add(Spanish, map[string]string{
		"worker.error.crash": "Backpack no pudo leer este archivo: algo en él hizo fallar al lector.",
		"worker.error.died":  "El lector de archivos de Backpack se detuvo al leer este archivo: puede ser demasiado grande o complejo para este dispositivo. El resto de la aplicación funciona bien.",
		"worker.error.start": "No se pudo iniciar el lector de archivos de Backpack. Si no tienes conexión, abre Backpack una vez con conexión y vuelve a intentarlo.",
	})
}
