package ocistore

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/opencontainers/go-digest"
)

func digestOf(h v1.Hash) digest.Digest { return digest.Digest(h.String()) }
