// Package rebuild builds a published kit again from the sources it carries and says
// whether the result is the same kit, byte for byte, and which packages differ.
//
// Run resolves the reference to its digest, checks its signature when keys are given,
// reads the kit and its referrers (the kit sources tar of package kitsrc, the SPDX SBOM
// and the SLSA provenance, which records the sources' digest), unpacks the sources into
// a work folder and hands them to a Build function, which builds the kit there with
// nothing taken from the caller's package store. The rebuilt kit's index digest is
// compared with the published one, and each package's files digest with the kit's
// package index and with the SBOM.
package rebuild

import (
	"context"

	"github.com/kitbash-dev/kitbash/builder/kit"
)

// Build builds the kit in.Kit.Name from the project unpacked at in.Project, answering
// nothing from the caller's package store, and returns the kit it made.
type Build func(ctx context.Context, in BuildInput) (Built, error)

// BuildInput is what a Build gets.
type BuildInput struct {
	WorkDir string     // a folder for the build's own state (its isolated stores); Project is below it
	Project string     // the unpacked kit sources: a project directory
	Kit     kit.Config // the published kit's metadata: name, version, source, revision, SDK, packages
	Epoch   int64      // SOURCE_DATE_EPOCH: the published kit's created time
}

// Built is the kit a Build made.
type Built struct {
	Digest string     // its index digest, sha256:<hex>
	Config kit.Config // its metadata and package index
}
