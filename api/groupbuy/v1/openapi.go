package v1

import _ "embed"

// OpenAPI is the generated OpenAPI 3 document of this API (openapi.yaml), served at /openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
