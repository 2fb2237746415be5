// Package imageinfo is image.json: what `kitbash build variant` wrote into
// build/images/<variant>/<version>/, read by `kitbash run`, `kitbash test` and the
// update tooling. Offsets and sizes are in bytes; every path is relative to the
// directory holding image.json.
package imageinfo

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FileName is the description's file name in an image directory.
const FileName = "image.json"

// Schema is the version of the format this package reads and writes.
const Schema = 1

// Image describes one built image.
type Image struct {
	Schema  int    `json:"schema"`
	Variant string `json:"variant"`
	Version string `json:"version"`
	Arch    string `json:"arch"`
	// BuildID identifies the image's content (the first 12 hex digits of the digest of
	// its inputs); it is also BUILD_ID in os-release.
	BuildID string `json:"buildId"`
	// Disk is the raw disk image, e.g. "dev-0.1.0.img"; QCOW2 the qcow2 copy when asked
	// for, else empty.
	Disk     string `json:"disk"`
	DiskSize int64  `json:"diskSize"`
	QCOW2    string `json:"qcow2,omitempty"`
	// DiskGUID is the GPT disk GUID in its text form.
	DiskGUID   string      `json:"diskGuid"`
	Partitions []Partition `json:"partitions"`
	// Slots are the A/B slots; a fresh image has slot "a" filled and "b" empty
	// (Filled false, no entry).
	Slots []Slot `json:"slots"`
	// Updates are the compressed update images (zstd) of slot A: "root", "hash", "boot".
	Updates map[string]File `json:"updates"`
	// Migrations are the settings migration files the image carries, by version
	// ("0.2.0": dev-0.2.0-migration.json); `kitbash repo add` publishes them.
	Migrations map[string]File `json:"migrations,omitempty"`
	// SBOM is the SPDX 2.3 JSON document of the image's packages.
	SBOM string `json:"sbom"`
	// Packages are the installed packages, "name version-release", sorted.
	Packages []string `json:"packages"`
}

// Partition is one GPT partition.
type Partition struct {
	Name   string `json:"name"`   // ROOT-A, HASH-A, ...
	Type   string `json:"type"`   // type GUID, text form
	GUID   string `json:"guid"`   // unique partition GUID, text form (its PARTUUID)
	Offset int64  `json:"offset"` // from the start of the disk
	Size   int64  `json:"size"`
	// Used is how many bytes from Offset hold the image's data (the erofs image, the
	// hash tree, the file system); 0 for an empty partition.
	Used int64 `json:"used"`
}

// Slot is one A/B slot.
type Slot struct {
	Name   string `json:"name"` // "a" or "b"
	Filled bool   `json:"filled"`
	// Entry is the boot entry's file name in loader/entries on the ESP, Cmdline its
	// kernel command line.
	Entry   string `json:"entry,omitempty"`
	Cmdline string `json:"cmdline,omitempty"`
	// RootHash and Salt are the verity root hash and salt (hex); DataBlocks the number
	// of 4096-byte blocks of ROOT the tree covers.
	RootHash   string `json:"rootHash,omitempty"`
	Salt       string `json:"salt,omitempty"`
	DataBlocks int64  `json:"dataBlocks,omitempty"`
}

// File is an output file and its digest.
type File struct {
	Path   string `json:"path"`
	Sha256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Partition returns the partition named name.
func (im *Image) Partition(name string) (Partition, bool) {
	for _, p := range im.Partitions {
		if p.Name == name {
			return p, true
		}
	}
	return Partition{}, false
}

// Slot returns the slot named name.
func (im *Image) Slot(name string) (Slot, bool) {
	for _, s := range im.Slots {
		if s.Name == name {
			return s, true
		}
	}
	return Slot{}, false
}

// Read reads dir/image.json.
func Read(dir string) (*Image, error) {
	p := filepath.Join(dir, FileName)
	b, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no image in %s (%s is missing); build one with `kitbash build variant NAME`", dir, FileName)
		}
		return nil, fmt.Errorf("read image description: %w", err)
	}
	var im Image
	if err := json.Unmarshal(b, &im); err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if im.Schema != Schema {
		return nil, fmt.Errorf("read %s: schema %d, this kitbash reads %d; rebuild the image", p, im.Schema, Schema)
	}
	if im.Disk == "" {
		return nil, fmt.Errorf("read %s: no disk named; rebuild the image", p)
	}
	return &im, nil
}

// Marshal returns the description as indented JSON with a final newline.
func (im *Image) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(im, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode image description: %w", err)
	}
	return append(b, '\n'), nil
}

// Dir is where `kitbash build variant` puts the image of variant at version, below the
// project root.
func Dir(projectRoot, variant, version string) string {
	return filepath.Join(projectRoot, "build", "images", variant, version)
}
