package serve

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's target in the call room's process
// (GOGC), unless the environment sets GOGC.
//
// Every session's console holds about 1 MB of Bubble Tea's cell buffers,
// small structs full of pointers: at 200 sessions the live heap is about
// 220 MB, and each collection's mark phase takes about 180 ms of wall
// time on two cores. While it runs, every session that allocates (each
// frame does) is made to help mark, and its keys and commits wait. With
// Go's default of 100 a collection starts every 4 s of typing at 200
// sessions, and the p99s of BenchmarkCallRoom were the collections: 15–32
// ms per answer commit and 62–85 ms per frame, 8 and 15 ms with the
// collector off. At 200 a collection starts every 9–10 s, for about
// 200 MiB more resident memory at 200 sessions (the README's table).
const GCPercent = 200

// TuneGC sets the process's garbage collector for a call room, unless
// the operator chose with GOGC; GOMEMLIMIT, when set, still caps the
// heap.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}
