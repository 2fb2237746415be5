package mountinfo

import (
	"reflect"
	"strings"
	"testing"
)

func TestMountPoints(t *testing.T) {
	const info = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
23 22 0:5 / /proc rw,nosuid - proc proc rw
40 22 8:1 / /run/kitbash/esp rw - vfat /dev/vda1 rw
41 22 0:6 / /mnt/with\040space rw - tmpfs tmpfs rw
short line
`
	got, err := MountPoints(strings.NewReader(info))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"/": true, "/proc": true, "/run/kitbash/esp": true, "/mnt/with space": true}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	long := "1 2 3 4 /" + strings.Repeat("x", 2<<20) + "\n"
	if _, err := MountPoints(strings.NewReader(long)); err == nil || !strings.HasPrefix(err.Error(), "read mountinfo: ") {
		t.Fatalf("a line over 1 MiB: %v", err)
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`a\134b\011c\`: "a\\b\tc\\",
		`/plain`:       "/plain",
		`\04`:          `\04`,
		`\999`:         `\999`,
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}
