package yamlstrict

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{{
		name: "unknown field with suggestion",
		src:  "schema-version: 1\nrelase-version: 1.0.0\n",
		want: []string{`k.yaml:2: unknown field "relase-version"; fix: did you mean "release-version"? otherwise remove it, or use one of: schema-version, release-version, enabled, ratio, small, count, level, sdk, ptr, vendors, text, custom, wait, any, tree, owner`},
	}, {
		name: "unknown field differing by case and underscore",
		src:  "schema-version: 1\nsdk: {name: x, Go_Version: '1'}\n",
		want: []string{`k.yaml:2: sdk.Go_Version: unknown field "Go_Version"; fix: did you mean "go-version"? otherwise remove it, or use one of: name, go-version, packages`},
	}, {
		name: "unknown field without suggestion",
		src:  "schema-version: 1\nsdk:\n  name: x\n  bogus: 1\n",
		want: []string{`k.yaml:4: sdk.bogus: unknown field "bogus"; fix: remove it, or use one of: name, go-version, packages`},
	}, {
		name: "mapping for a string uses the fix tag",
		src:  "schema-version: 1\nsdk:\n  name: x\n  go-version:\n    major: 1\n",
		want: []string{`k.yaml:5: sdk.go-version: expected a string, got a mapping; fix: write it as a quoted string, e.g. "1.26.8"`},
	}, {
		name: "scalar for a list",
		src:  "schema-version: 1\nsdk: {name: x, packages: bash}\n",
		want: []string{`k.yaml:2: sdk.packages: expected a list, got "bash"; fix: write one "- item" per line under the key, or a list like [a, b]`},
	}, {
		name: "list item of the wrong kind",
		src:  "schema-version: 1\nsdk:\n  name: x\n  packages:\n    - a\n    - {b: c}\n",
		want: []string{`k.yaml:6: sdk.packages[1]: expected a string, got a mapping; fix: write a single value on the same line as the key; quote it if it contains ": " or " #"`},
	}, {
		name: "string for an integer",
		src:  "schema-version: abc\n",
		want: []string{`k.yaml:1: schema-version: expected an integer, got "abc"; fix: write schema-version: 1`},
	}, {
		name: "quoted number for an integer",
		src:  "schema-version: \"1\"\n",
		want: []string{`k.yaml:1: schema-version: expected an integer, got "1"; fix: write schema-version: 1`},
	}, {
		name: "bad bool, float, duration",
		src:  "schema-version: 1\nenabled: maybe\nratio: [1]\nwait: soon\n",
		want: []string{
			`k.yaml:2: enabled: expected true or false, got "maybe"; fix: write true or false without quotes`,
			`k.yaml:3: ratio: expected a number, got a list; fix: write a number without quotes, e.g. 1.5`,
			`k.yaml:4: wait: expected a string, got "soon"; fix: write a single value on the same line as the key; quote it if it contains ": " or " #"`,
		},
	}, {
		name: "integers out of range",
		src:  "schema-version: 1\nsmall: 300\ncount: -1\n",
		want: []string{
			`k.yaml:2: small: 300 is out of range (-128 to 127); fix: write a number in that range`,
			`k.yaml:3: count: expected a non-negative integer, got -1; fix: write 0 or a positive whole number`,
		},
	}, {
		name: "list for a mapping",
		src:  "schema-version: 1\nsdk: [a]\nvendors: x\n",
		want: []string{
			`k.yaml:2: sdk: expected a mapping, got a list; fix: write "key: value" lines indented under the key`,
			`k.yaml:3: vendors: expected a mapping, got "x"; fix: write "key: value" lines indented under the key`,
		},
	}, {
		name: "missing required fields",
		src:  "release-version: 1.0.0\nsdk:\n  go-version: '1'\nvendors:\n  core: {}\n",
		want: []string{
			`k.yaml:1: missing required field "schema-version"; fix: write schema-version: 1`,
			`k.yaml:2: missing required field "sdk.name"; fix: name the SDK, e.g. name: my-sdk`,
			`k.yaml:5: missing required field "vendors.core.name"; fix: name the SDK, e.g. name: my-sdk`,
		},
	}, {
		name: "required field without a value",
		src:  "schema-version:\nsdk:\n  name: ~\n",
		want: []string{
			`k.yaml:1: required field "schema-version" has no value; fix: write schema-version: 1`,
			`k.yaml:3: required field "sdk.name" has no value; fix: name the SDK, e.g. name: my-sdk`,
		},
	}, {
		name: "duplicate keys",
		src:  "schema-version: 1\nlevel: a\nvendors:\n  x: {name: a}\n  x: {name: b}\nlevel: b\n",
		want: []string{
			`k.yaml:5: vendors.x: duplicate key "x" (first set on line 4); fix: remove one of them`,
			`k.yaml:6: duplicate key "level" (first set on line 2); fix: remove one of them`,
		},
	}, {
		name: "text and yaml unmarshalers",
		src:  "schema-version: 1\ntext: bad-one\ncustom: [1]\n---\n",
		want: []string{
			`k.yaml:2: text: invalid value "bad-one": must not start with "bad"; fix: check the value's format`,
			`k.yaml:3: custom: invalid value: want a scalar; fix: check the value's format`,
		},
	}, {
		name: "text unmarshaler given a mapping",
		src:  "schema-version: 1\ntext: {a: b}\n",
		want: []string{`k.yaml:2: text: expected a string, got a mapping; fix: write a single value on the same line as the key; quote it if it contains ": " or " #"`},
	}, {
		name: "empty document",
		src:  "",
		want: []string{`k.yaml:1: the file is empty; fix: write the fields as "key: value" lines starting at the first column`},
	}, {
		name: "comments only",
		src:  "# nothing here\n",
		want: []string{`k.yaml:1: the file is empty; fix: write the fields as "key: value" lines starting at the first column`},
	}, {
		name: "top-level list",
		src:  "- a\n- b\n",
		want: []string{`k.yaml:1: expected a mapping of fields (key: value) at the top of the file, got a list; fix: write the fields as "key: value" lines starting at the first column`},
	}, {
		name: "top-level scalar",
		src:  "\nhello\n",
		want: []string{`k.yaml:2: expected a mapping of fields (key: value) at the top of the file, got "hello"; fix: write the fields as "key: value" lines starting at the first column`},
	}, {
		name: "syntax error",
		src:  "schema-version: 1\nsdk:\n  name: x\n bad: [\n",
		want: []string{`k.yaml:3: invalid YAML: did not find expected key; fix: check indentation (spaces only, no tabs), colons and quoting on or just before this line`},
	}, {
		name: "tab indentation",
		src:  "schema-version: 1\nsdk:\n\tname: x\n",
		want: []string{`k.yaml:3: invalid YAML: found character that cannot start any token; fix: check indentation (spaces only, no tabs), colons and quoting on or just before this line`},
	}, {
		name: "unknown anchor",
		src:  "schema-version: 1\nsdk: *nope\n",
		want: []string{`k.yaml: invalid YAML: unknown anchor 'nope' referenced; fix: check indentation (spaces only, no tabs), colons and quoting on or just before this line`},
	}, {
		name: "second document",
		src:  "schema-version: 1\n---\nlevel: x\n",
		want: []string{`k.yaml:2: found a second YAML document (after ---); the file must hold exactly one; fix: remove the --- line and everything after it, or merge the two documents`},
	}, {
		name: "alias cycle",
		src:  "schema-version: 1\ntree: &t {name: a, children: [*t]}\n",
		want: []string{`k.yaml:2: tree.children[0].children[0]: alias *t refers to a value that contains it; fix: point the alias at an anchor defined outside this value`},
	}, {
		name: "merge of a scalar",
		src:  "schema-version: 1\nsdk: {<<: x, name: a}\n",
		want: []string{`k.yaml:2: sdk: expected a mapping to merge, got "x"; fix: write <<: *anchor, where &anchor names a mapping`},
	}, {
		name: "non-scalar key",
		src:  "schema-version: 1\n? [a]\n: b\n",
		want: []string{`k.yaml:2: expected a plain key, got a list; fix: write keys as plain words, e.g. "name: value"`},
	}, {
		name: "reports every problem at once",
		src:  "schema-version: 1\nbogus: 1\nsdk:\n  go-version: {a: 1}\nenabled: maybe\n",
		want: []string{
			`k.yaml:2: unknown field "bogus"; fix: remove it, or use one of: schema-version, release-version, enabled, ratio, small, count, level, sdk, ptr, vendors, text, custom, wait, any, tree, owner`,
			`k.yaml:3: missing required field "sdk.name"; fix: name the SDK, e.g. name: my-sdk`,
			`k.yaml:4: sdk.go-version: expected a string, got a mapping; fix: write it as a quoted string, e.g. "1.26.8"`,
			`k.yaml:5: enabled: expected true or false, got "maybe"; fix: write true or false without quotes`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c config
			_, err := Decode("k.yaml", []byte(tt.src), &c)
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error %v (%T) is not Problems", err, err)
			}
			got := problemLines(err)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if len(ps) != len(tt.want) {
				t.Errorf("%d problems, want %d", len(ps), len(tt.want))
			}
		})
	}
}
