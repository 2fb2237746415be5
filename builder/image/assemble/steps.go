package assemble

import (
	"fmt"
	"strconv"
)

// rootStep makes the erofs root image and the PRIVATE file system from the root file
// system tar ($IN_ROOTFS/rootfs.tar), and collects mkfs.ext4 with the libraries it
// links for the initramfs (first boot formats DATA with it).
func rootStep(ids ids, privateSize int64) (script string, env map[string]string) {
	env = map[string]string{
		"ROOT_UUID":    ids.rootUUID,
		"PRIVATE_UUID": ids.privUUID,
		"PRIVATE_KIB":  strconv.FormatInt(privateSize/1024, 10),
	}
	script = `
r=/tmp/rootfs
rm -rf "$r"; mkdir -p "$r"
tar -xpf "$IN_ROOTFS/rootfs.tar" -C "$r" --numeric-owner
# reproducible: fixed times and UUID, every file owned by root (the rootfs tar's owners are root)
mkfs.erofs -T"$SOURCE_DATE_EPOCH" -U "$ROOT_UUID" --all-root "$OUT/root.erofs" "$r" >/tmp/mkfs.erofs.log
fsck.erofs "$OUT/root.erofs" >/dev/null
# PRIVATE: ext4 with fixed time, UUID and hash seed, and the SDK's pinned mke2fs.conf
E2FSPROGS_FAKE_TIME="$SOURCE_DATE_EPOCH" mkfs.ext4 -q -F -b 4096 -L PRIVATE -U "$PRIVATE_UUID" \
  -E root_owner=0:0,hash_seed="$PRIVATE_UUID",lazy_itable_init=0,lazy_journal_init=0,nodiscard \
  "$OUT/private.img" "${PRIVATE_KIB}k"
# mkfs.ext4 for the initramfs, with its libraries and loader at their paths
t="$OUT/initramfs"
mkdir -p "$t/sbin" "$t/etc"
cp /sbin/mke2fs "$t/sbin/mkfs.ext4"
cp /etc/mke2fs.conf "$t/etc/mke2fs.conf"
for lib in $(ldd /sbin/mke2fs | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
  mkdir -p "$t$(dirname "$lib")"
  cp -L "$lib" "$t$lib"
done
rm -rf "$r"
`
	return script, env
}

// espStep makes the FAT32 ESP image from the staged tree $IN_ESP (every file and
// directory in it is copied, times set to SOURCE_DATE_EPOCH), with systemd-boot from
// the SDK as the removable-media boot loader.
func espStep(ids ids, espSize int64) (script string, env map[string]string) {
	env = map[string]string{
		"ESP_VOLID":         ids.espVolumeID,
		"ESP_KIB":           strconv.FormatInt(espSize/1024, 10),
		"MTOOLS_SKIP_CHECK": "1",
	}
	script = fmt.Sprintf(`
s=/tmp/esp
rm -rf "$s"; mkdir -p "$s/EFI/BOOT"
cp -r "$IN_ESP/." "$s/"
cp %s "$s/EFI/BOOT/BOOTX64.EFI"
find "$s" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
img="$OUT/esp.img"
mkfs.fat -C -F 32 -n ESP -i "$ESP_VOLID" --invariant "$img" "$ESP_KIB" >/dev/null
# directories first, then files, each in sorted order; -m keeps the (fixed) times
(cd "$s" && find . -mindepth 1 -type d | sort) | while read -r d; do mmd -i "$img" "::/${d#./}"; done
(cd "$s" && find . -type f | sort) | while read -r f; do mcopy -m -i "$img" "$s/${f#./}" "::/${f#./}"; done
fsck.fat -n "$img" >/dev/null
`, systemdBootEFI)
	return script, env
}

// systemdBootEFI is systemd-boot in the SDK (Debian's systemd-boot-efi).
const systemdBootEFI = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"

// qcow2Step converts $IN_DISK/<name> to $OUT/<out>.
func qcow2Step(name, out string) (script string, env map[string]string) {
	return `qemu-img convert -f raw -O qcow2 -o compat=1.1 "$IN_DISK/$DISK" "$OUT/$QCOW2"
qemu-img check "$OUT/$QCOW2" >/dev/null
`, map[string]string{"DISK": name, "QCOW2": out}
}
