package packages

import (
	"crypto/sha256"
	"encoding/hex"
)

// localID keeps BuildKit's transfers of host files apart between projects and stable
// between runs of one project.
func localID(root string) string {
	sum := sha256.Sum256([]byte(root))
	return "kitbash-" + hex.EncodeToString(sum[:8])
}
