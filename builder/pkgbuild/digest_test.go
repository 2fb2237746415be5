package pkgbuild

import (
	"github.com/moby/buildkit/client/llb"
	digest "github.com/opencontainers/go-digest"
)

func digestOf(def *llb.Definition, i int) digest.Digest { return digest.FromBytes(def.Def[i]) }
