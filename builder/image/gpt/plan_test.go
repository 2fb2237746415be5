package gpt

import (
	"strings"
	"testing"
)

const (
	mib      = 1 << 20
	identity = "kitbash-dev/x86_64/1.0.0"
)

// kitbashSpecs is the Kitbash layout on a small disk: ESP, ROOT and HASH of slots A and
// B (slot B not mounted automatically), PRIVATE, and DATA for the rest.
func kitbashSpecs() []Spec {
	return []Spec{
		{Name: "ESP", Type: TypeESP(), Size: 32 * mib},
		{Name: "ROOT-A", Type: TypeRootAMD64(), Size: 8 * mib, Attributes: AttrReadOnly},
		{Name: "HASH-A", Type: TypeRootVerityAMD64(), Size: 1 * mib, Attributes: AttrReadOnly},
		{Name: "ROOT-B", Type: TypeRootAMD64(), Size: 8 * mib, Attributes: AttrReadOnly | AttrNoAuto},
		{Name: "HASH-B", Type: TypeRootVerityAMD64(), Size: 1 * mib, Attributes: AttrReadOnly | AttrNoAuto},
		{Name: "PRIVATE", Type: TypeLinux(), Size: 4 * mib},
		{Name: "DATA", Type: TypeLinux(), Attributes: AttrGrowFS},
	}
}

// kitbashTable is kitbashSpecs planned on a 64 MiB disk, with GUIDs derived from identity.
func kitbashTable(t *testing.T) Table {
	t.Helper()
	tab, err := Plan(64*mib, kitbashSpecs())
	if err != nil {
		t.Fatal(err)
	}
	tab.SetGUIDs(identity)
	return tab
}

func TestPlanKitbashLayout(t *testing.T) {
	tab := kitbashTable(t)
	const s = mib / SectorSize
	want := [][2]uint64{ // start, end LBAs
		{1 * s, 33*s - 1}, {33 * s, 41*s - 1}, {41 * s, 42*s - 1}, {42 * s, 50*s - 1},
		{50 * s, 51*s - 1}, {51 * s, 55*s - 1}, {55 * s, 63*s - 1},
	}
	if len(tab.Partitions) != len(want) {
		t.Fatalf("%d partitions", len(tab.Partitions))
	}
	for i, p := range tab.Partitions {
		if p.StartLBA != want[i][0] || p.EndLBA != want[i][1] {
			t.Errorf("%s: %d-%d, want %d-%d", p.Name, p.StartLBA, p.EndLBA, want[i][0], want[i][1])
		}
		if p.StartLBA%(Alignment/SectorSize) != 0 {
			t.Errorf("%s: start %d not aligned to 1 MiB", p.Name, p.StartLBA)
		}
		if p.GUID != DeriveGUID(identity, p.Name) {
			t.Errorf("%s: GUID not derived", p.Name)
		}
	}
	if err := tab.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestPlanAlignsOddSizes(t *testing.T) {
	tab, err := Plan(8*mib, []Spec{
		{Name: "a", Type: TypeLinux(), Size: 512},
		{Name: "b", Type: TypeLinux(), Size: mib + 512},
		{Name: "c", Type: TypeLinux(), Size: mib},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []uint64{2048, 4096, 8192} {
		if p := tab.Partitions[i]; p.StartLBA != want {
			t.Errorf("%s starts at %d, want %d", p.Name, p.StartLBA, want)
		}
	}
	if tab.Partitions[0].EndLBA != 2048 || tab.Partitions[1].EndLBA != 4096+2048 {
		t.Errorf("ends: %+v", tab.Partitions)
	}
}

func TestPlanErrors(t *testing.T) {
	lin := TypeLinux()
	many := make([]Spec, NumEntries+1)
	for i := range many {
		many[i] = Spec{Name: strings.Repeat("p", i%30+1) + string(rune('A'+i%26)), Type: lin, Size: 512}
	}
	for _, c := range []struct {
		name  string
		size  int64
		specs []Spec
		want  string // all of these, in order
	}{
		{"too small for data", 64 * mib, append(kitbashSpecs()[:6:6], Spec{Name: "DATA", Type: lin, Size: 10 * mib}),
			`partition 7 "DATA" (10485760 bytes) would end at LBA 133119, after the last usable LBA 131038: the disk needs at least 68174336 bytes`},
		{"no room for the rest", (112639 + 34) * SectorSize, kitbashSpecs(), `partition 7 "DATA" (rest of the disk) would start at LBA 112640, less than 1 MiB before the last usable LBA 112639: the disk needs at least 58737152 bytes`},
		{"first too big", 4 * mib, []Spec{{Name: "ESP", Type: lin, Size: 4 * mib}}, `partition 1 "ESP" (4194304 bytes) would end`},
		{"rest not last", 64 * mib, []Spec{{Name: "a", Type: lin}, {Name: "b", Type: lin, Size: mib}}, `partition 1 "a": size 0 (rest of the disk) is only allowed for the last`},
		{"negative", 64 * mib, []Spec{{Name: "a", Type: lin, Size: -512}}, `partition 1 "a": size -512 bytes`},
		{"unaligned size", 64 * mib, []Spec{{Name: "a", Type: lin, Size: 1000}}, `partition 1 "a": size 1000 bytes: want a positive multiple of 512`},
		{"disk size", 64*mib + 1, kitbashSpecs(), "disk size 67108865 bytes: want a positive multiple of 512"},
		{"tiny disk", 16 * 1024, nil, "too small for a GPT"},
		{"duplicate name", 64 * mib, []Spec{{Name: "a", Type: lin, Size: mib}, {Name: "a", Type: lin, Size: mib}}, `partition 2 "a": same name as partition 1`},
		{"empty name", 64 * mib, []Spec{{Type: lin, Size: mib}}, `partition 1 "": empty name`},
		{"long name", 64 * mib, []Spec{{Name: strings.Repeat("x", 37), Type: lin, Size: mib}}, "37 UTF-16 code units long, at most 36"},
		{"no type", 64 * mib, []Spec{{Name: "a", Size: mib}}, `partition 1 "a": type GUID is zero`},
		{"too many", 1 << 30, many, "129 partitions, at most 128"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Plan(c.size, c.specs)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "gpt plan: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want it to contain %q", err, c.want)
			}
		})
	}
	// The size the error asks for is enough.
	specs := append(kitbashSpecs()[:6:6], Spec{Name: "DATA", Type: lin, Size: 10 * mib})
	if _, err := Plan(68174336, specs); err != nil {
		t.Fatalf("with the size the error asked for: %v", err)
	}
	if _, err := Plan(68174336-SectorSize, specs); err == nil {
		t.Fatal("one sector less: no error")
	}
	if tab, err := Plan(58737152, kitbashSpecs()); err != nil || tab.Partitions[6].EndLBA-tab.Partitions[6].StartLBA+1 != mib/SectorSize {
		t.Fatalf("rest of the disk with the size the error asked for: %+v, %v", tab, err)
	}
	if _, err := Plan(58737152-SectorSize, kitbashSpecs()); err == nil {
		t.Fatal("rest of the disk, one sector less: no error")
	}
}

func TestPlanNameUTF16(t *testing.T) {
	// 18 runes outside the BMP are 36 UTF-16 code units: the limit.
	name := strings.Repeat("\U0001F600", 18)
	if _, err := Plan(8*mib, []Spec{{Name: name, Type: TypeLinux()}}); err != nil {
		t.Fatal(err)
	}
	if _, err := Plan(8*mib, []Spec{{Name: name + "x", Type: TypeLinux()}}); err == nil || !strings.Contains(err.Error(), "37 UTF-16") {
		t.Fatalf("37 code units: %v", err)
	}
	if _, err := Plan(8*mib, []Spec{{Name: "a\xffb", Type: TypeLinux()}}); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("invalid UTF-8: %v", err)
	}
}

func TestValidateErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(*Table)
		want   string
	}{
		{"overlap", func(t *Table) { t.Partitions[2].StartLBA = t.Partitions[1].EndLBA },
			`partition 3 "HASH-A": LBAs 83967-86015 overlap partition 2 "ROOT-A" (67584-83967)`},
		{"before first usable", func(t *Table) { t.Partitions[0].StartLBA = 33 }, `partition 1 "ESP": LBAs 33-67583 outside the usable LBAs 34-131038`},
		{"after last usable", func(t *Table) { t.Partitions[6].EndLBA = 131039 }, `partition 7 "DATA": LBAs 112640-131039 outside`},
		{"start after end", func(t *Table) { t.Partitions[1].StartLBA = t.Partitions[1].EndLBA + 1 }, `partition 2 "ROOT-A": start LBA 83968 after end LBA 83967`},
		{"zero disk GUID", func(t *Table) { t.DiskGUID = [16]byte{} }, "disk GUID is zero"},
		{"zero GUID", func(t *Table) { t.Partitions[3].GUID = [16]byte{} }, `partition 4 "ROOT-B": unique GUID is zero`},
		{"same GUID", func(t *Table) { t.Partitions[4].GUID = t.Partitions[3].GUID }, `partition 5 "HASH-B": same unique GUID`},
	} {
		t.Run(c.name, func(t *testing.T) {
			tab := kitbashTable(t)
			c.change(&tab)
			err := tab.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate: %v, want %q", err, c.want)
			}
			err = Write(&memDisk{}, tab)
			if err == nil || !strings.HasPrefix(err.Error(), "gpt write: ") {
				t.Fatalf("Write: %v", err)
			}
		})
	}
}
