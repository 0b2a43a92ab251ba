package i18n

// Messages for what C-CDA documents carry beyond the basics: family
// history, medical equipment and assessments as kinds of entries, their
// statuses, and the narrative of documents shown on an entry's page.
func init() {
	add(English, []msg{
		{"record.kind.family-history", "Family history"},
		{"record.kind.device", "Medical equipment"},
		{"record.kind.assessment", "Assessment"},
		{"ui.view.sec.family-history", "Family history"},
		{"ui.view.sec.device", "Medical equipment and implants"},
		{"ui.view.sec.assessment", "Assessments"},
		{"rec.status.absent", "Not present"},
		{"rec.status.revoked", "Withdrawn"},
		{"rec.status.on-hold", "On hold"},
		{"rec.status.not-done", "Not done"},
		{"rec.entry.narrative", "As written in the document"},
		{"export.sec.narratives", "From your documents"},
	})
	add(Spanish, []msg{
		{"record.kind.family-history", "Antecedentes familiares"},
		{"record.kind.device", "Equipo médico"},
		{"record.kind.assessment", "Evaluación"},
		{"ui.view.sec.family-history", "Antecedentes familiares"},
		{"ui.view.sec.device", "Equipo médico e implantes"},
		{"ui.view.sec.assessment", "Evaluaciones"},
		{"rec.status.absent", "No presente"},
		{"rec.status.revoked", "Retirado"},
		{"rec.status.on-hold", "En espera"},
		{"rec.status.not-done", "No realizado"},
		{"rec.entry.narrative", "Tal como figura en el documento"},
		{"export.sec.narratives", "De sus documentos"},
	})
}
