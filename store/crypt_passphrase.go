package store

import (
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/scrypt"
)

// wrapPassphrase is cryptRecord.Wrap of a store whose data key is kept in
// its meta bucket, sealed with a key derived from a passphrase.
const wrapPassphrase = "passphrase"

// kdfParams are the scrypt parameters that turn a passphrase into the key
// wrapping a store's data key. They are recorded so that they can grow.
type kdfParams struct {
	Name string `json:"name"` // "scrypt"
	Salt []byte `json:"salt"`
	N    int    `json:"n"`
	R    int    `json:"r"`
	P    int    `json:"p"`
}

// defaultKDF costs about 32 MiB and a tenth of a second per derivation:
// a guess at a passphrase costs an attacker as much.
func defaultKDF() (*kdfParams, error) {
	k := &kdfParams{Name: "scrypt", Salt: make([]byte, 16), N: 1 << 15, R: 8, P: 1}
	if _, err := rand.Read(k.Salt); err != nil {
		return nil, fmt.Errorf("make salt: %w", err)
	}
	return k, nil
}

// derive is the wrapping key of passphrase. Parameters outside sane bounds
// (a damaged or hostile record) are refused rather than run.
func (k *kdfParams) derive(passphrase string) ([]byte, error) {
	if k == nil || k.Name != "scrypt" {
		return nil, fmt.Errorf("unknown key derivation")
	}
	if k.N < 1<<10 || k.N > 1<<22 || k.N&(k.N-1) != 0 || k.R < 1 || k.R > 32 || k.P < 1 || k.P > 16 || len(k.Salt) < 16 {
		return nil, fmt.Errorf("scrypt parameters out of bounds (n %d, r %d, p %d)", k.N, k.R, k.P)
	}
	return scrypt.Key([]byte(passphrase), k.Salt, k.N, k.R, k.P, KeySize)
}

// sealNewPassphrase encrypts a new store with a random data key kept in
// its meta bucket, sealed with a key derived from passphrase: no key file.
func (s *Store) sealNewPassphrase(passphrase string) error {
	k, err := newStoreKey()
	if err != nil {
		return fmt.Errorf("encrypt new store %s: %w", s.path, err)
	}
	c, rec, err := newCryptRecord(k)
	if err != nil {
		return fmt.Errorf("encrypt new store %s: %w", s.path, err)
	}
	if rec.KDF, err = defaultKDF(); err != nil {
		return fmt.Errorf("encrypt new store %s: %w", s.path, err)
	}
	wk, err := rec.KDF.derive(passphrase)
	if err != nil {
		return fmt.Errorf("encrypt new store %s: %w", s.path, err)
	}
	wc, err := NewAESCodec(wk)
	if err != nil {
		return fmt.Errorf("encrypt new store %s: %w", s.path, err)
	}
	if rec.WrappedKey, err = wc.Seal(k.Key); err != nil {
		return fmt.Errorf("encrypt new store %s: %w", s.path, err)
	}
	rec.Wrap = wrapPassphrase
	if err := s.putCryptRecord(rec, c); err != nil {
		return fmt.Errorf("encrypt new store %s: %w", s.path, err)
	}
	s.codec = c
	return nil
}

// unlockPassphrase opens the data key of a passphrase store.
func (s *Store) unlockPassphrase(rec *cryptRecord, passphrase string) error {
	if passphrase == "" {
		return &keyError{fmt.Sprintf("the store %s is encrypted with a passphrase and none was given", s.path), ErrKeyMissing}
	}
	wk, err := rec.KDF.derive(passphrase)
	if err != nil {
		return fmt.Errorf("open store %s: %w", s.path, err)
	}
	wc, err := NewAESCodec(wk)
	if err != nil {
		return fmt.Errorf("open store %s: %w", s.path, err)
	}
	key, err := wc.Open(rec.WrappedKey)
	if err != nil {
		return &keyError{fmt.Sprintf("the store %s is encrypted and the passphrase given does not open it (wrong key)", s.path), ErrWrongKey}
	}
	c, err := checkKey(rec, key)
	if err != nil {
		return &keyError{fmt.Sprintf("the store %s is encrypted and its key check fails (wrong key, or a damaged store)", s.path), ErrWrongKey}
	}
	s.codec = c
	return nil
}
