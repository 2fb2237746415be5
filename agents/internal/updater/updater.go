package updater

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kitbash-dev/kitbash/agents/internal/bootslot"
)

// Updater checks for and applies updates.
type Updater struct {
	Config Config
	Repo   Repository
	// Machine is what Apply changes; Check does not use it.
	Machine Machine
	// Progress, when set, is called as Apply goes (from Apply's goroutine).
	Progress func(Progress)
}

// Machine is the machine Apply writes: the boot state (through bootslot), the block
// devices of the inactive slot's partitions, and the PRIVATE file system.
type Machine struct {
	// Host is bootslot's view of the machine: the mounted ESP, the kernel command
	// line, the EFI variables and the boot disk's GPT, whose partitions must carry
	// their device nodes (Partition.Dev) for ROOT-<S> and HASH-<S>.
	Host bootslot.Host
	// PrivateDir is where PRIVATE is mounted ("/.private"); migrations go to
	// <PrivateDir>/migrations/<version>/.
	PrivateDir string
	// OpenDevice opens a partition's device node for writing; nil is OpenBlockDevice.
	OpenDevice func(path string) (Device, error)
}

// Device is an open partition: written from offset 0, sized by seeking to its end.
type Device interface {
	io.WriteSeeker
	Sync() error
	Close() error
}

// OpenBlockDevice opens path write-only with O_EXCL, which on Linux fails with EBUSY
// for a block device that is mounted or held (by dm-verity, for instance): the
// running root is never opened. (For a regular file, as in tests, O_EXCL without
// O_CREATE is ignored.)
func OpenBlockDevice(path string) (Device, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_EXCL, 0)
}

// Progress is one report of Apply.
type Progress struct {
	// Step is "clear", "root", "hash", "boot", "migrations", "set-next" or "done".
	Step string `json:"step"`
	// Target is the TUF target being written, for root, hash, boot and migrations.
	Target string `json:"target,omitempty"`
	// Written is the bytes written so far for the target (decompressed, for the
	// images); Downloaded the bytes of the target received; Length its length.
	Written    int64 `json:"written"`
	Downloaded int64 `json:"downloaded"`
	Length     int64 `json:"length,omitempty"`
	// Done is set on the last report of a step.
	Done bool `json:"done,omitempty"`
}

func (u *Updater) report(p Progress) {
	if u.Progress != nil {
		u.Progress(p)
	}
}

// Check refreshes the repository's metadata, reads manifest.json and chooses an
// update (see Choose). With no metadata URL configured there is nothing to check.
func (u *Updater) Check(ctx context.Context) (Choice, error) {
	c := u.Config
	if c.MetadataURL == "" {
		return Choice{Running: c.Version, Variant: c.Variant, Arch: c.Arch, Reason: "no update repository configured (updates.metadata-url)"}, nil
	}
	if u.Repo == nil {
		return Choice{}, errors.New("check: no repository")
	}
	if err := u.Repo.Refresh(ctx); err != nil {
		return Choice{}, fmt.Errorf("check: refresh TUF metadata: %w", err)
	}
	m, err := fetchManifest(ctx, u.Repo)
	if err != nil {
		return Choice{}, fmt.Errorf("check: %w", err)
	}
	ch, err := Choose(m, c, c.now())
	if err != nil {
		return ch, fmt.Errorf("check: %w", err)
	}
	return ch, nil
}

// Result is what Apply did.
type Result struct {
	Slot       string           `json:"slot"`    // the slot written, "a" or "b"
	Version    string           `json:"version"` // the version now in it
	Entry      string           `json:"entry"`   // its entry's file name, "kitbash-<s>+1.conf"
	Written    map[string]int64 `json:"written"` // bytes written per image: root, hash, vmlinuz, initrd
	Migrations []string         `json:"migrations,omitempty"`
	Duration   time.Duration    `json:"duration_ns"`
	// Steps is how long each step took: clear, root, hash, boot, migrations, set-next.
	Steps map[string]time.Duration `json:"steps_ns"`
}
