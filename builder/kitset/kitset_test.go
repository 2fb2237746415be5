package kitset

import (
	"strings"
	"testing"

	"github.com/kitbash-dev/kitbash/builder/pkg"
)

func provider(name string, pkgs ...string) Provider {
	p := Provider{Name: name}
	for _, n := range pkgs {
		p.Packages = append(p.Packages, Member{Manifest: pkg.Manifest{Name: n}})
	}
	return p
}

func TestCombine(t *testing.T) {
	core := provider("core", "kernel", "containerd", "runc")
	acme := provider("acme", "containerd", "tool")
	local := provider(Local, "hello")

	if _, err := Combine([]Provider{core, acme, local}, nil); err == nil ||
		!strings.Contains(err.Error(), "package containerd is carried by acme and core; fix: choose one in Kitbash.yaml, e.g. prefer: {containerd: acme}") {
		t.Fatalf("conflict: %v", err)
	}
	got, err := Combine([]Provider{core, acme, local}, map[string]string{"containerd": "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if got["containerd"].Kit != "acme" || got["kernel"].Kit != "core" || got["hello"].Kit != Local || len(got) != 5 {
		t.Fatalf("combined %+v", got)
	}
	for prefer, want := range map[string]string{
		"nobody": "Kitbash.yaml prefer: containerd: nobody does not carry containerd; fix: use one of acme, core",
	} {
		if _, err := Combine([]Provider{core, acme}, map[string]string{"containerd": prefer}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("prefer %s: %v", prefer, err)
		}
	}
	if _, err := Combine([]Provider{core}, map[string]string{"runc": "core"}); err == nil || !strings.Contains(err.Error(), "nothing to choose") {
		t.Errorf("useless prefer: %v", err)
	}
	virt := provider("acme", "crun")
	virt.Packages[0].Manifest.Provides = []string{"runc"}
	if _, err := Combine([]Provider{core, virt}, nil); err == nil || !strings.Contains(err.Error(), `package crun (acme) provides "runc", which is package runc (core)`) {
		t.Errorf("provides clash: %v", err)
	}
}
