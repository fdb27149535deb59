package cli

import (
	"runtime/debug"
	"strings"
)

// buildVersion is the module version the binary was built as, with the
// commit it was built from when the build recorded one: "v1.2.0", or
// "(devel) revision 3f2a9c1d0e4b, modified" for a build from a checkout.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown version)"
	}
	return versionOf(bi)
}

// versionOf is buildVersion for the build information bi.
func versionOf(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, when string
	modified := false
	for _, st := range bi.Settings {
		switch st.Key {
		case "vcs.revision":
			rev = st.Value
		case "vcs.time":
			when = st.Value
		case "vcs.modified":
			modified = st.Value == "true"
		}
	}
	if rev == "" || strings.Contains(v, rev[:min(12, len(rev))]) && !modified {
		return v
	}
	v += " revision " + rev[:min(12, len(rev))]
	if when != "" {
		v += " of " + when
	}
	if modified {
		v += ", modified"
	}
	return v
}
