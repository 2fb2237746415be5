package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// descriptor is the part of an OCI descriptor this program reads.
type descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Annotations map[string]string `json:"annotations"`
}

// ociDoc is an OCI image index or image manifest: whichever fields the blob has.
type ociDoc struct {
	MediaType string       `json:"mediaType"`
	Manifests []descriptor `json:"manifests"`
	Config    *descriptor  `json:"config"`
	Layers    []descriptor `json:"layers"`
}

// ociPart is one blob of an OCI artifact, named by its place in it ("config", "layer
// agents-0.1.0-1.x86_64.tar"), so the same part of two builds can be paired.
type ociPart struct {
	name, digest string
	leaf         bool // a config or layer: the content, not a list of digests
}

// blobPath is where an OCI layout store keeps a blob.
func blobPath(store, digest string) (string, error) {
	hex, ok := strings.CutPrefix(digest, "sha256:")
	if !ok || len(hex) != 64 || strings.Trim(hex, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%q is not a sha256 digest", digest)
	}
	return filepath.Join(store, "blobs", "sha256", hex), nil
}

// ociParts lists the blobs of the artifact digest names in store: its index and
// manifests, their configs and layers.
func ociParts(store, digest string) ([]ociPart, error) {
	return walkOCI(store, digest, "manifest", 0)
}

func walkOCI(store, digest, name string, depth int) ([]ociPart, error) {
	if depth > 4 {
		return nil, fmt.Errorf("%s: OCI indexes nested too deep", digest)
	}
	p, err := blobPath(store, digest)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read OCI blob: %w", err)
	}
	var doc ociDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("OCI blob %s: %w", p, err)
	}
	parts := []ociPart{{name: name, digest: digest}}
	if len(doc.Manifests) > 0 {
		parts[0].name = "index"
		for i, d := range doc.Manifests {
			sub, err := walkOCI(store, d.Digest, fmt.Sprintf("manifest %d", i), depth+1)
			if err != nil {
				return nil, err
			}
			parts = append(parts, sub...)
		}
		return parts, nil
	}
	prefix := ""
	if name != "manifest" {
		prefix = name + " "
	}
	if doc.Config != nil {
		parts = append(parts, ociPart{name: prefix + "config", digest: doc.Config.Digest, leaf: true})
	}
	for i, l := range doc.Layers {
		title := l.Annotations["org.opencontainers.image.title"]
		if title == "" {
			title = fmt.Sprint(i)
		}
		parts = append(parts, ociPart{name: prefix + "layer " + title, digest: l.Digest, leaf: true})
	}
	return parts, nil
}

// ociPairs pairs the parts of two builds of an OCI artifact that differ: the differing
// configs and layers, or, when only lists of digests or annotations differ, those.
func ociPairs(label, storeA, digestA, storeB, digestB string) ([]pair, error) {
	pa, err := ociParts(storeA, digestA)
	if err != nil {
		return nil, fmt.Errorf("machine A's %s: %w", label, err)
	}
	pb, err := ociParts(storeB, digestB)
	if err != nil {
		return nil, fmt.Errorf("machine B's %s: %w", label, err)
	}
	inB := map[string]ociPart{}
	for _, p := range pb {
		inB[p.name] = p
	}
	var leaves, lists []pair
	for _, x := range pa {
		y, ok := inB[x.name]
		if !ok || x.digest == y.digest {
			continue
		}
		fa, _ := blobPath(storeA, x.digest)
		fb, _ := blobPath(storeB, y.digest)
		p := pair{label: label + " " + x.name, a: fa, b: fb, key: x.digest + " " + y.digest}
		if x.leaf {
			leaves = append(leaves, p)
		} else {
			lists = append(lists, p)
		}
	}
	if len(leaves) > 0 {
		return leaves, nil
	}
	if len(lists) > 0 {
		return lists[len(lists)-1:], nil // the innermost: an image manifest
	}
	// Different shapes (a part only one side has): the top-level documents show it.
	fa, _ := blobPath(storeA, digestA)
	fb, _ := blobPath(storeB, digestB)
	return []pair{{label: label, a: fa, b: fb, key: digestA + " " + digestB}}, nil
}
