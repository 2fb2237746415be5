package initramfs

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"
)

// Module is one module to load, in order.
type Module struct {
	Name     string // normalised name: no directory, no .ko suffix, '-' as '_'
	Path     string // relative to /lib/modules/<release>, as modules.dep writes it
	Optional bool   // a failure to load it is logged, not fatal
}

// Compressed reports whether the module file is compressed; finit_module(2) then needs
// MODULE_INIT_COMPRESSED_FILE.
func (m Module) Compressed() bool {
	for _, s := range []string{".ko.xz", ".ko.zst", ".ko.gz"} {
		if strings.HasSuffix(m.Path, s) {
			return true
		}
	}
	return false
}

// ModuleName normalises a module name or path the way modprobe does: the base name
// without the .ko[.xz|.zst|.gz] suffix, with '-' written as '_'.
func ModuleName(p string) string {
	n := path.Base(p)
	if i := strings.Index(n, ".ko"); i >= 0 {
		n = n[:i]
	}
	return strings.ReplaceAll(n, "-", "_")
}

// depGraph is modules.dep parsed: module name to path and dependency names.
type depGraph struct {
	path map[string]string
	deps map[string][]string
}

func parseModulesDep(b []byte) (depGraph, error) {
	g := depGraph{path: map[string]string{}, deps: map[string][]string{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		mod, deps, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(mod) == "" {
			return depGraph{}, fmt.Errorf("modules.dep:%d: want \"module.ko: deps...\"", ln)
		}
		name := ModuleName(mod)
		g.path[name] = strings.TrimSpace(mod)
		for _, d := range strings.Fields(deps) {
			g.deps[name] = append(g.deps[name], ModuleName(d))
		}
	}
	if err := sc.Err(); err != nil {
		return depGraph{}, fmt.Errorf("modules.dep: %w", err)
	}
	return g, nil
}

func parseBuiltin(b []byte) map[string]bool {
	out := map[string]bool{}
	for _, l := range strings.Fields(string(b)) {
		out[ModuleName(l)] = true
	}
	return out
}

// ModuleOrder returns the modules to load for the required and optional names, each
// once, every dependency before the modules that need it (modules.dep lists the
// dependencies a module needs; like modprobe, the last listed is loaded first).
// Built-in modules are skipped. A required module that is neither in modules.dep nor
// built in is an error; an optional one is dropped. A module needed only by optional
// modules is optional too.
func ModuleOrder(modulesDep, modulesBuiltin []byte, required, optional []string) ([]Module, error) {
	g, err := parseModulesDep(modulesDep)
	if err != nil {
		return nil, err
	}
	builtin := parseBuiltin(modulesBuiltin)
	var out []Module
	index := map[string]int{} // name -> position in out
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
			if !opt {
				out[index[name]].Optional = false
			}
			return nil
		}
		p, ok := g.path[name]
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
		deps := g.deps[name]
		for i := len(deps) - 1; i >= 0; i-- {
			if err := visit(deps[i], opt, append(chain[:len(chain):len(chain)], name)); err != nil {
				return err
			}
		}
		state[name] = 2
		index[name] = len(out)
		out = append(out, Module{Name: name, Path: p, Optional: opt})
		return nil
	}
	for _, n := range required {
		if err := visit(ModuleName(n), false, nil); err != nil {
			return nil, err
		}
	}
	for _, n := range optional {
		if err := visit(ModuleName(n), true, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}
