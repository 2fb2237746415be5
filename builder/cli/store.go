package cli

import "github.com/kitbash-dev/kitbash/builder/ocistore"

func openStore(dir string) (*ocistore.Store, error) { return ocistore.Open(dir) }
