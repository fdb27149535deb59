package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"canvass/model"
)

// BenchmarkSaveAnswerEncrypted is BenchmarkSaveAnswer on an encrypted
// store, as canvass makes them: the answer, its event payload and the
// 2 KiB engine state are each sealed with AES-256-GCM before the commit.
func BenchmarkSaveAnswerEncrypted(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "c.db"), Options{Encrypt: true, KeyDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if !s.Encrypted() {
		b.Fatal("the store is not encrypted")
	}
	s.AddSurvey(demoSurvey("1"), []byte("v1"), "author")
	importCSV(b, s, "s1", "id,phone\na,4155550100\n")
	id, err := s.StartInterview(model.Consent{Survey: "s1", Contact: "a", Interviewer: "ivy", Agreed: true})
	if err != nil {
		b.Fatal(err)
	}
	state := []byte(`{"pos":` + strings.Repeat(`"x",`, 500) + `0}`)
	d := make([]time.Duration, 0, b.N)
	now := time.Now()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ev := model.AnswerEvent{Item: fmt.Sprintf("q%d", i%60), Value: "some answer text", Shown: now, Answered: now}
		start := time.Now()
		if err := s.SaveAnswer(id, ev, state); err != nil {
			b.Fatal(err)
		}
		d = append(d, time.Since(start))
	}
	reportMedian(b, d)
}

// BenchmarkAESCodec measures sealing and opening a 2 KiB engine state
// alone, without the disk.
func BenchmarkAESCodec(b *testing.B) {
	c, err := NewAESCodec(testKey(1))
	if err != nil {
		b.Fatal(err)
	}
	state := []byte(`{"pos":` + strings.Repeat(`"x",`, 500) + `0}`)
	b.SetBytes(int64(len(state)))
	for b.Loop() {
		v, err := c.Seal(state)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Open(v); err != nil {
			b.Fatal(err)
		}
	}
}
