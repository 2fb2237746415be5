package initramfs

import (
	"strings"
	"testing"
)

func TestParseCmdline(t *testing.T) {
	p, err := ParseCmdline(goodCmdline())
	if err != nil {
		t.Fatal(err)
	}
	want := Params{Root: uuidRoot, Hash: uuidHash, RootHash: rootHash, Salt: saltHex, DataBlocks: 258, Private: uuidPriv, Data: uuidData}
	if p != want {
		t.Fatalf("got %+v\nwant %+v", p, want)
	}
	// Optional keys may be left out; "-" is no salt; hex is lower-cased.
	min := "kitbash.root=PARTUUID=" + uuidRoot + " kitbash.hash=PARTUUID=" + uuidHash +
		" kitbash.roothash=" + strings.ToUpper(rootHash) + " kitbash.salt=- kitbash.datablocks=1"
	p, err = ParseCmdline(min)
	if err != nil || p.Private != "" || p.Data != "" || p.Salt != "-" || p.RootHash != rootHash {
		t.Fatalf("%+v %v", p, err)
	}
}

func TestParseCmdlineErrors(t *testing.T) {
	good := goodCmdline()
	repl := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("%q not in the command line", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	cases := []struct{ in, want string }{
		{"console=ttyS0", "kitbash.root missing"},
		{repl("kitbash.hash=PARTUUID="+uuidHash, ""), "kitbash.hash missing"},
		{repl("kitbash.datablocks=258", ""), "kitbash.datablocks missing"},
		{good + " kitbash.roothash=" + rootHash, "kitbash.roothash given twice"},
		{repl("kitbash.root=PARTUUID=", "kitbash.root=/dev/vda"), "kitbash.root=/dev/vda" + strings.ToUpper(uuidRoot) + ": want PARTUUID=<uuid>"},
		{repl("kitbash.hash=PARTUUID="+uuidHash, "kitbash.hash=PARTUUID=1234"), `kitbash.hash=PARTUUID=1234: "1234" is not a UUID`},
		{repl("kitbash.data=PARTUUID="+uuidData, "kitbash.data=PARTUUID="+strings.Replace(uuidData, "-", "x", 1)), "is not a UUID"},
		{repl("kitbash.roothash="+rootHash, "kitbash.roothash=abcd"), `kitbash.roothash: "abcd": want 64 hex digits`},
		{repl("kitbash.roothash="+rootHash, "kitbash.roothash="+strings.Repeat("g", 64)), "is not hex"},
		{repl("kitbash.salt="+saltHex, "kitbash.salt=abc"), "kitbash.salt: \"abc\": want an even number of hex digits"},
		{repl("kitbash.salt="+saltHex, "kitbash.salt="), "kitbash.salt"},
		{repl("kitbash.datablocks=258", "kitbash.datablocks=0"), "kitbash.datablocks=0: want a positive number"},
		{repl("kitbash.datablocks=258", "kitbash.datablocks=-1"), "kitbash.datablocks=-1"},
		{repl("kitbash.data=PARTUUID="+uuidData, "kitbash.data=PARTUUID="+uuidHash), "kitbash.hash and kitbash.data name the same partition"},
	}
	for _, c := range cases {
		_, err := ParseCmdline(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %q", c.in, err, c.want)
		}
	}
}

func FuzzParseCmdline(f *testing.F) {
	f.Add(goodCmdline())
	f.Add("kitbash.root=PARTUUID= kitbash.salt=-")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseCmdline(s)
		if err == nil && (p.Root == "" || p.Hash == "" || len(p.RootHash) != 64 || p.DataBlocks == 0) {
			t.Fatalf("accepted %q as %+v", s, p)
		}
	})
}
