package testsys

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the report as JUnit XML: one testsuite per suite, one testcase
// per case, with the failure and, in system-out, the notes and the console's end.
func (r Report) WriteJUnit(w io.Writer) error {
	top := junitSuites{
		Name: "kitbash " + r.Variant + " " + r.Version, Tests: len(r.Cases),
		Failures: r.Failed(), Time: seconds(r.Duration),
	}
	index := map[string]int{}
	for _, c := range r.Cases {
		i, ok := index[c.Suite]
		if !ok {
			i = len(top.Suites)
			index[c.Suite] = i
			s := junitSuite{Name: c.Suite, Properties: []junitProperty{
				{"variant", r.Variant}, {"version", r.Version},
			}}
			if !r.Started.IsZero() {
				s.Timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
			}
			top.Suites = append(top.Suites, s)
		}
		s := &top.Suites[i]
		jc := junitCase{Name: c.Name, Classname: r.Variant + "." + c.Suite, Time: seconds(c.Duration)}
		var out []string
		out = append(out, c.Notes...)
		if !c.Passed() {
			msg, _, _ := strings.Cut(c.Failure, "\n")
			jc.Failure = &junitFailure{Message: msg, Type: "failure", Text: c.Failure}
			s.Failures++
			if len(c.Console) > 0 {
				out = append(out, "--- console (last lines) ---")
				out = append(out, c.Console...)
			}
		}
		if len(out) > 0 {
			jc.SystemOut = strings.Join(out, "\n") + "\n"
		}
		s.Tests++
		s.Cases = append(s.Cases, jc)
	}
	for i := range top.Suites {
		var d time.Duration
		for _, c := range r.Cases {
			if c.Suite == top.Suites[i].Name {
				d += c.Duration
			}
		}
		top.Suites[i].Time = seconds(d)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(top); err != nil {
		return fmt.Errorf("encode JUnit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// writeJUnitFile writes the JUnit report to path through a temporary file.
func (r Report) writeJUnitFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("JUnit report: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".junit-*.xml")
	if err != nil {
		return fmt.Errorf("JUnit report: %w", err)
	}
	defer os.Remove(f.Name())
	if err := r.WriteJUnit(f); err != nil {
		f.Close()
		return fmt.Errorf("JUnit report %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("JUnit report: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("JUnit report %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("JUnit report: %w", err)
	}
	return nil
}
