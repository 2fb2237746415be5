package engine

import "testing"

func TestDecide(t *testing.T) {
	const want = "v0.34.2"
	for _, tc := range []struct {
		name  string
		o     observed
		act   action
		clean bool
	}{
		{"nothing there", observed{}, actStart, false},
		{"stale socket, no process", observed{socketExists: true}, actStart, true},
		{"healthy, pinned version", observed{socketExists: true, pidAlive: true, reachable: true, version: want}, actReuse, false},
		{"healthy, other version", observed{socketExists: true, pidAlive: true, reachable: true, version: "v0.33.0"}, actRestart, false},
		{"alive but not answering", observed{socketExists: true, pidAlive: true}, actRestart, false},
		{"alive, socket missing", observed{pidAlive: true}, actRestart, false},
		{"healthy, started with other settings", observed{socketExists: true, pidAlive: true, reachable: true, version: want, configStale: true}, actRestart, false},
		{"reachable, pid file lost", observed{socketExists: true, reachable: true, version: want}, actReuse, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			act, clean := decide(tc.o, want)
			if act != tc.act || clean != tc.clean {
				t.Fatalf("decide(%+v) = %v, clean=%v; want %v, clean=%v", tc.o, act, clean, tc.act, tc.clean)
			}
		})
	}
	if act, _ := decide(observed{reachable: true, version: "anything"}, ""); act != actReuse {
		t.Fatalf("with no pinned version any reachable daemon is reused, got %v", act)
	}
}
