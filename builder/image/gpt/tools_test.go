package gpt

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Real partitioning tools, when the host has them, must find the written table sound and
// read back the same layout: sfdisk (util-linux, Debian package fdisk) and sgdisk
// (Debian package gdisk). Each test is skipped when its tool is missing.

func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("no %s on this host", name)
	}
	return p
}

// imageFile writes the Kitbash table to a sparse file of its size.
func imageFile(t *testing.T) (string, Table) {
	t.Helper()
	tab := kitbashTable(t)
	p := filepath.Join(t.TempDir(), "disk.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(tab.SizeBytes); err != nil {
		t.Fatal(err)
	}
	if err := Write(f, tab); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p, tab
}

func TestSfdiskVerify(t *testing.T) {
	bin := tool(t, "sfdisk")
	p, tab := imageFile(t)
	out, err := exec.Command(bin, "--verify", p).CombinedOutput()
	s := string(out)
	// "Using N out of 128 partitions": without it sfdisk found no GPT it trusts (it says
	// "No errors detected" for a disk whose GPT CRCs are wrong, as it ignores that GPT).
	using := fmt.Sprintf("Using %d out of %d partitions", len(tab.Partitions), NumEntries)
	if err != nil || !strings.Contains(s, "No errors detected") || !strings.Contains(s, using) || strings.Contains(s, "mismatch") {
		t.Fatalf("sfdisk --verify: %v\n%s", err, s)
	}
}

func TestSfdiskJSON(t *testing.T) {
	bin := tool(t, "sfdisk")
	p, tab := imageFile(t)
	out, err := exec.Command(bin, "-J", p).Output()
	if err != nil {
		t.Fatalf("sfdisk -J: %v", err)
	}
	var v struct {
		PT struct {
			Label      string `json:"label"`
			ID         string `json:"id"`
			FirstLBA   uint64 `json:"firstlba"`
			LastLBA    uint64 `json:"lastlba"`
			SectorSize int    `json:"sectorsize"`
			Partitions []struct {
				Start uint64 `json:"start"`
				Size  uint64 `json:"size"`
				Type  string `json:"type"`
				UUID  string `json:"uuid"`
				Name  string `json:"name"`
				Attrs string `json:"attrs"`
			} `json:"partitions"`
		} `json:"partitiontable"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("sfdisk -J: %v\n%s", err, out)
	}
	pt := v.PT
	if pt.Label != "gpt" || !strings.EqualFold(pt.ID, GUIDString(tab.DiskGUID)) || pt.FirstLBA != 34 ||
		pt.LastLBA != uint64(tab.SizeBytes)/SectorSize-34 || pt.SectorSize != SectorSize || len(pt.Partitions) != len(tab.Partitions) {
		t.Fatalf("sfdisk -J:\n%s", out)
	}
	for i, want := range tab.Partitions {
		got := pt.Partitions[i]
		if got.Start != want.StartLBA || got.Start+got.Size-1 != want.EndLBA || got.Name != want.Name ||
			!strings.EqualFold(got.Type, GUIDString(want.Type)) || !strings.EqualFold(got.UUID, GUIDString(want.GUID)) ||
			got.Attrs != sfdiskAttrs(want.Attributes) {
			t.Errorf("sfdisk -J partition %d: %+v, want %+v (attrs %q)", i+1, got, want, sfdiskAttrs(want.Attributes))
		}
	}
}

// sfdiskAttrs is how sfdisk shows attribute bits 48-63 ("GUID:60,63"); the Kitbash
// layout uses no others.
func sfdiskAttrs(a uint64) string {
	var bits []string
	for b := 48; b < 64; b++ {
		if a&(1<<b) != 0 {
			bits = append(bits, fmt.Sprint(b))
		}
	}
	if len(bits) == 0 {
		return ""
	}
	return "GUID:" + strings.Join(bits, ",")
}

func TestSgdiskVerify(t *testing.T) {
	bin := tool(t, "sgdisk")
	p, tab := imageFile(t)
	out, err := exec.Command(bin, "-v", p).CombinedOutput()
	s := string(out)
	if err != nil || !strings.Contains(s, "No problems found") || strings.Contains(s, "Caution") || strings.Contains(s, "Warning") {
		t.Fatalf("sgdisk -v: %v\n%s", err, s)
	}
	// sgdisk reads the same partition 4 (ROOT-B) as written.
	out, err = exec.Command(bin, "-i", "4", p).CombinedOutput()
	s = string(out)
	want := []string{
		"Partition GUID code: " + strings.ToUpper(GUIDString(TypeRootAMD64())),
		"Partition unique GUID: " + strings.ToUpper(GUIDString(tab.Partitions[3].GUID)),
		fmt.Sprintf("First sector: %d ", tab.Partitions[3].StartLBA),
		fmt.Sprintf("Last sector: %d ", tab.Partitions[3].EndLBA),
		"Attribute flags: 9000000000000000",
		"Partition name: 'ROOT-B'",
	}
	for _, w := range want {
		if err != nil || !strings.Contains(s, w) {
			t.Fatalf("sgdisk -i 4: %v: no %q in\n%s", err, w, s)
		}
	}
}
