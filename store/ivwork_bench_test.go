package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"canvass/model"
)

// BenchmarkHome is the console's home screen, read after every call, on
// stores with n interviews by 20 interviewers (one in ten left open):
// "index" is Store.Home, which reads the work index (ivwork.go); "scan"
// reads what it shows by opening every interview, as Store.Home did
// before schema 8.
//
//	go test ./store -run '^$' -bench BenchmarkHome -benchtime 200x
func BenchmarkHome(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		s := homeBenchStore(b, n)
		b.Run(fmt.Sprintf("interviews=%d/index", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Home("iv07", time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("interviews=%d/scan", n), func(b *testing.B) {
			for b.Loop() {
				homeByScan(b, s, "iv07")
			}
		})
	}
}

// homeBenchStore makes an encrypted store with n interviews, begun by
// eight sessions at once through group commit.
func homeBenchStore(b *testing.B, n int) *Store {
	b.Helper()
	dir := b.TempDir()
	s, err := Open(filepath.Join(dir, "home.db"), Options{GroupCommit: true, Encrypt: true, KeyFile: filepath.Join(dir, "home.key")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if _, _, err := s.AddSurvey(demoSurvey("1"), []byte("v1"), "author"); err != nil {
		b.Fatal(err)
	}
	var csv strings.Builder
	csv.WriteString("id,phone\n")
	for i := range n {
		fmt.Fprintf(&csv, "c%d,+1415%07d\n", i, 5550000+i)
	}
	importCSV(b, s, "s1", csv.String())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				c := model.Consent{Survey: "s1", Contact: fmt.Sprintf("c%d", i), Interviewer: fmt.Sprintf("iv%02d", i%20), Agreed: i%10 == 0}
				if _, err := s.StartInterview(c); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return s
}
