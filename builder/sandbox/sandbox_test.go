package sandbox

import (
	"context"
	"flag"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"

	"github.com/kitbash-dev/kitbash/builder/internal/llbgolden"
)

var update = flag.Bool("update", false, "rewrite golden files")

func testBase() Base {
	return Base{
		Ref:     "kitbash-sdk@sha256:" + strings.Repeat("ab", 32),
		StoreID: "kitbash-store",
		Env:     []string{"PATH=/usr/local/go/bin:/usr/bin:/bin", "GOTOOLCHAIN=local", "LANG=C.UTF-8"},
	}
}

func render(t *testing.T, def *llb.Definition) string { return llbgolden.Render(t, def) }

func golden(t *testing.T, name, got string) { llbgolden.Check(t, name, got, *update) }

func TestStepGolden(t *testing.T) {
	step := Step{
		Name:   "hello: build",
		Script: "echo hi > /out/hello",
		Env:    map[string]string{"ZED": "last", "ALPHA": "first"},
		Epoch:  1700000000,
	}
	def, err := Definition(context.Background(), testBase(), step)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "step.golden", render(t, def))
}

func TestStepNetworkDefaultsToNone(t *testing.T) {
	for _, tc := range []struct {
		net  Network
		want pb.NetMode
	}{{NetworkNone, pb.NetMode_NONE}, {NetworkSandbox, pb.NetMode_UNSET}} {
		def, err := Definition(context.Background(), testBase(), Step{Name: "n", Script: "true", Network: tc.net})
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, dt := range def.Def {
			var op pb.Op
			if err := op.UnmarshalVT(dt); err != nil {
				t.Fatal(err)
			}
			if ex := op.GetExec(); ex != nil {
				found = true
				if ex.Network != tc.want {
					t.Errorf("network %v: exec has %v, want %v", tc.net, ex.Network, tc.want)
				}
				for _, m := range ex.Mounts {
					if m.MountType == pb.MountType_BIND && m.Dest != "/" && m.Dest != OutDir {
						t.Errorf("unexpected bind mount %s", m.Dest)
					}
				}
			}
		}
		if !found {
			t.Fatal("no exec op in definition")
		}
	}
}

func TestStepEnvIndependentOfMapOrder(t *testing.T) {
	env := map[string]string{}
	for _, k := range []string{"A", "B", "C", "D", "E", "F", "G", "H"} {
		env[k] = strings.ToLower(k)
	}
	first := ""
	for i := 0; i < 20; i++ {
		def, err := Definition(context.Background(), testBase(), Step{Name: "e", Script: "true", Env: env})
		if err != nil {
			t.Fatal(err)
		}
		got := render(t, def)
		if i == 0 {
			first = got
		} else if got != first {
			t.Fatal("definition changed between marshals of the same step")
		}
	}
}

func TestStepNeedsNameAndScript(t *testing.T) {
	if _, err := Definition(context.Background(), testBase(), Step{Script: "true"}); err == nil {
		t.Fatal("want error for a step without a name")
	}
}
