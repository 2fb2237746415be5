package migrate

import "fmt"

// Direction says which list of a migration file a step runs.
type Direction string

// Directions.
const (
	Forward  Direction = "forward"
	Backward Direction = "backward"
)

// Step is one migration file's list to run.
type Step struct {
	File      *File
	Direction Direction
}

// Ops returns the operations the step runs.
func (s Step) Ops() []Op {
	if s.Direction == Forward {
		return s.File.Forward
	}
	return s.File.Backward
}

// Plan returns the steps from version from to version to (none if they are equal):
// forward lists of the files in (from, to] ascending, or backward lists of the files in
// (to, from] descending. A backward plan needs a file for from itself.
func (s *Set) Plan(from, to Version) ([]Step, error) {
	var steps []Step
	switch c := from.Compare(to); {
	case c < 0:
		for _, f := range s.Files {
			if f.Version.Compare(from) > 0 && f.Version.Compare(to) <= 0 {
				steps = append(steps, Step{File: f, Direction: Forward})
			}
		}
	case c > 0:
		known := false
		for i := len(s.Files) - 1; i >= 0; i-- {
			f := s.Files[i]
			if f.Version.Compare(from) == 0 {
				known = true
			}
			if f.Version.Compare(to) > 0 && f.Version.Compare(from) <= 0 {
				steps = append(steps, Step{File: f, Direction: Backward})
			}
		}
		if !known {
			return nil, fmt.Errorf("migrations %s: no %s.json, so the way back from %s is unknown; fix: stage the migration files of %s and the versions before it (an empty one if it changed nothing)", s.Dir, from, from, from)
		}
	}
	return steps, nil
}

// Run applies the steps in order to a copy of settings.
func Run(settings map[string]any, steps []Step) (map[string]any, error) {
	cur := settings
	for _, st := range steps {
		next, err := Apply(cur, st.Ops())
		if err != nil {
			return nil, fmt.Errorf("%s %s%s", st.File.Path, st.Direction, err)
		}
		cur = next
	}
	if cur == nil {
		cur = map[string]any{}
	}
	return cur, nil
}
