// Package migrations holds the SQL migrations, one folder per dialect with the
// same file names in each, embedded in the binary.
package migrations

import "embed"

// FS holds sqlite/NNNN_name.{up,down}.sql and postgres/NNNN_name.{up,down}.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
