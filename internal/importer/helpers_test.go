package importer

import "backpack/internal/fhir"

type fhirResource = fhir.Resource
