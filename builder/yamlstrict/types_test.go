package yamlstrict

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Types shared by the tests: one field of every supported kind.

type level string

type textVal struct{ s string }

func (t *textVal) UnmarshalText(b []byte) error {
	if strings.HasPrefix(string(b), "bad") {
		return errors.New("must not start with \"bad\"")
	}
	t.s = string(b)
	return nil
}

type yamlVal struct{ n int }

func (y *yamlVal) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a scalar")
	}
	return n.Decode(&y.n)
}

type sdk struct {
	Name      string   `yaml:"name" required:"true" fix:"name the SDK, e.g. name: my-sdk"`
	GoVersion string   `yaml:"go-version" fix:"write it as a quoted string, e.g. \"1.26.8\""`
	Packages  []string `yaml:"packages,omitempty"`
}

type tree struct {
	Name     string `yaml:"name"`
	Children []tree `yaml:"children"`
}

type Common struct {
	Owner string `yaml:"owner"`
}

type config struct {
	SchemaVersion  int            `yaml:"schema-version" required:"true" fix:"write schema-version: 1"`
	ReleaseVersion string         `yaml:"release-version"`
	Enabled        bool           `yaml:"enabled"`
	Ratio          float64        `yaml:"ratio"`
	Small          int8           `yaml:"small"`
	Count          uint16         `yaml:"count"`
	Level          level          `yaml:"level"`
	SDK            sdk            `yaml:"sdk"`
	Ptr            *sdk           `yaml:"ptr"`
	Vendors        map[string]sdk `yaml:"vendors"`
	Text           textVal        `yaml:"text"`
	Custom         yamlVal        `yaml:"custom"`
	Wait           time.Duration  `yaml:"wait"`
	Any            any            `yaml:"any"`
	Tree           *tree          `yaml:"tree"`
	Common         `yaml:",inline"`
	Ignored        string `yaml:"-"`
	hidden         string //nolint:unused // unexported fields are skipped
}
