// Command witlayout prints the canonical-ABI memory layout (wasm32) of the world `reconciler`'s types,
// read from wit/ with the Bytecode Alliance's WIT package, as the Go constants reconcilers/sdk-go/layout.go
// must declare: `<type><Field> = <offset>`, `<type>Size = <bytes>`, and the payload offsets of
// variants, options and results.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"go.bytecodealliance.org/wit"
)

func camel(name string, upper bool) string {
	var b strings.Builder
	for i, part := range strings.Split(name, "-") {
		if part == "" {
			continue
		}
		if i > 0 || upper {
			part = strings.ToUpper(part[:1]) + part[1:]
		}
		b.WriteString(part)
	}
	return b.String()
}

// payload is where a variant-like value's payload starts: after the discriminant, aligned.
func payload(disc uintptr, types ...wit.Type) uintptr {
	var align uintptr = 1
	for _, t := range types {
		if t != nil {
			align = max(align, t.Align())
		}
	}
	return wit.Align(disc, align)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: witlayout <wit-dir>")
		os.Exit(2)
	}
	res, err := wit.LoadWIT(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "witlayout: %v\n", err)
		os.Exit(1)
	}
	lines := map[string]uintptr{}
	for _, td := range res.TypeDefs {
		switch kind := td.Kind.(type) {
		case *wit.Record:
			if td.Name == nil {
				continue
			}
			name := camel(*td.Name, false)
			var off uintptr
			for _, f := range kind.Fields {
				off = wit.Align(off, f.Type.Align())
				lines[name+camel(f.Name, true)] = off
				off += f.Type.Size()
			}
			lines[name+"Size"] = td.Size()
		case *wit.Variant:
			if td.Name == nil {
				continue
			}
			var cases []wit.Type
			for _, c := range kind.Cases {
				cases = append(cases, c.Type)
			}
			lines[camel(*td.Name, false)+"Payload"] = payload(1, cases...)
			lines[camel(*td.Name, false)+"Size"] = td.Size()
		case *wit.Option:
			lines["option"+camel(kind.Type.WIT(nil, ""), true)+"Payload"] = payload(1, kind.Type)
		case *wit.Result:
			lines["resultPayload"] = payload(1, kind.OK, kind.Err)
			lines["resultSize"] = td.Size()
		}
	}
	names := make([]string, 0, len(lines))
	for n := range lines {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("%s = %d\n", n, lines[n])
	}
}
