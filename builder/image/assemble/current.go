package assemble

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/kitbash-dev/kitbash/builder/image/imageinfo"
)

// StampFile is the build record Build leaves in an image directory: the image's inputs
// digest and the size and modification time of SHA256SUMS and of every file it lists,
// as the build left them. SHA256SUMS does not list it: it is not an output.
const StampFile = ".kitbash-build.json"

// SumsFile is the sha256sum-format list of an image directory's outputs.
const SumsFile = "SHA256SUMS"

const stampSchema = 1

type stamp struct {
	Schema int         `json:"schema"`
	Inputs string      `json:"inputs"`
	Files  []stampFile `json:"files"`
}

type stampFile struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtimeNs"`
}

// Current returns the image in outDir when Build made it from the same inputs with the
// same options (its inputs digest: see WithTool) and none of its outputs has changed
// since. It does not hash the outputs again: it checks that SHA256SUMS and every file
// it lists still exist with the size and modification time (in nanoseconds) the build
// recorded, which catches a file rewritten in place (a disk booted with `kitbash run
// --in-place`), replaced, truncated or removed, but not one changed on purpose with its
// size and time kept. When the image is not current, Current returns nil and why.
func Current(in Input, outDir string, opts ...Option) (*imageinfo.Image, string, error) {
	cfg := config{}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, "", err
		}
	}
	if in.Variant == nil || in.Version == "" || len(in.Packages) == 0 {
		return nil, "", fmt.Errorf("assemble: need a variant, a version and packages")
	}
	want, err := inputsDigest(in, cfg)
	if err != nil {
		return nil, "", err
	}
	st, why := readStamp(outDir)
	if why != "" {
		return nil, why, nil
	}
	if st.Inputs != want {
		return nil, "its inputs changed", nil
	}
	recorded := map[string]bool{}
	for _, f := range st.Files {
		recorded[f.Path] = true
		if why := f.check(outDir); why != "" {
			return nil, why, nil
		}
	}
	names, err := sumsNames(outDir)
	if err != nil {
		return nil, err.Error(), nil
	}
	for _, n := range append(names, SumsFile) {
		if !recorded[n] {
			return nil, fmt.Sprintf("%s is not in the build record", n), nil
		}
	}
	im, err := imageinfo.Read(outDir)
	if err != nil {
		return nil, err.Error(), nil
	}
	if id, err := buildID(in); err != nil || im.BuildID != id {
		return nil, fmt.Sprintf("%s names build %s, not %s", imageinfo.FileName, im.BuildID, id), nil
	}
	return im, "", nil
}

// readStamp reads dir's build record, or says why there is none to trust.
func readStamp(dir string) (stamp, string) {
	b, err := os.ReadFile(filepath.Join(dir, StampFile))
	if errors.Is(err, fs.ErrNotExist) {
		return stamp{}, "no build recorded in " + dir
	}
	if err != nil {
		return stamp{}, fmt.Sprintf("read the build record: %v", err)
	}
	var st stamp
	if err := json.Unmarshal(b, &st); err != nil || st.Schema != stampSchema || st.Inputs == "" {
		return stamp{}, fmt.Sprintf("the build record %s is unreadable or of another kitbash", StampFile)
	}
	return st, ""
}

// check says how dir's file differs from its record, or "" when it does not.
func (f stampFile) check(dir string) string {
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f.Path + " is missing"
	case err != nil:
		return fmt.Sprintf("%s: %v", f.Path, err)
	case !fi.Mode().IsRegular():
		return f.Path + " is not a regular file"
	case fi.Size() != f.Size:
		return fmt.Sprintf("%s changed size since it was built", f.Path)
	case fi.ModTime().UnixNano() != f.ModTime:
		return fmt.Sprintf("%s was modified since it was built", f.Path)
	}
	return ""
}

// writeStamp records SHA256SUMS and the files it lists in dir, with inputs.
func writeStamp(dir, inputs string) error {
	names, err := sumsNames(dir)
	if err != nil {
		return err
	}
	st := stamp{Schema: stampSchema, Inputs: inputs}
	for _, n := range append(names, SumsFile) {
		fi, err := os.Stat(filepath.Join(dir, n))
		if err != nil {
			return fmt.Errorf("build record: %w", err)
		}
		st.Files = append(st.Files, stampFile{Path: n, Size: fi.Size(), ModTime: fi.ModTime().UnixNano()})
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("build record: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, StampFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("build record: %w", err)
	}
	return nil
}

// sumsNames are the file names dir/SHA256SUMS lists.
func sumsNames(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", SumsFile, err)
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		_, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || !filepath.IsLocal(name) {
			return nil, fmt.Errorf("%s: line %q is not \"<sha256>  <file>\"", SumsFile, sc.Text())
		}
		names = append(names, name)
	}
	return names, sc.Err()
}
