package bootslot

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// EntriesDir and LoaderConf are where systemd-boot reads its configuration, relative
// to the ESP's root.
const (
	EntriesDir = "loader/entries"
	LoaderConf = "loader/loader.conf"
)

// Entry is one Boot Loader Specification Type #1 entry in loader/entries: what
// systemd-boot knows of it for ordering, and what bootslot reads of it.
type Entry struct {
	File      string // file name in loader/entries
	Slot      string // "a" or "b" for a Kitbash entry, else ""
	SortKey   string
	MachineID string
	Version   string
	Linux     string // ESP path of the kernel, "/b/vmlinuz"
	Initrd    []string
	Options   string
	Counted   bool // the name has a boot counter
	Left      int  // boots left, when Counted
	Done      int  // boots done, when Counted
}

// exhausted reports whether the entry has a counter with no tries left; systemd-boot
// sorts such entries last.
func (e Entry) exhausted() bool { return e.Counted && e.Left == 0 }

// id is systemd-boot's id of the entry: the file name, lower-cased.
func (e Entry) id() string { return strings.ToLower(e.File) }

// State is the entry's boot assessment state: "good" (no counter), "trial" (tries
// left) or "exhausted" (no tries left).
func (e Entry) State() string {
	switch {
	case !e.Counted:
		return "good"
	case e.Left > 0:
		return "trial"
	}
	return "exhausted"
}

// Root returns the PARTUUID of kitbash.root in the entry's options, lower case, or "".
func (e Entry) Root() string {
	for _, f := range strings.Fields(e.Options) {
		if v, ok := strings.CutPrefix(f, "kitbash.root=PARTUUID="); ok {
			return strings.ToLower(v)
		}
	}
	return ""
}

// ParseEntry reads an entry file's body: "key value" lines, '#' comments; the keys
// bootslot and systemd-boot's ordering need. Repeated "options" lines are joined with a
// space and "initrd" lines collected, as systemd-boot does.
func ParseEntry(file string, body []byte) Entry {
	e := Entry{File: file}
	e.Slot, _ = SlotOf(file)
	if l, d, ok := Tries(file); ok {
		e.Counted, e.Left, e.Done = true, l, d
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v := line, ""
		if i := strings.IndexAny(line, " \t"); i >= 0 {
			k, v = line[:i], strings.TrimSpace(line[i+1:])
		}
		switch k {
		case "sort-key":
			e.SortKey = v
		case "machine-id":
			e.MachineID = v
		case "version":
			e.Version = v
		case "linux":
			e.Linux = v
		case "initrd":
			e.Initrd = append(e.Initrd, v)
		case "options":
			if e.Options != "" {
				e.Options += " "
			}
			e.Options += v
		}
	}
	return e
}

// isEntryFile reports whether systemd-boot reads name as a Type #1 entry: it ends in
// ".conf" (any case) and does not start with "auto-".
func isEntryFile(name string) bool {
	return len(name) > len(".conf") && strings.EqualFold(name[len(name)-len(".conf"):], ".conf") &&
		!strings.HasPrefix(strings.ToLower(name), "auto-")
}

// readEntries reads every entry in esp/loader/entries, sorted as systemd-boot sorts
// them. A missing directory is no entries.
func readEntries(esp string) ([]Entry, error) {
	dir := filepath.Join(esp, EntriesDir)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read boot entries: %w", err)
	}
	var out []Entry
	for _, d := range ents {
		if !d.Type().IsRegular() || !isEntryFile(d.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, d.Name()))
		if err != nil {
			return nil, fmt.Errorf("read boot entry: %w", err)
		}
		out = append(out, ParseEntry(d.Name(), b))
	}
	sortEntries(out)
	return out, nil
}

func sortEntries(es []Entry) { slices.SortStableFunc(es, compareEntries) }

// readDefault returns the "default" pattern of esp/loader/loader.conf, or "" when
// there is none.
func readDefault(esp string) (string, error) {
	b, err := os.ReadFile(filepath.Join(esp, LoaderConf))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read loader.conf: %w", err)
	}
	pattern := ""
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "default" {
			pattern = f[1]
		}
	}
	return pattern, nil
}

// NextEntry returns the entry systemd-boot picks by default among entries (sorted as
// systemd-boot sorts them): the first whose id matches loader.conf's default pattern,
// else the first entry. It returns false when there are no entries. The EFI variables
// LoaderEntryOneShot and LoaderEntryDefault, which would override this, are never set
// by Kitbash (Status warns when they are).
func NextEntry(entries []Entry, pattern string) (Entry, bool) {
	if pattern != "" {
		p := strings.ToLower(pattern)
		for _, e := range entries {
			if ok, _ := path.Match(p, e.id()); ok {
				return e, true
			}
		}
	}
	if len(entries) == 0 {
		return Entry{}, false
	}
	return entries[0], true
}
