#!/bin/sh
# make-oci.sh BUSYBOX OUT: writes OUT, an OCI image layout as a tar, holding one image
# (kitbash/bootstrap:1.0) whose only layer is BUSYBOX with a few applet links.
set -eu
bb=$1 out=$2
w=/tmp/bootstrap-oci
rm -rf "$w"
mkdir -p "$w/root/bin" "$w/root/proc" "$w/root/sys" "$w/root/dev" "$w/root/etc" "$w/root/tmp" "$w/oci/blobs/sha256"
install -m 0755 "$bb" "$w/root/bin/busybox"
for a in sh echo cat hostname; do ln -s busybox "$w/root/bin/$a"; done
# deterministic tar: sorted, numeric root owner, SOURCE_DATE_EPOCH times, GNU format
dtar() { tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner --format=gnu "$@"; }
blob() { # blob FILE -> prints "sha256:<hex> <size>" and moves FILE into blobs/
  d=$(sha256sum "$1" | cut -d' ' -f1); s=$(stat -c %s "$1"); mv "$1" "$w/oci/blobs/sha256/$d"; echo "sha256:$d $s"
}
dtar -cf "$w/layer.tar" -C "$w/root" .
set -- $(blob "$w/layer.tar"); layer=$1 layersize=$2
cmd='echo KITBASH-BOOTSTRAP-OK container pid $$ host $(hostname)'
printf '{"architecture":"amd64","config":{"Cmd":["/bin/sh","-c","%s"],"Env":["PATH=/bin"],"WorkingDir":"/"},"os":"linux","rootfs":{"diff_ids":["%s"],"type":"layers"}}' \
  "$cmd" "$layer" >"$w/config.json"
set -- $(blob "$w/config.json"); config=$1 configsize=$2
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
  "$config" "$configsize" "$layer" "$layersize" >"$w/manifest.json"
set -- $(blob "$w/manifest.json"); manifest=$1 manifestsize=$2
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"io.containerd.image.name":"kitbash/bootstrap:1.0","org.opencontainers.image.ref.name":"1.0"}}]}' \
  "$manifest" "$manifestsize" >"$w/oci/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$w/oci/oci-layout"
mkdir -p "$(dirname "$out")"
dtar -cf "$out" -C "$w/oci" .
rm -rf "$w"
