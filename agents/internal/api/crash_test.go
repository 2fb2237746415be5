package api

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/kitbash-dev/kitbash/agents/internal/datastore"
)

// crashFS does the part of its n-th operation a crash would have done, then fails it
// and every later one, as if the machine had stopped there: a write leaves half a
// file, a rename or a removal does not happen.
type crashFS struct{ n, count int }

var errCrash = errors.New("crash")

func (c *crashFS) dead() bool { c.count++; return c.count >= c.n }

func (c *crashFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	if c.dead() {
		if c.count == c.n {
			_ = os.WriteFile(name, data[:len(data)/2], perm)
		}
		return errCrash
	}
	return datastore.OSFS{}.WriteFile(name, data, perm)
}
func (c *crashFS) Rename(o, n string) error {
	if c.dead() {
		return errCrash
	}
	return os.Rename(o, n)
}
func (c *crashFS) SyncDir(d string) error {
	if c.dead() {
		return errCrash
	}
	return datastore.OSFS{}.SyncDir(d)
}
func (c *crashFS) Remove(n string) error {
	if c.dead() {
		return errCrash
	}
	return os.Remove(n)
}

// TestCrashAtEveryStep crashes a PATCH and a commit at each of their file operations,
// then restarts settingsd on what is on disk: the transaction and the committed
// settings are each entirely before or entirely after, and the settings a commit
// would produce are never lost.
func TestCrashAtEveryStep(t *testing.T) {
	const (
		oldPending  = `{"motd": "pending-1"}`
		newPending  = `{"motd": "pending-1", "net": {"mtu": 9000}}`
		oldSettings = `{"motd": "Variant welcome", "net": {"mtu": 1500}}`
		newSettings = `{"motd": "pending-1", "net": {"mtu": 9000}}`
	)
	for _, op := range []string{"patch", "commit"} {
		for n := 1; ; n++ {
			e := newEnv(t)
			st := e.open(e.options())
			c := serve(t, st)
			c.expect("PATCH", "/v1/settings", `{"motd": "pending-1"}`, 200, "")
			if op == "commit" {
				c.expect("PATCH", "/v1/settings", `{"net": {"mtu": 9000}}`, 200, "")
			}
			st.mu.Lock()
			st.o.FS = &crashFS{n: n}
			st.mu.Unlock()
			var status int
			if op == "patch" {
				status, _ = c.do("PATCH", "/v1/settings", `{"net": {"mtu": 9000}}`)
			} else {
				status, _ = c.do("POST", "/v1/tx/commit", "")
			}
			// after the crash, a new settingsd on the same disk
			c2 := serve(t, e.open(e.options()))
			_, pending := c2.do("GET", "/v1/tx", "")
			_, committed := c2.do("GET", "/v1/settings?keys=motd,net.mtu", "")
			p, s := js(pending), js(committed)
			switch op {
			case "patch":
				if s != js(decode(oldSettings)) || (p != js(decode(oldPending)) && p != js(decode(newPending))) {
					t.Fatalf("patch, crash at step %d: pending %s, settings %s", n, p, s)
				}
			case "commit":
				switch s {
				case js(decode(oldSettings)):
					if p != js(decode(newPending)) {
						t.Fatalf("commit, crash at step %d: old settings and pending %s", n, p)
					}
				case js(decode(newSettings)):
					if p != "{}" && p != js(decode(newPending)) {
						t.Fatalf("commit, crash at step %d: new settings and pending %s", n, p)
					}
					// committing the leftover transaction again changes nothing
					c2.expect("POST", "/v1/tx/commit", "", 200, "")
					c2.expect("GET", "/v1/settings?keys=motd,net.mtu", "", 200, newSettings)
				default:
					t.Fatalf("commit, crash at step %d: settings %s", n, s)
				}
			}
			if status == 200 {
				if n < 3 {
					t.Fatalf("%s succeeded with a crash at step %d", op, n)
				}
				break
			}
			if status != 500 {
				t.Fatalf("%s, crash at step %d: status %d", op, n, status)
			}
		}
	}
}

func decode(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(err)
	}
	return v
}
