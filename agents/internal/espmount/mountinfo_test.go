package espmount

import (
	"strings"
	"testing"
)

func TestMountPoints(t *testing.T) {
	mi := "22 1 0:21 / /run rw,nosuid shared:5 - tmpfs tmpfs rw\n" +
		"40 22 8:1 / /run/kitbash/esp rw - vfat /dev/vda1 rw\n" +
		"41 22 8:1 / /mnt/with\\040space rw - vfat /dev/vda1 rw\n"
	got, err := mountPoints(strings.NewReader(mi))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/run", "/run/kitbash/esp", "/mnt/with space"} {
		if !got[p] {
			t.Errorf("%s missing from %v", p, got)
		}
	}
}
