package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"
)

// printComparison prints how many artifacts of each kind were compared and every one
// that differs.
func printComparison(w io.Writer, c comparison) {
	fmt.Fprintf(w, "\nrepro: compared %d artifacts of machines A and B\n", c.total())
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  KIND\tCOMPARED\tDIFFERENT")
	for _, k := range c.counts {
		fmt.Fprintf(tw, "  %s\t%d\t%d\n", k.kind, k.compared, k.different)
	}
	tw.Flush()
	if len(c.mismatches) == 0 {
		return
	}
	fmt.Fprintf(w, "\nrepro: %d differ:\n", len(c.mismatches))
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  KIND\tNAME\tMACHINE A\tMACHINE B")
	for _, x := range c.mismatches {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", x.kind, x.name, digestOf(x.a), digestOf(x.b))
	}
	tw.Flush()
}

func digestOf(a *artifact) string {
	if a == nil {
		return "(not made)"
	}
	return a.digest
}

// explainRank orders the pairs given to diffoscope: causes before consequences. The SDK
// and packages are what the rest is made of; a kit's config and a package's manifest
// mostly restate the digests of its parts and inputs, so they come last.
func explainRank(kind string) int {
	switch kind {
	case kindSDK:
		return 0
	case kindPackage:
		return 1
	case kindImage:
		return 2
	case kindKit:
		return 3
	}
	return 4
}

// explain runs diffoscope on the files behind each mismatch, causes first (explainRank),
// then smaller files before larger ones, at most max pairs, each pair once, and prints
// an excerpt of each report.
func explain(ctx context.Context, w io.Writer, d differ, c comparison, max int) error {
	for _, x := range c.mismatches {
		if x.kind == kindSDK {
			fmt.Fprintf(w, "\nrepro: the SDK differs, and its digest is an input of every package: their inputs digests (and the kits, which record them) differ with it\n")
			break
		}
	}
	type ranked struct {
		pair
		rank int
		size int64
	}
	var pairs []ranked
	for _, x := range c.mismatches {
		ps, err := pairsFor(x)
		if err != nil {
			return err
		}
		if len(ps) == 0 {
			fmt.Fprintf(w, "\nrepro: %s %s: made on one machine only, nothing to compare\n", x.kind, x.name)
		}
		for _, p := range ps {
			pairs = append(pairs, ranked{pair: p, rank: explainRank(x.kind), size: size(p.a)})
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool {
		if pairs[i].rank != pairs[j].rank {
			return pairs[i].rank < pairs[j].rank
		}
		return pairs[i].size < pairs[j].size
	})
	seen := map[string]bool{}
	n := 0
	for _, p := range pairs {
		if seen[p.key] {
			continue
		}
		seen[p.key] = true
		if n == max {
			fmt.Fprintf(w, "\nrepro: more pairs differ; diffoscope ran on the first %d (-diffoscope-max)\n", max)
			break
		}
		n++
		r, err := d.diff(ctx, p.pair, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n=== diffoscope: %s\n    A: %s\n    B: %s\n", p.label, p.a, p.b)
		if r.file != "" {
			fmt.Fprintf(w, "    full report: %s\n", r.file)
		}
		fmt.Fprintln(w, indent(r.excerpt))
	}
	return nil
}

func size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
