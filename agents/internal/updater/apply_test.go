package updater

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kitbash-dev/kitbash/agents/internal/migrate"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/kitbash-dev/kitbash/agents/internal/bootslot"
)

// fakeRepo serves targets from memory in chunks, like a verifying TUF client: when
// failAtEnd names a target, Download writes all of it and then fails (a hash
// mismatch found at the end of the stream).
type fakeRepo struct {
	mu         sync.Mutex
	targets    map[string][]byte
	failAtEnd  map[string]error
	refreshErr error
	onChunk    func(name string, n int64) // called after every chunk written
	downloads  []string
}

const chunk = 4096

func (r *fakeRepo) Refresh(ctx context.Context) error { return r.refreshErr }

func (r *fakeRepo) TargetLength(name string) (int64, error) {
	b, ok := r.targets[name]
	if !ok {
		return 0, fmt.Errorf("target %s: not in the targets metadata", name)
	}
	return int64(len(b)), nil
}

func (r *fakeRepo) Download(ctx context.Context, name string, w io.Writer) error {
	r.mu.Lock()
	r.downloads = append(r.downloads, name)
	r.mu.Unlock()
	b, ok := r.targets[name]
	if !ok {
		return fmt.Errorf("target %s: not found", name)
	}
	var n int64
	for len(b) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		c := b[:min(chunk, len(b))]
		if _, err := w.Write(c); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		b = b[len(c):]
		n += int64(len(c))
		if r.onChunk != nil {
			r.onChunk(name, n)
		}
	}
	if err := r.failAtEnd[name]; err != nil {
		return err
	}
	return nil
}

// fakeHost is bootslot.Host on a temporary ESP, with slot A booted.
type fakeHost struct {
	esp     string
	cmdline string
	parts   []bootslot.Partition
}

func (h *fakeHost) ESPDir() string                            { return h.esp }
func (h *fakeHost) Cmdline() (string, error)                  { return h.cmdline, nil }
func (h *fakeHost) Partitions() ([]bootslot.Partition, error) { return h.parts, nil }
func (h *fakeHost) EFIVar(name, guid string) ([]byte, error) {
	return nil, fmt.Errorf("EFI variable %s: %w", name, fs.ErrNotExist)
}

func zst(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := zstd.NewWriter(&out, zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// pattern is n bytes that do not repeat quickly (so zstd has work to do).
func pattern(seed string, n int) []byte {
	b := make([]byte, 0, n)
	for i := 0; len(b) < n; i++ {
		b = append(b, sumHex(fmt.Sprintf("%s %d", seed, i))...)
	}
	return b[:n]
}

type bootFile struct {
	name string
	data []byte
}

func bootTar(t *testing.T, files ...bootFile) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func bootJSONFor(t *testing.T, version string) []byte {
	t.Helper()
	// builder/image/assemble's bootTar: indented, with a final newline.
	b, err := json.MarshalIndent(BootImage{Version: version, Parameters: []string{"console=ttyS0", "quiet"},
		RootHash: sumHex("root b"), Salt: sumHex("salt b"), DataBlocks: 26624}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// rig is a machine booted from slot A (0.1.0, known good) with an old, known-good
// slot B (0.0.9), a repository publishing 0.2.0, and an updater on both.
type rig struct {
	t                *testing.T
	root             string
	host             *fakeHost
	repo             *fakeRepo
	u                *Updater
	ch               Choice
	rootImg, hashImg []byte
	kernel, initrd   []byte
	rootDev, hashDev string
	progress         []Progress
}

const (
	guidESP   = "0e5f0e5f-0000-4000-8000-000000000001"
	guidRootA = "11111111-2222-3333-4444-555555555555"
	guidHashA = "a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90"
	guidRootB = "66666666-7777-8888-9999-aaaaaaaaaaaa"
	guidHashB = "bbbbbbbb-cccc-dddd-eeee-ffffffffffff"
	guidPriv  = "cccccccc-1111-2222-3333-444444444444"
	guidData  = "dddddddd-5555-6666-7777-888888888888"
	linuxType = "0fc63daf-8483-4772-8e79-3d69d8477de4"
)

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, root: t.TempDir()}
	esp := filepath.Join(r.root, "esp")
	slotA := builderSlotA()
	slotA.Root, slotA.Hash, slotA.Private, slotA.Data = guidRootA, guidHashA, guidPriv, guidData
	oldB := builderSlotB()
	oldB.Version = "0.0.9"
	entryA := Entry(builderConfig(), slotA)
	writeFile(t, filepath.Join(esp, "loader/loader.conf"), "timeout 0\nconsole-mode keep\neditor no\ndefault kitbash-*\n")
	writeFile(t, filepath.Join(esp, "loader/entries/kitbash-a.conf"), string(entryA))
	writeFile(t, filepath.Join(esp, "loader/entries/kitbash-b.conf"), string(Entry(builderConfig(), oldB)))
	writeFile(t, filepath.Join(esp, "a/vmlinuz"), "kernel a")
	writeFile(t, filepath.Join(esp, "a/initrd"), "initrd a")
	writeFile(t, filepath.Join(esp, "b/vmlinuz"), "old kernel b")
	writeFile(t, filepath.Join(esp, "b/initrd"), "old initrd b")
	dev := func(name string, size int64) string {
		p := filepath.Join(r.root, "dev", name)
		writeFile(t, p, "")
		if err := os.Truncate(p, size); err != nil {
			t.Fatal(err)
		}
		return p
	}
	r.rootDev, r.hashDev = dev("vda4", 1<<20), dev("vda5", 64<<10)
	cmdline := strings.TrimPrefix(strings.Split(string(entryA), "\n")[5], "options ")
	r.host = &fakeHost{esp: esp, cmdline: cmdline, parts: []bootslot.Partition{
		{Number: 1, Type: bootslot.TypeESP, UUID: guidESP, Name: "ESP", Dev: "/nonexistent/vda1"},
		{Number: 2, Type: linuxType, UUID: guidRootA, Name: "ROOT-A", Dev: "/nonexistent/vda2"},
		{Number: 3, Type: linuxType, UUID: guidHashA, Name: "HASH-A", Dev: "/nonexistent/vda3"},
		{Number: 4, Type: linuxType, UUID: guidRootB, Name: "ROOT-B", Dev: r.rootDev},
		{Number: 5, Type: linuxType, UUID: guidHashB, Name: "HASH-B", Dev: r.hashDev},
		{Number: 6, Type: linuxType, UUID: guidPriv, Name: "PRIVATE", Dev: "/nonexistent/vda6"},
		{Number: 7, Type: linuxType, UUID: guidData, Name: "DATA", Dev: "/nonexistent/vda7"},
	}}
	r.rootImg, r.hashImg = pattern("root", 300<<10+123), pattern("hash", 10<<10+7)
	r.kernel, r.initrd = pattern("kernel", 50<<10), pattern("initrd", 70<<10)
	up := Update{Variant: "dev", Arch: "x86_64", Version: "0.2.0", MaxVersion: "0.2.0",
		Images: Images{Root: "dev-x86_64-0.2.0-root.zst", Hash: "dev-x86_64-0.2.0-hash.zst", Boot: "dev-x86_64-0.2.0-boot.zst"}}
	r.repo = &fakeRepo{targets: map[string][]byte{
		up.Images.Root: zst(t, r.rootImg),
		up.Images.Hash: zst(t, r.hashImg),
		up.Images.Boot: zst(t, bootTar(t, bootFile{"boot.json", bootJSONFor(t, "0.2.0")}, bootFile{"initrd", r.initrd}, bootFile{"vmlinuz", r.kernel})),
	}, failAtEnd: map[string]error{}}
	m := &Manifest{Updates: []Update{up}, Migrations: map[string][]string{"(0.1.0, 0.2.0)": {}}}
	mb, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	r.repo.targets[ManifestName] = mb
	r.u = &Updater{
		Config:   Config{MetadataURL: "https://updates.example/metadata", Variant: "dev", Arch: "x86_64", Version: "0.1.0", VersionLock: LockLatest},
		Repo:     r.repo,
		Machine:  Machine{Host: r.host, PrivateDir: filepath.Join(r.root, "private")},
		Progress: func(p Progress) { r.progress = append(r.progress, p) },
	}
	r.ch = Choice{Update: &up, Running: "0.1.0", Variant: "dev", Arch: "x86_64"}
	return r
}

func (r *rig) entries() []string {
	r.t.Helper()
	ents, err := os.ReadDir(filepath.Join(r.host.esp, "loader/entries"))
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func (r *rig) espFiles(slot string) []string {
	r.t.Helper()
	ents, err := os.ReadDir(filepath.Join(r.host.esp, slot))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func (r *rig) read(p string) []byte {
	r.t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// wantCleared checks that slot B has no entry, kernel or initramfs, and slot A is
// untouched.
func (r *rig) wantCleared() {
	r.t.Helper()
	if got := r.entries(); !slices.Equal(got, []string{"kitbash-a.conf"}) {
		r.t.Errorf("entries %q, want only kitbash-a.conf", got)
	}
	if got := r.espFiles("b"); len(got) != 0 {
		r.t.Errorf("ESP /b/ holds %q, want nothing", got)
	}
	if got := r.espFiles("a"); !slices.Equal(got, []string{"initrd", "vmlinuz"}) {
		r.t.Errorf("ESP /a/ holds %q", got)
	}
	st, err := bootslot.Load(r.host)
	if err != nil {
		r.t.Fatal(err)
	}
	if n, ok := st.Next(); !ok || n.Slot != "a" {
		r.t.Errorf("next boot %+v, want slot a", n)
	}
}

func TestApply(t *testing.T) {
	r := newRig(t)
	ch, err := r.u.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ch.Update == nil || ch.Update.Version != "0.2.0" {
		t.Fatalf("check chose %+v", ch)
	}
	res, err := r.u.Apply(context.Background(), ch)
	if err != nil {
		t.Fatal(err)
	}
	if res.Slot != "b" || res.Entry != "kitbash-b+1.conf" || res.Version != "0.2.0" {
		t.Errorf("result %+v", res)
	}
	for _, step := range []string{"clear", "root", "hash", "boot", "migrations", "set-next"} {
		if _, ok := res.Steps[step]; !ok {
			t.Errorf("no duration for step %s: %v", step, res.Steps)
		}
	}
	wantWritten := map[string]int64{"root": int64(len(r.rootImg)), "hash": int64(len(r.hashImg)), "vmlinuz": int64(len(r.kernel)), "initrd": int64(len(r.initrd))}
	for k, v := range wantWritten {
		if res.Written[k] != v {
			t.Errorf("written %s: %d, want %d", k, res.Written[k], v)
		}
	}
	// The partitions hold exactly the decompressed images, then what was there (zeros).
	for _, d := range []struct {
		dev  string
		img  []byte
		size int
	}{{r.rootDev, r.rootImg, 1 << 20}, {r.hashDev, r.hashImg, 64 << 10}} {
		b := r.read(d.dev)
		if len(b) != d.size {
			t.Errorf("%s: %d bytes, want the partition's %d", d.dev, len(b), d.size)
		}
		if !bytes.Equal(b[:len(d.img)], d.img) {
			t.Errorf("%s: the image differs", d.dev)
		}
		if !bytes.Equal(b[len(d.img):], make([]byte, d.size-len(d.img))) {
			t.Errorf("%s: bytes after the image changed", d.dev)
		}
	}
	if !bytes.Equal(r.read(filepath.Join(r.host.esp, "b/vmlinuz")), r.kernel) || !bytes.Equal(r.read(filepath.Join(r.host.esp, "b/initrd")), r.initrd) {
		t.Error("kernel or initramfs on the ESP differ")
	}
	if got := r.espFiles("b"); !slices.Equal(got, []string{"initrd", "vmlinuz"}) {
		t.Errorf("ESP /b/ holds %q", got)
	}
	if got := r.entries(); !slices.Equal(got, []string{"kitbash-a.conf", "kitbash-b+1.conf"}) {
		t.Errorf("entries %q", got)
	}
	// The entry is builder/image/boot's for slot B, byte for byte.
	if got := string(r.read(filepath.Join(r.host.esp, "loader/entries/kitbash-b+1.conf"))); got != goldenB {
		t.Errorf("entry:\n%s\nwant:\n%s", got, goldenB)
	}
	st, err := bootslot.Load(r.host)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := st.Next(); !ok || n.File != "kitbash-b+1.conf" {
		t.Errorf("next boot %+v, want kitbash-b+1.conf", n)
	}
	s, err := ReadStatus(r.host, r.u.Config)
	if err != nil || s.State != StateStaged || s.Staged != "0.2.0" {
		t.Errorf("status %+v, %v", s, err)
	}
	// Progress: each image's last report has its size.
	last := map[string]Progress{}
	for _, p := range r.progress {
		if p.Done {
			last[p.Step] = p
		}
	}
	if last["root"].Written != int64(len(r.rootImg)) || last["root"].Downloaded != int64(len(r.repo.targets[r.ch.Update.Images.Root])) ||
		last["hash"].Written != int64(len(r.hashImg)) || last["boot"].Written != int64(len(r.kernel)+len(r.initrd)) || !last["done"].Done || !last["clear"].Done {
		t.Errorf("progress %+v", last)
	}
}

func TestApplyHashFailure(t *testing.T) {
	for _, target := range []string{"root", "hash", "boot"} {
		t.Run(target, func(t *testing.T) {
			r := newRig(t)
			name := map[string]string{"root": r.ch.Update.Images.Root, "hash": r.ch.Update.Images.Hash, "boot": r.ch.Update.Images.Boot}[target]
			r.repo.failAtEnd[name] = errors.New("sha256 mismatch")
			_, err := r.u.Apply(context.Background(), r.ch)
			if err == nil || !strings.Contains(err.Error(), "sha256 mismatch") || !strings.Contains(err.Error(), ": "+target+" (") {
				t.Fatalf("error %v, want the step %s and the mismatch", err, target)
			}
			t.Log(err)
			r.wantCleared()
		})
	}
}

func TestApplyCorruptImage(t *testing.T) {
	r := newRig(t)
	b := r.repo.targets[r.ch.Update.Images.Hash]
	b = append([]byte(nil), b...)
	b[len(b)/2] ^= 0xff
	r.repo.targets[r.ch.Update.Images.Hash] = b
	if _, err := r.u.Apply(context.Background(), r.ch); err == nil || !strings.Contains(err.Error(), "hash (") {
		t.Fatalf("error %v, want the hash step", err)
	}
	r.wantCleared()
}

func TestApplyTooLarge(t *testing.T) {
	r := newRig(t)
	if err := os.Truncate(r.rootDev, int64(len(r.rootImg)-1)); err != nil {
		t.Fatal(err)
	}
	_, err := r.u.Apply(context.Background(), r.ch)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "root (") {
		t.Fatalf("error %v, want ErrTooLarge at root", err)
	}
	t.Log(err)
	r.wantCleared()
	// Exactly the partition's size fits.
	r = newRig(t)
	if err := os.Truncate(r.hashDev, int64(len(r.hashImg))); err != nil {
		t.Fatal(err)
	}
	if _, err := r.u.Apply(context.Background(), r.ch); err != nil {
		t.Fatalf("an image of the partition's size: %v", err)
	}
}

func TestApplyCancel(t *testing.T) {
	for _, target := range []string{"root", "boot"} {
		t.Run(target, func(t *testing.T) {
			r := newRig(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			name := map[string]string{"root": r.ch.Update.Images.Root, "boot": r.ch.Update.Images.Boot}[target]
			r.repo.onChunk = func(n string, _ int64) {
				if n == name {
					cancel()
				}
			}
			_, err := r.u.Apply(ctx, r.ch)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			t.Log(err)
			r.wantCleared()
		})
	}
}

func TestApplyBadBootImage(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []bootFile
		want  string
	}{
		{"no kernel", []bootFile{{"boot.json", nil}, {"initrd", []byte("i")}}, "no vmlinuz"},
		{"extra member", []bootFile{{"boot.json", nil}, {"initrd", []byte("i")}, {"vmlinuz", []byte("k")}, {"evil", []byte("x")}}, `unexpected member "evil"`},
		{"wrong version", []bootFile{{"boot.json", []byte(`{"version":"0.3.0","parameters":[],"rootHash":"` + sumHex("r") + `","salt":"","dataBlocks":1}`)}, {"initrd", []byte("i")}, {"vmlinuz", []byte("k")}}, `says version "0.3.0"`},
		{"bad root hash", []bootFile{{"boot.json", []byte(`{"version":"0.2.0","parameters":[],"rootHash":"ab","salt":"","dataBlocks":1}`)}, {"initrd", []byte("i")}, {"vmlinuz", []byte("k")}}, "rootHash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			for i := range tc.files {
				if tc.files[i].name == "boot.json" && tc.files[i].data == nil {
					tc.files[i].data = bootJSONFor(t, "0.2.0")
				}
			}
			r.repo.targets[r.ch.Update.Images.Boot] = zst(t, bootTar(t, tc.files...))
			_, err := r.u.Apply(context.Background(), r.ch)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "boot") {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			r.wantCleared()
		})
	}
}

func TestApplyRefusals(t *testing.T) {
	r := newRig(t)
	// A missing target is found before the slot is cleared.
	delete(r.repo.targets, r.ch.Update.Images.Boot)
	if _, err := r.u.Apply(context.Background(), r.ch); err == nil || !strings.Contains(err.Error(), "target dev-x86_64-0.2.0-boot.zst") {
		t.Errorf("missing target: %v", err)
	}
	// No HASH-B partition.
	r = newRig(t)
	r.host.parts = slices.DeleteFunc(r.host.parts, func(p bootslot.Partition) bool { return p.Name == "HASH-B" })
	if _, err := r.u.Apply(context.Background(), r.ch); err == nil || !strings.Contains(err.Error(), "no partition HASH-B") {
		t.Errorf("no HASH-B: %v", err)
	}
	if got := r.entries(); !slices.Equal(got, []string{"kitbash-a.conf", "kitbash-b.conf"}) {
		t.Errorf("refusals changed the entries: %q", got)
	}
	// The booted slot on trial: bootslot refuses to clear its fallback.
	r = newRig(t)
	a := filepath.Join(r.host.esp, "loader/entries")
	if err := os.Rename(filepath.Join(a, "kitbash-a.conf"), filepath.Join(a, "kitbash-a+0-1.conf")); err != nil {
		t.Fatal(err)
	}
	if _, err := r.u.Apply(context.Background(), r.ch); err == nil || !strings.Contains(err.Error(), "clear slot b") {
		t.Errorf("booted slot on trial: %v", err)
	}
	if _, err := os.Stat(filepath.Join(r.host.esp, "b/vmlinuz")); err != nil {
		t.Errorf("the fallback's kernel: %v", err)
	}
}

func TestApplyMigrations(t *testing.T) {
	r := newRig(t)
	r.repo.targets["dev-x86_64-0.2.0-migration.json"] = []byte(`{"schemaVersion": 1}`)
	ch := r.ch
	ch.Migrations = []string{"dev-x86_64-0.2.0-migration.json"}
	if _, err := r.u.Apply(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	// staged under its version, with the move it is for written last
	if got := r.read(filepath.Join(r.root, "private/migrations/0.2.0/0.2.0.json")); string(got) != `{"schemaVersion": 1}` {
		t.Errorf("migration file %q", got)
	}
	if got := r.read(filepath.Join(r.root, "private/migrations/0.2.0", migrate.StagedInfoFile)); string(got) != `{"from":"0.1.0","to":"0.2.0"}`+"\n" {
		t.Errorf("staged info %q", got)
	}
	// With no migrations the move is staged too: evidence that nothing changed.
	r = newRig(t)
	if _, err := r.u.Apply(context.Background(), r.ch); err != nil {
		t.Fatal(err)
	}
	if got := r.read(filepath.Join(r.root, "private/migrations/0.2.0", migrate.StagedInfoFile)); !strings.Contains(string(got), `"to":"0.2.0"`) {
		t.Errorf("staged info without migrations %q", got)
	}
	// A failing migration download leaves the slot cleared.
	r = newRig(t)
	const m = "dev-x86_64-0.2.0-migration.json"
	r.repo.targets[m] = []byte("x")
	r.repo.failAtEnd[m] = errors.New("sha256 mismatch")
	ch = r.ch
	ch.Migrations = []string{m}
	if _, err := r.u.Apply(context.Background(), ch); err == nil || !strings.Contains(err.Error(), "migrations: "+m+": sha256 mismatch") {
		t.Fatalf("error %v", err)
	}
	r.wantCleared()
	if _, err := os.Stat(filepath.Join(r.root, "private/migrations/0.2.0", migrate.StagedInfoFile)); !os.IsNotExist(err) {
		t.Errorf("a failed staging left its info: %v", err)
	}
	ch.Migrations = []string{"../m"}
	if _, err := r.u.Apply(context.Background(), ch); err == nil || !strings.Contains(err.Error(), "want dev-x86_64-<version>-migration.json") {
		t.Fatalf("error %v", err)
	}
}

func TestCheck(t *testing.T) {
	r := newRig(t)
	r.u.Config.Version = "0.2.0"
	ch, err := r.u.Check(context.Background())
	if err != nil || ch.Update != nil || !strings.Contains(ch.Reason, "is the chosen version") {
		t.Errorf("check on 0.2.0: %+v, %v", ch, err)
	}
	r.repo.refreshErr = errors.New("timestamp expired")
	if _, err := r.u.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "refresh TUF metadata: timestamp expired") {
		t.Errorf("refresh error: %v", err)
	}
	r.u.Config.MetadataURL = ""
	if ch, err := r.u.Check(context.Background()); err != nil || ch.Update != nil || !strings.Contains(ch.Reason, "no update repository") {
		t.Errorf("no repository: %+v, %v", ch, err)
	}
	r = newRig(t)
	r.repo.targets[ManifestName] = []byte("{")
	if _, err := r.u.Check(context.Background()); err == nil || !strings.Contains(err.Error(), ManifestName) {
		t.Errorf("bad manifest: %v", err)
	}
}

func TestStatus(t *testing.T) {
	r := newRig(t)
	s, err := ReadStatus(r.host, r.u.Config)
	if err != nil || s.State != StateIdle || s.Inactive != "b" || s.Staged != "0.0.9" || s.Running != "0.1.0" {
		t.Errorf("status %+v, %v", s, err)
	}
	e := filepath.Join(r.host.esp, "loader/entries")
	if err := os.Rename(filepath.Join(e, "kitbash-b.conf"), filepath.Join(e, "kitbash-b+0-1.conf")); err != nil {
		t.Fatal(err)
	}
	if s, err = ReadStatus(r.host, r.u.Config); err != nil || s.State != StateFailed {
		t.Errorf("status %+v, %v", s, err)
	}
}

// A downgrade is applied like an update: bootslot demotes the booted entry so that the
// older version boots next, once.
func TestApplyDowngrade(t *testing.T) {
	r := newRig(t)
	a := filepath.Join(r.host.esp, "loader/entries/kitbash-a.conf")
	body := strings.Replace(string(r.read(a)), "version 0.1.0\n", "version 0.3.0\n", 1)
	if !strings.Contains(body, "version 0.3.0\n") {
		t.Fatalf("entry A:\n%s", body)
	}
	writeFile(t, a, body)
	r.u.Config.Version = "0.3.0"
	ch := r.ch
	ch.Running, ch.Downgrade = "0.3.0", true
	res, err := r.u.Apply(context.Background(), ch)
	if err != nil {
		t.Fatal(err)
	}
	if res.Entry != "kitbash-b+1.conf" {
		t.Fatalf("entry %s", res.Entry)
	}
	if got := string(r.read(a)); !strings.Contains(got, "sort-key kitbash~\n") {
		t.Fatalf("the booted entry was not demoted:\n%s", got)
	}
	st, err := bootslot.Load(r.host)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := st.Next(); !ok || n.Slot != "b" || n.Version != "0.2.0" {
		t.Fatalf("next boot %+v, want b with 0.2.0", n)
	}
}
