package cli

import (
	"encoding/json"
	"fmt"
)

// emit prints v as indented JSON with --output json, or calls text otherwise.
func (g *globals) emit(v any, text func()) error {
	if g.output == "json" {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("encode output: %w", err)
		}
		_, err = fmt.Fprintln(g.stdout, string(b))
		return err
	}
	text()
	return nil
}

// humanBytes renders a size for people (1 decimal, binary units).
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
