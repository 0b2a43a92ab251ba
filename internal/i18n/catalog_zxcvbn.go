package i18n

// Messages of the passphrase meter while zxcvbn's word lists load
// (internal/zxcvbn, web/zxcvbn.dat): a passphrase is rated only once they
// are here.
func init() {
	add(English, []msg{
		{"vault.strength.checking", "Checking how easy this is to guess…"},
		{"vault.strength.unavailable", "Backpack could not load the word list it checks passphrases with. Check your connection and try again."},
		{"setup.strength.checking", "Checking"},
		{"setup.strength.retry", "Try again"},
	})
	add(Spanish, []msg{
		{"vault.strength.checking", "Comprobando lo fácil que es de adivinar…"},
		{"vault.strength.unavailable", "Backpack no pudo cargar la lista de palabras con la que comprueba las frases de contraseña. Revisa tu conexión e inténtalo de nuevo."},
		{"setup.strength.checking", "Comprobando"},
		{"setup.strength.retry", "Intentar de nuevo"},
	})
}
