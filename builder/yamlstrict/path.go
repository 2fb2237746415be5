package yamlstrict

import (
	"strconv"
	"strings"
)

// Join returns the path of key inside the mapping at parent, the way Decode names fields:
// "sdk" + "name" → "sdk.name". A key that is not a plain word (letters, digits, '-', '_')
// is quoted: "vendors" + "a b" → `vendors["a b"]`.
func Join(parent, key string) string {
	if !plainKey(key) {
		return parent + "[" + strconv.Quote(key) + "]"
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// Index returns the path of item i of the list at parent: "sdk.packages[2]".
func Index(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// parent returns the path one level up from field ("" at the top).
func parent(field string) string {
	if strings.HasSuffix(field, `"]`) {
		// A quoted key: find the `["` that starts a valid quoted string.
		for i := strings.LastIndex(field, `["`); i >= 0; i = strings.LastIndex(field[:i], `["`) {
			if _, err := strconv.Unquote(field[i+1 : len(field)-1]); err == nil {
				return field[:i]
			}
		}
	}
	if strings.HasSuffix(field, "]") {
		if i := strings.LastIndex(field, "["); i >= 0 {
			return field[:i]
		}
	}
	if i := strings.LastIndex(field, "."); i >= 0 {
		return field[:i]
	}
	return ""
}
