package initramfs

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"
)

// moduleName normalises a module name or path the way modprobe (and the agents' init)
// do: the base name without the .ko[.xz|.zst|.gz] suffix, with '-' written as '_'.
func moduleName(p string) string {
	n := path.Base(p)
	if i := strings.Index(n, ".ko"); i >= 0 {
		n = n[:i]
	}
	return strings.ReplaceAll(n, "-", "_")
}

// depLine is one line of modules.dep.
type depLine struct {
	name string   // normalised
	path string   // relative to lib/modules/<release>
	deps []string // normalised names, as listed
	text string   // the line as read, trimmed
}

// modulesDep is a parsed modules.dep, in file order.
type modulesDep struct {
	lines []depLine
	index map[string]int // name -> position in lines
}

func parseModulesDep(b []byte) (modulesDep, error) {
	m := modulesDep{index: map[string]int{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		mod, deps, ok := strings.Cut(text, ":")
		mod = strings.TrimSpace(mod)
		if !ok || mod == "" {
			return modulesDep{}, fmt.Errorf("modules.dep:%d: want \"module.ko: deps...\"", ln)
		}
		if p, err := cleanPath(mod); err != nil || p != mod {
			return modulesDep{}, fmt.Errorf("modules.dep:%d: module path %q is not a clean relative path", ln, mod)
		}
		l := depLine{name: moduleName(mod), path: mod, text: text}
		for _, d := range strings.Fields(deps) {
			l.deps = append(l.deps, moduleName(d))
		}
		if _, dup := m.index[l.name]; dup {
			return modulesDep{}, fmt.Errorf("modules.dep:%d: module %s listed twice", ln, l.name)
		}
		m.index[l.name] = len(m.lines)
		m.lines = append(m.lines, l)
	}
	if err := sc.Err(); err != nil {
		return modulesDep{}, fmt.Errorf("modules.dep: %w", err)
	}
	return m, nil
}

// closure returns the modules to ship for the required and optional names, in load
// order: each once, every dependency before the modules that need it (like modprobe,
// the last dependency listed is loaded first). Built-in modules are left out. A required
// module that is neither in modules.dep nor built in is an error; an optional one is
// dropped.
func (m modulesDep) closure(builtin map[string]bool, required, optional []string) ([]depLine, error) {
	var out []depLine
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, opt bool, chain []string) error
	visit = func(name string, opt bool, chain []string) error {
		if builtin[name] {
			return nil
		}
		switch state[name] {
		case 1:
			return fmt.Errorf("modules.dep: dependency cycle %s -> %s", strings.Join(chain, " -> "), name)
		case 2:
			return nil
		}
		i, ok := m.index[name]
		if !ok {
			if len(chain) == 0 && opt {
				return nil
			}
			where := ""
			if len(chain) > 0 {
				where = " (needed by " + strings.Join(chain, " -> ") + ")"
			}
			return fmt.Errorf("module %s%s is neither in modules.dep nor in modules.builtin", name, where)
		}
		state[name] = 1
		l := m.lines[i]
		for j := len(l.deps) - 1; j >= 0; j-- {
			if err := visit(l.deps[j], opt, append(chain[:len(chain):len(chain)], name)); err != nil {
				return err
			}
		}
		state[name] = 2
		out = append(out, l)
		return nil
	}
	for _, n := range required {
		if err := visit(moduleName(n), false, nil); err != nil {
			return nil, err
		}
	}
	for _, n := range optional {
		if err := visit(moduleName(n), true, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// filterLines keeps the lines of a modules.builtin or modules.order file whose module
// is in keep, in file order, each ending in a newline.
func filterLines(b []byte, keep map[string]bool) []byte {
	var out bytes.Buffer
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") && keep[moduleName(l)] {
			out.WriteString(l)
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}
