// Package llbgolden renders LLB definitions as reviewable text and compares them with
// golden files, for tests that check LLB generation without a daemon.
package llbgolden

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"google.golang.org/protobuf/encoding/protojson"
)

// Render returns one compact JSON op per line, in definition order.
func Render(t testing.TB, def *llb.Definition) string {
	t.Helper()
	var b strings.Builder
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		js, err := protojson.Marshal(&op)
		if err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal(json.RawMessage(js)) // compacts protojson's unstable spacing
		if err != nil {
			t.Fatal(err)
		}
		b.Write(out)
		b.WriteByte('\n')
	}
	return b.String()
}

// Ops decodes a definition's ops.
func Ops(t testing.TB, def *llb.Definition) []*pb.Op {
	t.Helper()
	var ops []*pb.Op
	for _, dt := range def.Def {
		op := &pb.Op{}
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op)
	}
	return ops
}

// Check compares got with testdata/name, rewriting it first when update is set.
func Check(t testing.TB, name, got string, update bool) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make update-golden` to create it)", err)
	}
	if string(want) != got {
		t.Errorf("LLB differs from %s (run `make update-golden` if the change is intended)\n--- got\n%s", path, got)
	}
}
