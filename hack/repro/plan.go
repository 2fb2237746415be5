package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// step is one kitbash command of a machine's build and how to read the artifacts it
// reports (with -o json: never the human text).
type step struct {
	name    string
	args    []string
	sdk     bool                                                // the SDK build (-share-sdk copies its result to B)
	collect func(m *machine, stdout []byte) ([]artifact, error) // nil: nothing to compare
}

// plan is what each machine builds: the SDK, every package, every kit and the variant's
// image; or, with -inject-nondeterminism, the SDK and only the injected package.
func plan(c config, kits []string) []step {
	sdk := step{name: "sdk build", args: []string{"-o", "json", "sdk", "build"}, sdk: true, collect: sdkArtifacts}
	if c.shareSDK {
		sdk.collect = nil // B's is A's: nothing to compare
	}
	if c.inject {
		return []step{sdk, {name: "build packages " + injectedPackage, args: []string{"-o", "json", "build", "packages", injectedPackage}, collect: packageArtifacts}}
	}
	return []step{
		sdk,
		{name: "build packages", args: []string{"-o", "json", "build", "packages"}, collect: packageArtifacts},
		{name: "build kit", args: append([]string{"-o", "json", "build", "kit"}, kits...), collect: kitArtifacts},
		{name: "build variant " + c.variant, args: []string{"-o", "json", "build", "variant", c.variant}, collect: imageArtifacts},
	}
}

// kitNames are the kits of a project: kits/<name>/kit.yaml.
func kitNames(project string) ([]string, error) {
	found, err := filepath.Glob(filepath.Join(project, "kits", "*", "kit.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list kits: %w", err)
	}
	var names []string
	for _, f := range found {
		names = append(names, filepath.Base(filepath.Dir(f)))
	}
	sort.Strings(names)
	return names, nil
}

func decode(m *machine, what string, stdout []byte, v any) error {
	if err := json.Unmarshal(stdout, v); err != nil {
		return fmt.Errorf("machine %s: %s output is not the JSON expected: %w\n%s", m.label, what, err, indent(lastLines(string(stdout), 10)))
	}
	return nil
}

func (m *machine) ociStore() string { return filepath.Join(m.cache, "oci") }

func sdkArtifacts(m *machine, stdout []byte) ([]artifact, error) {
	var r struct {
		Name     string `json:"name"`
		Digest   string `json:"digest"`
		UpToDate bool   `json:"upToDate"`
	}
	if err := decode(m, "sdk build", stdout, &r); err != nil {
		return nil, err
	}
	if r.UpToDate {
		return nil, fmt.Errorf("machine %s: the SDK was up to date, not built: the caches were not empty", m.label)
	}
	return []artifact{{kind: kindSDK, name: r.Name, digest: r.Digest, where: location{store: m.ociStore()}}}, nil
}

// packageArtifacts are every package's tar (files digest) and inputs digest. On an empty
// store every package must have been built: taken from anywhere else, it would prove
// nothing.
func packageArtifacts(m *machine, stdout []byte) ([]artifact, error) {
	var rows []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Inputs string `json:"inputsDigest"`
		Files  string `json:"filesDigest"`
		Tar    string `json:"tar"`
	}
	if err := decode(m, "build packages", stdout, &rows); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("machine %s: build packages reported no package", m.label)
	}
	var out []artifact
	for _, r := range rows {
		if r.Status != "built" {
			return nil, fmt.Errorf("machine %s: package %s was %q, not built: the caches were not empty", m.label, r.Name, r.Status)
		}
		out = append(out,
			artifact{kind: kindPackage, name: r.Name, digest: r.Files, where: location{file: r.Tar}},
			artifact{kind: kindInputs, name: r.Name, digest: r.Inputs, where: location{file: filepath.Join(filepath.Dir(r.Tar), "manifest.json")}})
	}
	return out, nil
}

func kitArtifacts(m *machine, stdout []byte) ([]artifact, error) {
	var kits []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Digest  string `json:"digest"`
	}
	if err := decode(m, "build kit", stdout, &kits); err != nil {
		return nil, err
	}
	var out []artifact
	for _, k := range kits {
		out = append(out, artifact{kind: kindKit, name: k.Name + ":" + k.Version, digest: k.Digest, where: location{store: m.ociStore()}})
	}
	return out, nil
}

// imageArtifacts are the files of the image's SHA256SUMS.
func imageArtifacts(m *machine, stdout []byte) ([]artifact, error) {
	var v struct {
		Dir string `json:"dir"`
	}
	if err := decode(m, "build variant", stdout, &v); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(v.Dir, "SHA256SUMS"))
	if err != nil {
		return nil, fmt.Errorf("machine %s: the image's sums: %w", m.label, err)
	}
	defer f.Close()
	sums, err := parseSums(f)
	if err != nil {
		return nil, fmt.Errorf("machine %s: %s: %w", m.label, f.Name(), err)
	}
	var out []artifact
	for name, digest := range sums {
		out = append(out, artifact{kind: kindImage, name: name, digest: digest, where: location{file: filepath.Join(v.Dir, name)}})
	}
	return out, nil
}
