package store

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"canvass/model"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkNextQuotas is BenchmarkNext on a survey run to 50 quota cells
// of sample fields (10 regions × 5 age groups, every contact in one),
// unevenly filled so that balancing has something to choose, with one
// contact in a hundred assigned to a field laptop, two to a team none of
// the drawers is in and one to one interviewer: each draw reads the
// cells' counts, passes assigned and held contacts, and compares the
// next presentable contacts to take the one in the emptiest cell.
func BenchmarkNextQuotas(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("contacts=%d", n), func(b *testing.B) {
			if n > 10_000 && testing.Short() {
				b.Skip("builds a million-contact store")
			}
			ac := []int{415, 212, 312, 617, 206, 303, 404, 512, 702, 818}
			sample := writeCSV(b, "id,phone,email,name,region,age", n, func(w io.Writer, i int) {
				fmt.Fprintf(w, "c%d,(%d) %03d-%04d,p%d@example.com,Person %d,r%d,a%d\n", i, ac[i%10], 200+(i/10)%800, (i/8000)%10000, i, i, (i/7)%10, i%5)
			})
			s := drawFixtureOf(b, n, sample)
			sv := &model.Survey{ID: "s1", Version: "1", Title: "Quotas",
				Items: []model.Item{{Name: "q", Type: model.TypeText, Label: model.Text{"en": "Q?"}}}}
			for r := range 10 {
				for a := range 5 {
					sv.Quotas = append(sv.Quotas, model.Quota{Name: fmt.Sprintf("r%d_a%d", r, a), Kind: model.QuotaNormal,
						Target: n / 50, Conditions: []model.QuotaCondition{
							{Variable: "contact.region", Values: []string{fmt.Sprintf("r%d", r)}},
							{Variable: "contact.age", Values: []string{fmt.Sprintf("a%d", a)}}}})
				}
			}
			if _, _, err := s.AddSurvey(sv, []byte("s1"), "bench"); err != nil {
				b.Fatal(err)
			}
			first := uint64(0)
			err := s.db.Update(func(tx *bolt.Tx) error {
				for i, q := range sv.Quotas {
					if err := addQuotaCountTx(tx, "s1", q.Name, int64(i*q.Target/100), int64(i%3)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			err = s.db.Update(func(tx *bolt.Tx) error {
				ab, err := tx.CreateBucketIfNotExists(bAssigned)
				if err != nil {
					return err
				}
				ib, err := tx.CreateBucketIfNotExists(bIAssign)
				if err != nil {
					return err
				}
				return queueScan(tx, "s1", PriorityNormal, nil, func(cid uint64, _ []byte) (bool, error) {
					if first == 0 {
						first = cid
					}
					switch (cid - first) % 100 {
					case 3:
						return true, ab.Put(u64(cid), []byte("laptop"))
					case 5, 55:
						// Another team's: the drawers pass them.
						return true, ib.Put(u64(cid), []byte("team:south"))
					case 7:
						return true, ib.Put(u64(cid), []byte("interviewer:int3"))
					}
					return true, nil
				})
			})
			if err != nil {
				b.Fatal(err)
			}
			path := s.Path()
			s.Close()
			s, err = Open(path, Options{KeyDir: filepath.Join(filepath.Dir(path), "keys")})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			now := t0.Add(time.Hour)
			d := make([]time.Duration, 0, b.N)
			type held struct{ who, id string }
			var fifo []held
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				who := fmt.Sprintf("int%d", i%20)
				start := time.Now()
				p, err := s.Next("s1", DrawOptions{Interviewer: who, Now: now})
				if errors.Is(err, ErrQueueEmpty) {
					now = now.Add(time.Hour)
					continue
				}
				if err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(start))
				b.StopTimer()
				fifo = append(fifo, held{who, p.Contact.ID})
				if len(fifo) > 40 {
					h := fifo[0]
					fifo = fifo[1:]
					if err := s.RecordCall("s1", h.id, Call{Outcome: noAnswer, Interviewer: h.who, At: now}); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
			}
			reportMedian(b, d)
		})
	}
}
