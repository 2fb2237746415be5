package solve

import (
	"sort"
	"sync"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
)

// Stats records which vertices of a solve ran and which came from BuildKit's cache. It
// is safe for concurrent use; the zero value is ready.
type Stats struct {
	mu     sync.Mutex
	seen   map[digest.Digest]bool
	ran    []string
	cached []string
}

func (s *Stats) record(st *client.SolveStatus) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[digest.Digest]bool{}
	}
	for _, v := range st.Vertexes {
		if v.Completed == nil || s.seen[v.Digest] || v.Error != "" {
			continue
		}
		s.seen[v.Digest] = true
		if v.Cached {
			s.cached = append(s.cached, v.Name)
		} else {
			s.ran = append(s.ran, v.Name)
		}
	}
}

// Ran returns the names of the vertices that executed, sorted.
func (s *Stats) Ran() []string { return s.list(&s.ran) }

// Cached returns the names of the vertices answered from cache, sorted.
func (s *Stats) Cached() []string { return s.list(&s.cached) }

func (s *Stats) list(l *[]string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string{}, *l...)
	sort.Strings(out)
	return out
}
