// Package settings holds the settings schema that packages declare, validates settings
// trees against it and merges the layers of settings.
//
// # Declarations
//
// Packages install JSON files into a schema directory (/usr/share/kitbash/settings.d);
// every *.json file there is read, in lexical order:
//
//	{
//	  "settings": {
//	    "motd":            {"type": "string", "default": "Welcome", "pattern": "[^\\x00]*"},
//	    "net.mtu":         {"type": "int", "default": 1500, "min": 576, "max": 9000},
//	    "net.mode":        {"type": "string", "default": "dhcp", "allowed": ["dhcp", "static"]},
//	    "ntp.enabled":     {"type": "bool", "default": true},
//	    "ntp.servers":     {"type": "list-of-string", "default": []},
//	    "kubernetes.labels": {"type": "map-of-string", "description": "node labels"}
//	  },
//	  "defaults": {"motd": "Hello from the variant"},
//	  "templates": [
//	    {"source": "motd.tmpl", "dest": "/etc/motd", "mode": "0644",
//	     "uses": ["motd"], "restart": []},
//	    {"source": "/usr/share/kitbash/templates/chrony.conf.tmpl", "dest": "/etc/chrony.conf",
//	     "uses": ["ntp.*"], "restart": ["chronyd"]}
//	  ]
//	}
//
// All three sections are optional; unknown fields, duplicate object keys and any
// inconsistency are errors, and LoadSchema reports every one it finds.
//
//   - settings: dotted key → declaration. A key is segments of [a-z0-9][a-z0-9_-]* joined
//     by "."; a key may not be a prefix of another key (a setting is a leaf of the tree).
//     type is one of string, int (64-bit), bool, list-of-string, map-of-string.
//     default (optional) must be valid for the declaration. allowed (optional): the values
//     a string or int may take, or that every element of a list-of-string / every value of
//     a map-of-string may take. pattern (optional, string types only): an RE2 regular
//     expression that the whole string (each element, each map value) must match; it is
//     anchored as ^(?:pattern)$. min/max (optional, int only): inclusive bounds.
//     description (optional) is free text. A key is declared by exactly one file.
//   - defaults: dotted key → value; the variant's defaults, which override the
//     declaration's default. Keys must be declared (in any file) and set by one file.
//   - templates: configuration files rendered from the settings (see package render).
//     source: the template file; a relative path is relative to the directory of the
//     declaring JSON file. dest: an absolute path, unique across templates. mode: octal
//     permission string, default "0644". uses: the settings the template reads, each a
//     declared key or "prefix.*" for every key under prefix; the template sees only these
//     (unset ones as nil). restart: the services to restart when the rendered file
//     changes.
//
// # Values and trees
//
// A settings tree is a JSON object nested along the dotted keys: the setting
// "net.mtu" is {"net": {"mtu": 1500}}. Values holds the same settings flat, keyed by
// dotted key, with canonical Go values: string, int64, bool, []string,
// map[string]string, or nil (in a patch: "unset, back to the default").
//
// Layers merge in this order, later ones winning: declaration defaults < variant
// defaults < user data < committed < pending (see Merge).
package settings
