package i18n

// The worker module (internal/worker): what the import card says when
// Backpack's file reader, which runs apart from the page, could not finish,
// and what the export page says when its writer could not.
func init() {
	add(English, []msg{
		{"worker.error.crash", "Backpack could not read this file: something in it made the reader fail."},
		{"worker.error.died", "Backpack's file reader stopped while reading this file: it may be too large or too complex for this device. The rest of the app is fine."},
		{"worker.error.start", "Backpack's file reader could not be started. If you are offline, open Backpack once with a connection, then try again."},
		// Writing an export (or a share's file) runs there too.
		{"worker.error.write.crash", "Backpack could not write this file: something in the records made the writer fail. Nothing was saved."},
		{"worker.error.write.died", "Backpack's file writer stopped while writing this file: it may be too large for this device; try a smaller part. The rest of the app is fine."},
		{"worker.error.write.start", "Backpack's file writer could not be started. If you are offline, open Backpack once with a connection, then try again."},
	})
	add(Spanish, []msg{
		{"worker.error.crash", "Backpack no pudo leer este archivo: algo en él hizo fallar al lector."},
		{"worker.error.died", "El lector de archivos de Backpack se detuvo al leer este archivo: puede ser demasiado grande o complejo para este dispositivo. El resto de la aplicación funciona bien."},
		{"worker.error.start", "No se pudo iniciar el lector de archivos de Backpack. Si no tienes conexión, abre Backpack una vez con conexión y vuelve a intentarlo."},
		{"worker.error.write.crash", "Backpack no pudo escribir este archivo: algo en los registros hizo fallar al escritor. No se guardó nada."},
		{"worker.error.write.died", "El escritor de archivos de Backpack se detuvo al escribir este archivo: puede ser demasiado grande para este dispositivo; prueba con una parte más pequeña. El resto de la aplicación funciona bien."},
		{"worker.error.write.start", "No se pudo iniciar el escritor de archivos de Backpack. Si no tienes conexión, abre Backpack una vez con conexión y vuelve a intentarlo."},
	})
}
