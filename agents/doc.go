// Package agents holds the programs that run inside a Kitbash image (init, the settings
// API and its client, the update client, the boot-slot tool, the migrator), one main
// package per agent under cmd/<agent>, with shared code under internal/. It is its own
// Go module with a small, vendored dependency set so the agents build in the sandbox
// without network, from specs/agents.
package agents
