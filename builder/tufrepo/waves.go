package tufrepo

import (
	"fmt"
	"time"
)

// MaxSeed bounds the update seeds of hosts: each host picks a seed in [0, MaxSeed).
const MaxSeed = 2048

// WaveStep is one step of a rollout: Percent of the fleet may update After the release
// start.
type WaveStep struct {
	After   time.Duration
	Percent int
}

// WavePolicyNames are the rollout schedules WavePolicyNamed knows.
func WavePolicyNames() []string { return []string{"default", "accelerated", "slow-roll"} }

// WavePolicyNamed returns a rollout schedule. default is Bottlerocket's (1% after an hour,
// all after 6 days); accelerated reaches everyone in a day; slow-roll in 13 days.
func WavePolicyNamed(name string) ([]WaveStep, error) {
	h, d := time.Hour, 24*time.Hour
	switch name {
	case "default", "":
		return []WaveStep{{h, 1}, {4 * h, 5}, {d, 15}, {2 * d, 40}, {4 * d, 60}, {5 * d, 90}, {6 * d, 100}}, nil
	case "accelerated":
		return []WaveStep{{h, 3}, {4 * h, 15}, {8 * h, 40}, {16 * h, 75}, {d, 100}}, nil
	case "slow-roll":
		return []WaveStep{{h, 1}, {d, 5}, {3 * d, 15}, {5 * d, 30}, {7 * d, 50}, {9 * d, 70}, {11 * d, 90}, {13 * d, 100}}, nil
	}
	return nil, fmt.Errorf("wave policy %q: fix: use one of %v", name, WavePolicyNames())
}

// wavesFor turns a schedule into manifest waves: seed bound = percent of MaxSeed, time =
// start + step delay.
func wavesFor(steps []WaveStep, start time.Time) Waves {
	w := make(Waves, 0, len(steps))
	for _, s := range steps {
		w = append(w, Wave{Seed: s.Percent * MaxSeed / 100, Start: start.Add(s.After).UTC()})
	}
	return w
}
