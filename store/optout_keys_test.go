package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	bolt "go.etcd.io/bbolt"
)

// TestFastDNCAgreesWithOptOutValue: the parser's fast path for do-not-call
// lines, which skips the general path and hashes later, gives every line
// the key OptOutValue gives it, and declines exactly the lines the general
// path rejects as not North American (area code or exchange starting with
// 0 or 1), which then get the same rejection as before.
func TestFastDNCAgreesWithOptOutValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, region := range []string{"US", "us", ""} {
		p := &optOutParser{region: region}
		for area := 0; area < 1000; area++ {
			for ex := 0; ex < 10; ex++ {
				line := fmt.Sprintf("%03d,%d%06d", area, ex, rng.IntN(1000000))
				d, fast := p.fastDNC([]byte(line + "\r\n"))
				want, _, err := OptOutValue(line, region)
				switch {
				case fast && err != nil:
					t.Fatalf("fastDNC(%q) accepted a line OptOutValue rejects: %v", line, err)
				case fast && nanpKey(&d) != want:
					t.Fatalf("fastDNC(%q) = key %x, want %x as OptOutValue", line, nanpKey(&d), want)
				case !fast && err == nil:
					t.Fatalf("fastDNC(%q) declined a valid do-not-call line", line)
				case !fast && !strings.Contains(err.Error(), "not a North American number"):
					t.Fatalf("OptOutValue(%q) = %v, want a not North American error", line, err)
				}
			}
		}
	}
	// Other regions and notations take the general path.
	for _, tc := range []struct{ line, region string }{
		{"415,5550100", "CA"},
		{"415,5550100", "GB"},
		{" 415,5550100", "US"},
		{"415, 5550100", "US"},
		{"\ufeff415,5550100", "US"},
		{"415,555010x", "US"},
		{"4155550100", "US"},
		{"415,55501000", "US"},
	} {
		p := &optOutParser{region: tc.region}
		if _, fast := p.fastDNC([]byte(tc.line + "\n")); fast {
			t.Errorf("fastDNC(%q) in %s took the fast path, want the general one", tc.line, tc.region)
		}
	}
}

// FuzzFastDNC: whatever line the fast path accepts, OptOutValue accepts
// too, with the same key.
func FuzzFastDNC(f *testing.F) {
	for _, seed := range []string{"415,5550100", "415,5550100\r\n", "115,5550100", "415,1550100", "999,9999999", "41a,5550100", "415;5550100", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p := &optOutParser{region: "US"}
		d, fast := p.fastDNC([]byte(line))
		if !fast {
			return
		}
		want, _, err := OptOutValue(line, "US")
		if err != nil {
			t.Fatalf("fastDNC(%q) accepted a line OptOutValue rejects: %v", line, err)
		}
		if got := nanpKey(&d); got != want {
			t.Fatalf("fastDNC(%q) = key %x, want %x", line, got, want)
		}
	})
}

// TestImportRejectsInvalidAreaCodes: do-not-call lines with an area code or
// exchange starting with 0 or 1 are rejected with their line numbers, as
// the general path always did, and the valid lines around them are added.
func TestImportRejectsInvalidAreaCodes(t *testing.T) {
	s := openTest(t)
	file := "415,5550100\n115,5550100\n015,5550100\n415,1550100\n212,5550150\n"
	res, err := s.ImportOptOuts(strings.NewReader(file), "dnc.txt", "US", "sup")
	if err != nil {
		t.Fatal(err)
	}
	const msg = "not a North American number (area code and exchange start with 2-9)"
	want := &OptOutImport{Values: 2, Added: 2, RejectedCount: 3, Rejected: []LineError{
		{Line: 2, Msg: msg}, {Line: 3, Msg: msg}, {Line: 4, Msg: msg}}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("ImportOptOuts (-want +got):\n%s", diff)
	}
}

// randomKeys returns n keys drawn from distinct values (a new key with
// probability fresh, else a repeat of an earlier one), with the first
// byte of every key set to first when first >= 0.
func randomKeys(rng *rand.Rand, n int, fresh float64, first int) [][32]byte {
	keys := make([][32]byte, 0, n)
	for i := 0; i < n; i++ {
		if len(keys) > 0 && rng.Float64() >= fresh {
			keys = append(keys, keys[rng.IntN(len(keys))])
			continue
		}
		var k [32]byte
		for j := 0; j < 32; j += 8 {
			binary.LittleEndian.PutUint64(k[j:], rng.Uint64())
		}
		if first >= 0 {
			k[0] = byte(first)
		}
		keys = append(keys, k)
	}
	return keys
}

func sortedUnique(keys [][32]byte) [][32]byte {
	want := slices.Clone(keys)
	slices.SortFunc(want, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(want)
}

func TestPartitionByFirstByte(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name string
		keys [][32]byte
	}{
		{"none", nil},
		{"one", randomKeys(rng, 1, 1, -1)},
		{"spread", randomKeys(rng, 10000, 1, -1)},
		{"repeats", randomKeys(rng, 5000, 0.1, -1)},
		{"one partition", randomKeys(rng, 700, 1, 0x7f)},
		{"first and last", append(randomKeys(rng, 300, 1, 0), randomKeys(rng, 300, 1, 0xff)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys := slices.Clone(tc.keys)
			ends := partitionByFirstByte(keys)
			start := 0
			for p, end := range ends {
				if end < start {
					t.Fatalf("partition %d ends at %d before it starts at %d", p, end, start)
				}
				for i := start; i < end; i++ {
					if int(keys[i][0]) != p {
						t.Fatalf("key %d (first byte %d) lies in partition %d", i, keys[i][0], p)
					}
				}
				start = end
			}
			if start != len(keys) {
				t.Errorf("partitions end at %d, want %d", start, len(keys))
			}
			// The same keys, each as often as before.
			sorted := func(ks [][32]byte) [][32]byte {
				ks = slices.Clone(ks)
				slices.SortFunc(ks, compareKeys)
				return ks
			}
			if !slices.Equal(sorted(keys), sorted(tc.keys)) {
				t.Errorf("partitionByFirstByte changed the keys, not only their order")
			}
		})
	}
}

// TestSortPartition: a partition's sort (a radix pass on the second byte,
// then a comparison sort per group) orders and deduplicates keys sharing
// their first byte as a plain sort does, however the second bytes fall.
func TestSortPartition(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	skewed := randomKeys(rng, 6000, 0.7, 0x10)
	for i := range skewed {
		skewed[i][1] = byte(i % 3) // three groups only
	}
	for _, tc := range []struct {
		name string
		keys [][32]byte
	}{
		{"small", randomKeys(rng, 100, 1, 0x10)},
		{"large", randomKeys(rng, 50000, 1, 0x10)},
		{"repeats", randomKeys(rng, 20000, 0.05, 0xff)},
		{"skewed second byte", skewed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Clone(tc.keys)
			sortPartition(&got)
			if want := sortedUnique(tc.keys); !slices.Equal(got, want) {
				t.Errorf("sortPartition of %d keys: %d keys, not the %d of a plain sort and compact", len(tc.keys), len(got), len(want))
			}
		})
	}
}

// TestKeySetSorted: however many keys the set holds in memory, whatever
// the repeats and however unevenly they fall into partitions (up to every
// key in one, which then exceeds the memory and is merged from runs), the
// set yields each key once, in ascending order.
func TestKeySetSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	sets := []struct {
		name string
		keys [][32]byte
	}{
		{"empty", nil},
		{"spread", randomKeys(rng, 20000, 1, -1)},
		{"mostly repeats", randomKeys(rng, 20000, 0.01, -1)},
		{"one partition", randomKeys(rng, 5000, 0.5, 0x42)},
		{"one key", slices.Repeat([][32]byte{{1, 2, 3}}, 3000)},
	}
	for _, set := range sets {
		for _, limit := range []int{1, 7, 256, 1000, 1 << 20} {
			t.Run(fmt.Sprintf("%s, limit %d", set.name, limit), func(t *testing.T) {
				ks := newKeySet(limit)
				defer ks.close()
				for keys := set.keys; len(keys) > 0; {
					n := min(len(keys), 1+rng.IntN(3000))
					if err := ks.add(keys[:n]); err != nil {
						t.Fatal(err)
					}
					keys = keys[n:]
				}
				next, err := ks.sorted()
				if err != nil {
					t.Fatal(err)
				}
				var got [][32]byte
				for {
					k, ok, err := next()
					if err != nil {
						t.Fatal(err)
					}
					if !ok {
						break
					}
					got = append(got, k)
				}
				if want := sortedUnique(set.keys); !slices.Equal(got, want) {
					t.Errorf("keySet yielded %d keys, want the %d distinct keys added, sorted", len(got), len(want))
				}
			})
		}
	}
}

// TestIndexKeysMatchesIndexKey: hashing a block of keys at once gives each
// the key indexKey gives it, in plain and encrypted stores.
func TestIndexKeysMatchesIndexKey(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []*Store{openTest(t), openEncrypted(t, filepath.Join(dir, "c.db"), filepath.Join(dir, "keys"))} {
		hs := randomKeys(rand.New(rand.NewPCG(7, 8)), 100, 1, -1)
		got := slices.Clone(hs)
		s.indexKeys(got)
		for i, h := range hs {
			if want := s.indexKey(h); got[i] != want {
				t.Errorf("indexKeys(%x) = %x, want %x (encrypted %v)", h, got[i], want, s.ix != nil)
			}
		}
		if s.ix != nil {
			s.Close()
		}
	}
}

// TestImportOptOutsBatchesAndRows: every batch is one transaction with one
// event, which records how many of its keys were added and in how many
// optrows parts; the parts, read back to back, are exactly the batch's new
// keys in order, none longer than optPartKeys; a key already listed is
// counted in Already and not written again.
func TestImportOptOutsBatchesAndRows(t *testing.T) {
	dir := t.TempDir()
	s := openEncrypted(t, filepath.Join(dir, "c.db"), filepath.Join(dir, "keys"))
	defer s.Close()
	s.optChunk, s.optBatch = 1000, 2500
	if _, _, err := s.AddOptOut("200,2000007", "US", "asked", "ivy"); err != nil {
		t.Fatal(err)
	}
	const n = 6000
	res, err := s.ImportOptOuts(dncFile(n, 1), "dnc.txt", "US", "sup")
	if err != nil {
		t.Fatal(err)
	}
	if want := (&OptOutImport{Values: n, Added: n - 1, Already: 1}); !cmp.Equal(want, res) {
		t.Errorf("ImportOptOuts = %+v, want %+v", res, want)
	}
	var events []*Event
	if err := s.Events(1, func(e *Event) error {
		if e.Kind == KindOptOutImported {
			events = append(events, e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	sizes := []int{2500, 2500, 1000}
	if len(events) != len(sizes) {
		t.Fatalf("import wrote %d events, want one per batch of %v", len(events), sizes)
	}
	already := 0
	var all [][32]byte
	err = s.db.View(func(tx *bolt.Tx) error {
		for i, e := range events {
			var p optOutImported
			if err := json.Unmarshal(e.Data, &p); err != nil {
				return err
			}
			already += p.Already
			if p.Batch != i+1 || p.Added+p.Already != sizes[i] || p.Parts != (p.Added+optPartKeys-1)/optPartKeys {
				t.Errorf("event of batch %d = %+v, want batch %d of %d keys in %d-key parts", i+1, p, i+1, sizes[i], optPartKeys)
			}
			var rows [][32]byte
			c := tx.Bucket(bOptRows).Cursor()
			pre := u64(e.Seq)
			parts := 0
			for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
				if len(v) > optPartKeys*32 || len(v)%32 != 0 {
					t.Errorf("event %d part %d holds %d bytes, want a multiple of 32 up to %d", e.Seq, parts, len(v), optPartKeys*32)
				}
				for i := 0; i+32 <= len(v); i += 32 {
					rows = append(rows, [32]byte(v[i:i+32]))
				}
				parts++
			}
			if parts != p.Parts || len(rows) != p.Added {
				t.Errorf("event %d: %d parts holding %d keys, want %d parts holding %d", e.Seq, parts, len(rows), p.Parts, p.Added)
			}
			if !slices.IsSortedFunc(rows, compareKeys) {
				t.Errorf("event %d: rows not in key order", e.Seq)
			}
			for _, k := range rows {
				if v := tx.Bucket(bOptOut).Get(k[:]); v == nil || binary.BigEndian.Uint64(v) != e.Seq {
					t.Errorf("event %d lists key %x, which the list does not put on it", e.Seq, k)
				}
			}
			all = append(all, rows...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if already != 1 {
		t.Errorf("events count %d keys already listed, want 1", already)
	}
	if !slices.IsSortedFunc(all, compareKeys) || len(slices.Compact(slices.Clone(all))) != n-1 {
		t.Errorf("rows of all batches: %d keys, want %d distinct in ascending order", len(all), n-1)
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) > 0 || rep.OptOuts != n {
		t.Errorf("Doctor() = %+v, %v, want %d opt-outs and no problems", rep, err, n)
	}
}

// TestImportOptOutsSuppressesQueuedContacts: contacts queued before an
// import that spills and runs in several batches are suppressed by the
// batch that lists their number, whichever batch that is.
func TestImportOptOutsSuppressesQueuedContacts(t *testing.T) {
	s := openTest(t)
	s.optChunk, s.optBatch = 500, 700
	var sample strings.Builder
	sample.WriteString("id,phone\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&sample, "c%d,%s\n", i, dncPhoneOf(i*97))
	}
	importCSV(t, s, "s1", sample.String())
	// The file lists the even contacts among 3000 other numbers.
	var file strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&file, "%03d,%07d\n", 300+i%500, 3000000+i)
		if i%75 == 0 && i/75 < 40 && (i/75)%2 == 0 {
			ph := dncPhoneOf(i / 75 * 97)
			fmt.Fprintf(&file, "%s,%s\n", ph[2:5], ph[5:])
		}
	}
	if _, err := s.ImportOptOuts(strings.NewReader(file.String()), "dnc.txt", "US", "sup"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		_, st, err := s.Contact("s1", fmt.Sprintf("c%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if want := i%2 == 0; (st.Status == StatusSuppressed) != want {
			t.Errorf("contact c%d status %q, want suppressed %v", i, st.Status, want)
		}
	}
	if rep, err := s.Doctor(); err != nil || len(rep.Problems) > 0 {
		t.Errorf("Doctor() = %+v, %v, want no problems", rep, err)
	}
}

// dncPhoneOf is the E.164 form of the i-th number of a small test sample.
func dncPhoneOf(i int) string {
	areas := []string{"415", "212", "312", "617", "206"}
	return fmt.Sprintf("+1%s%07d", areas[i%len(areas)], 2000000+i)
}

// TestRelaxGC: during an import the collector waits for a memory limit
// above what the process uses, and afterwards the settings are back as
// they were; a tighter limit the user set is left alone.
func TestRelaxGC(t *testing.T) {
	prevLimit, prevPct := debug.SetMemoryLimit(-1), debug.SetGCPercent(100)
	defer func() {
		debug.SetGCPercent(prevPct)
		debug.SetMemoryLimit(prevLimit)
	}()
	gcPercent := func() int {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p
	}
	debug.SetMemoryLimit(math.MaxInt64)
	restore := relaxGC(64 << 20)
	if got := debug.SetMemoryLimit(-1); got < 64<<20 || got > 1<<40 {
		t.Errorf("memory limit while relaxed = %d, want 64 MiB above the process's memory", got)
	}
	if got := gcPercent(); got != -1 {
		t.Errorf("GC percent while relaxed = %d, want -1 (off, the limit rules)", got)
	}
	restore()
	if got, pct := debug.SetMemoryLimit(-1), gcPercent(); got != math.MaxInt64 || pct != 100 {
		t.Errorf("after restore: limit %d, GC percent %d, want %d and 100", got, pct, int64(math.MaxInt64))
	}
	debug.SetMemoryLimit(1 << 39)
	restore = relaxGC(1 << 40)
	if got, pct := debug.SetMemoryLimit(-1), gcPercent(); got != 1<<39 || pct != 100 {
		t.Errorf("relaxGC under a tighter limit: limit %d, GC percent %d, want them untouched", got, pct)
	}
	restore()
}
