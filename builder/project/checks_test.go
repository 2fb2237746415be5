package project

import (
	"strings"
	"testing"
)

func TestCheckHelpers(t *testing.T) {
	tests := []struct {
		name  string
		check func(c *checker)
		bad   bool
	}{
		{"relative path", func(c *checker) { c.relPath("f", "./keys/a.pub", "") }, false},
		{"path going up and back", func(c *checker) { c.relPath("f", "keys/../keys/a.pub", "") }, false},
		{"path escaping", func(c *checker) { c.relPath("f", "keys/../../a.pub", "") }, true},
		{"absolute path", func(c *checker) { c.relPath("f", "/a.pub", "") }, true},
		{"drive letter", func(c *checker) { c.relPath("f", `C:\keys\a.pub`, "") }, true},
		{"blank path", func(c *checker) { c.relPath("f", " ", "") }, true},
		{"repository with port", func(c *checker) { c.repository("f", "localhost:5000/a/b", "") }, false},
		{"repository without path", func(c *checker) { c.repository("f", "localhost:5000", "") }, true},
		{"repository with tag", func(c *checker) { c.repository("f", "localhost:5000/a:1", "") }, true},
		{"repository with digest", func(c *checker) { c.repository("f", "r.example/a@sha256:00", "") }, true},
		{"repository trailing slash", func(c *checker) { c.repository("f", "r.example/a/", "") }, true},
		{"name", func(c *checker) { c.ident("f", "kitbash-sdk_1.0", "") }, false},
		{"long name", func(c *checker) { c.ident("f", strings.Repeat("a", 129), "") }, true},
		{"package with epoch", func(c *checker) { c.debPackages("f", []string{"libc6=1:2.36-9", "g++"}, false) }, false},
		{"package with empty version", func(c *checker) { c.debPackages("f", []string{"make="}, false) }, true},
		{"one-letter package", func(c *checker) { c.debPackages("f", []string{"a"}, false) }, true},
	}
	for _, tt := range tests {
		c := &checker{}
		tt.check(c)
		if bad := len(c.ps) > 0; bad != tt.bad {
			t.Errorf("%s: problems %v, want bad=%v", tt.name, c.ps, tt.bad)
		}
	}
}
