package store

import (
	"path/filepath"
	"strings"
	"testing"
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
	benchSaveAnswer(b, s)
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
