package regref

import "testing"

func TestIsLoopback(t *testing.T) {
	for in, want := range map[string]bool{
		"127.0.0.1:5000": true, "localhost": true, "localhost:5000": true, "[::1]:5000": true, "127.1.2.3": true,
		"ghcr.io": false, "10.0.0.1:5000": false, "registry.example.org:443": false, "[2001:db8::1]:5000": false,
	} {
		if got := IsLoopback(in); got != want {
			t.Errorf("IsLoopback(%q) = %v", in, got)
		}
	}
}
