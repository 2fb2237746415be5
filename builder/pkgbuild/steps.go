package pkgbuild

import (
	"github.com/moby/buildkit/client/llb"

	"github.com/kitbash-dev/kitbash/builder/sandbox"
)

// caches are the compiler caches shared by every package build; they speed up rebuilds
// and never reach a package (only /out is kept).
func caches() map[string]string {
	return map[string]string{
		"/root/.cache/go-build": "kitbash-go-build",
		"/root/.cache/ccache":   "kitbash-ccache",
	}
}

func stepEnv(p Package) map[string]string {
	env := map[string]string{"SRC": SrcDir, "DESTDIR": sandbox.OutDir, "GOFLAGS": "-mod=vendor -trimpath", "GOCACHE": "/root/.cache/go-build", "CCACHE_DIR": "/root/.cache/ccache"}
	for k, v := range p.Env {
		env[k] = v
	}
	return env
}

// buildStep runs the spec's build script with the sources at $SRC (read-only).
func buildStep(p Package, src llb.State) sandbox.Step {
	return sandbox.Step{
		Name:    p.Name + ": build",
		Script:  "cd \"$SRC\"\n" + p.Build,
		Env:     stepEnv(p),
		Network: p.Network,
		Epoch:   p.Epoch,
		Inputs:  map[string]llb.State{SrcDir: src},
		Caches:  caches(),
	}
}

// testStep runs the spec's test script against the built output, mounted read-only at
// $DESTDIR, with the sources read-only at $SRC. Whatever it writes elsewhere is thrown away; its scratch mount is emptied so
// merging it into the result changes nothing.
func testStep(p Package, src, out llb.State) sandbox.Step {
	return sandbox.Step{
		Name:    p.Name + ": test",
		Script:  "( cd / && " + subshell(p.Test) + " )\nfind " + testScratch + " -mindepth 1 -delete\n",
		Env:     stepEnv(p),
		Network: sandbox.NetworkNone,
		Epoch:   p.Epoch,
		Inputs:  map[string]llb.State{sandbox.OutDir: out, SrcDir: src},
	}
}

func subshell(script string) string { return "set -eu\n" + script + "\n" }
