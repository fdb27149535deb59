package cli

import (
	"runtime/debug"
	"testing"
)

// TestVersionOf (issue 17.10): --version says the module version, and the
// commit when the build recorded one (main_test.go runs the binary's).
func TestVersionOf(t *testing.T) {
	for _, tc := range []struct {
		bi   debug.BuildInfo
		want string
	}{
		{debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0"},
		{debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "3f2a9c1d0e4b5a6978695a4b3c2d1e0f9a8b7c6d"},
			{Key: "vcs.time", Value: "2026-12-07T11:00:00Z"}, {Key: "vcs.modified", Value: "true"}}},
			"(devel) revision 3f2a9c1d0e4b of 2026-12-07T11:00:00Z, modified"},
		{debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261207110000-3f2a9c1d0e4b"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "3f2a9c1d0e4b5a6978695a4b3c2d1e0f9a8b7c6d"}}},
			"v0.0.0-20261207110000-3f2a9c1d0e4b"},
	} {
		if got := versionOf(&tc.bi); got != tc.want {
			t.Errorf("versionOf(%v) = %q, want %q", tc.bi.Main.Version, got, tc.want)
		}
	}
}
