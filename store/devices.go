package store

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

// # Field laptops and their hub
//
// A hub store (the supervisor's or headquarters') hands contacts to device
// stores (field laptops) and takes their work back; both ways the work
// travels as a bundle, one file encrypted to its recipient and signed by
// its sender (bundle.go). Every store that takes part has an identity, made
// the first time it is needed: an age X25519 key pair, to which bundles for
// it are encrypted, and an ed25519 key pair, with which it signs the
// bundles it makes. Its public half is a small text file
// ([PublicIdentity]) that the other side registers with [Store.AddDevice]:
// a hub registers each of its laptops, a laptop registers its one hub.
//
//	meta "identity" => sealed storeIdentity JSON (age secret key, ed25519 seed)
//	devices: device id => DeviceRecord JSON (name, role, public keys, sync state)

// Roles of a registered device, as seen from the store that registered it.
const (
	// RoleLaptop is a device store a hub hands contacts to.
	RoleLaptop = "laptop"
	// RoleHub is the one hub of a laptop store.
	RoleHub = "hub"
)

// KindDeviceAdded records a device registered with [Store.AddDevice]
// (payload deviceAdded). It stays in the store that registered it.
const KindDeviceAdded = "device.added"

var (
	bDevices  = []byte("devices")
	kIdentity = []byte("identity")
)

// identityFormat is the first line of a public identity file.
const identityFormat = "canvass-device-identity 1"

// ErrNoIdentity is returned when a store that has never taken part in sync
// is asked for what only its identity could open.
var ErrNoIdentity = errors.New("this store has no sync identity yet")

// storeIdentity is a store's secret keys.
type storeIdentity struct {
	Age     string `json:"age"`     // AGE-SECRET-KEY-1…
	Ed25519 []byte `json:"ed25519"` // the 32-byte seed
}

// keys are a store's identity, parsed.
type keys struct {
	age  *age.X25519Identity
	sign ed25519.PrivateKey
}

// PublicIdentity is what another store needs to send bundles to a store
// and to check the bundles it signs.
type PublicIdentity struct {
	Device  string
	Age     string // age X25519 recipient, "age1…"
	Ed25519 ed25519.PublicKey
}

// Fingerprint is a short name of the identity's signing key, to compare
// on both machines when registering.
func (p PublicIdentity) Fingerprint() string {
	sum := sha256.Sum256(p.Ed25519)
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// MarshalText writes the identity file: a format line, then one "name
// value" line each for the device id, the age recipient and the ed25519
// public key.
func (p PublicIdentity) MarshalText() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\ndevice %s\nage %s\ned25519 %s\n", identityFormat, p.Device, p.Age,
		base64.StdEncoding.EncodeToString(p.Ed25519))
	return b.Bytes(), nil
}

// ParsePublicIdentity reads an identity file written by MarshalText.
func ParsePublicIdentity(data []byte) (PublicIdentity, error) {
	var p PublicIdentity
	sc := bufio.NewScanner(bytes.NewReader(data))
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if first {
			if line != identityFormat {
				return p, fmt.Errorf("not a canvass device identity (it starts %q, not %q)", clip(line, 40), identityFormat)
			}
			first = false
			continue
		}
		name, value, _ := strings.Cut(line, " ")
		value = strings.TrimSpace(value)
		switch name {
		case "device":
			p.Device = value
		case "age":
			if _, err := age.ParseX25519Recipient(value); err != nil {
				return p, fmt.Errorf("age recipient: %w", err)
			}
			p.Age = value
		case "ed25519":
			k, err := base64.StdEncoding.DecodeString(value)
			if err != nil || len(k) != ed25519.PublicKeySize {
				return p, fmt.Errorf("ed25519 key %q is not %d bytes of base64", clip(value, 20), ed25519.PublicKeySize)
			}
			p.Ed25519 = ed25519.PublicKey(k)
		default:
			return p, fmt.Errorf("unknown line %q", clip(line, 40))
		}
	}
	switch {
	case first:
		return p, errors.New("empty: not a canvass device identity")
	case !validDevice(p.Device):
		return p, fmt.Errorf("device id %q is not 16 hex digits", p.Device)
	case p.Age == "":
		return p, errors.New("no age recipient")
	case p.Ed25519 == nil:
		return p, errors.New("no ed25519 key")
	}
	return p, nil
}

// validDevice reports whether id looks like a store's device id.
func validDevice(id string) bool {
	if len(id) != 16 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// identityTx returns the store's identity, making it on first need when
// tx is writable.
func (s *Store) identityTx(tx *bolt.Tx) (*keys, error) {
	meta := tx.Bucket(bMeta)
	if v := meta.Get(kIdentity); v != nil {
		var id storeIdentity
		if err := s.openJSON(v, &id); err != nil {
			return nil, fmt.Errorf("open the store's sync identity: %w", err)
		}
		a, err := age.ParseX25519Identity(id.Age)
		if err != nil {
			return nil, fmt.Errorf("the store's sync identity: %w", err)
		}
		if len(id.Ed25519) != ed25519.SeedSize {
			return nil, errors.New("the store's sync identity: malformed ed25519 seed")
		}
		return &keys{age: a, sign: ed25519.NewKeyFromSeed(id.Ed25519)}, nil
	}
	if !tx.Writable() {
		return nil, ErrNoIdentity
	}
	a, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("make a sync identity: %w", err)
	}
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("make a sync identity: %w", err)
	}
	v, err := s.sealJSON(storeIdentity{Age: a.String(), Ed25519: seed})
	if err != nil {
		return nil, err
	}
	if err := meta.Put(kIdentity, v); err != nil {
		return nil, err
	}
	return &keys{age: a, sign: ed25519.NewKeyFromSeed(seed)}, nil
}

// Identity returns the store's public identity, making its keys the first
// time.
func (s *Store) Identity() (PublicIdentity, error) {
	var p PublicIdentity
	err := s.update(func(tx *bolt.Tx) error {
		k, err := s.identityTx(tx)
		if err != nil {
			return err
		}
		p = PublicIdentity{Device: s.device, Age: k.age.Recipient().String(), Ed25519: k.sign.Public().(ed25519.PublicKey)}
		return nil
	})
	if err != nil {
		return p, fmt.Errorf("read the store's identity: %w", err)
	}
	return p, nil
}

// BundleMark describes one bundle made or applied.
type BundleMark struct {
	Number uint64 `json:"number"`
	// From and To bound the sender's events the bundle covers: (From, To].
	From uint64    `json:"from"`
	To   uint64    `json:"to"`
	At   time.Time `json:"at"`
	// Events counts the events it carried.
	Events int `json:"events"`
}

// HeldBundle is a bundle that arrived before an earlier one it needs.
type HeldBundle struct {
	Number   uint64    `json:"number"`
	From     uint64    `json:"from"`
	To       uint64    `json:"to"`
	File     string    `json:"file"`
	Size     int64     `json:"size"`
	Received time.Time `json:"received"`
}

// DeviceRecord is a registered device and where sync with it stands.
type DeviceRecord struct {
	ID      string            `json:"id"`
	Name    string            `json:"name"`
	Role    string            `json:"role"`
	Age     string            `json:"age"`
	Ed25519 ed25519.PublicKey `json:"ed25519"`
	Added   time.Time         `json:"added"`
	// Applied is how far this store has applied the device's log, with
	// no event missing before it; LastHash is the device's hash of that
	// event (bundles from a laptop carry its whole log, so the hub checks
	// that each one continues it).
	Applied  uint64 `json:"applied"`
	LastHash string `json:"last_hash,omitempty"`
	// Acked is how far the device has applied this store's log, as its
	// last bundle said.
	Acked uint64 `json:"acked"`
	// In is the last bundle applied from it, Out the last made for it.
	In  *BundleMark `json:"in,omitempty"`
	Out *BundleMark `json:"out,omitempty"`
	// Held are its bundles waiting for an earlier one.
	Held []HeldBundle `json:"held,omitempty"`
}

// Public is the device's public identity.
func (d *DeviceRecord) Public() PublicIdentity {
	return PublicIdentity{Device: d.ID, Age: d.Age, Ed25519: d.Ed25519}
}

type deviceAdded struct {
	Device      string `json:"device"`
	Name        string `json:"name"`
	Role        string `json:"role"`
	Age         string `json:"age"`
	Fingerprint string `json:"fingerprint"`
}

var deviceNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func deviceTx(tx *bolt.Tx, id string) (*DeviceRecord, error) {
	b := tx.Bucket(bDevices)
	if b == nil {
		return nil, fmt.Errorf("device %s: %w", id, ErrNotFound)
	}
	v := b.Get([]byte(id))
	if v == nil {
		return nil, fmt.Errorf("device %s: %w", id, ErrNotFound)
	}
	var d DeviceRecord
	if err := json.Unmarshal(v, &d); err != nil {
		return nil, fmt.Errorf("decode device %s: %w", id, err)
	}
	return &d, nil
}

func putDeviceTx(tx *bolt.Tx, d *DeviceRecord) error {
	b, err := tx.CreateBucketIfNotExists(bDevices)
	if err != nil {
		return err
	}
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return b.Put([]byte(d.ID), v)
}

// devicesTx lists the registered devices by id.
func devicesTx(tx *bolt.Tx) ([]DeviceRecord, error) {
	var out []DeviceRecord
	b := tx.Bucket(bDevices)
	if b == nil {
		return nil, nil
	}
	err := b.ForEach(func(k, v []byte) error {
		var d DeviceRecord
		if err := json.Unmarshal(v, &d); err != nil {
			return fmt.Errorf("decode device %s: %w", k, err)
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

// hubTx returns the store's hub, or nil when it has none.
func hubTx(tx *bolt.Tx) (*DeviceRecord, error) {
	ds, err := devicesTx(tx)
	if err != nil {
		return nil, err
	}
	for i := range ds {
		if ds[i].Role == RoleHub {
			return &ds[i], nil
		}
	}
	return nil, nil
}

// findDeviceTx finds a registered device by name or id.
func findDeviceTx(tx *bolt.Tx, nameOrID string) (*DeviceRecord, error) {
	ds, err := devicesTx(tx)
	if err != nil {
		return nil, err
	}
	for i := range ds {
		if ds[i].Name == nameOrID || ds[i].ID == nameOrID {
			return &ds[i], nil
		}
	}
	return nil, fmt.Errorf("no device called %s is registered (canvass devices lists them): %w", nameOrID, ErrNotFound)
}

// AddDevice registers a device under name: on a hub, a laptop (role
// RoleLaptop); on a laptop, its one hub (RoleHub). A store is a hub or a
// laptop, never both. A laptop can only join a hub while it holds no
// contacts and no opt-out list of its own (see sync_index.go).
func (s *Store) AddDevice(name string, p PublicIdentity, role, actor string) (*DeviceRecord, error) {
	if !deviceNamePattern.MatchString(name) {
		return nil, fmt.Errorf("add device: %q is not a usable device name (letters, digits, '.', '_' and '-', at most 64)", name)
	}
	if role != RoleLaptop && role != RoleHub {
		return nil, fmt.Errorf("add device %s: role %q is neither %s nor %s", name, role, RoleLaptop, RoleHub)
	}
	var rec *DeviceRecord
	err := s.update(func(tx *bolt.Tx) error {
		if p.Device == s.device {
			return errors.New("that is this store's own identity")
		}
		if _, err := s.identityTx(tx); err != nil {
			return err
		}
		ds, err := devicesTx(tx)
		if err != nil {
			return err
		}
		for _, d := range ds {
			switch {
			case d.ID == p.Device && d.Name == name && d.Age == p.Age && bytes.Equal(d.Ed25519, p.Ed25519):
				rec = &d
				return nil
			case d.ID == p.Device:
				return fmt.Errorf("device %s is registered already, as %s with %s", p.Device, d.Name, d.Public().Fingerprint())
			case d.Name == name:
				return fmt.Errorf("the name %s is taken by device %s", name, d.ID)
			case role == RoleHub && d.Role == RoleHub:
				return fmt.Errorf("this store has a hub already (%s): a laptop has one hub", d.Name)
			case role == RoleHub && d.Role == RoleLaptop:
				return fmt.Errorf("this store is the hub of %s: a hub cannot have a hub of its own", d.Name)
			case role == RoleLaptop && d.Role == RoleHub:
				return fmt.Errorf("this store is a laptop of hub %s: only a hub registers laptops", d.Name)
			}
		}
		if role == RoleHub {
			if err := s.canJoinTx(tx); err != nil {
				return err
			}
		}
		at := s.now().UTC()
		if _, err := s.appendTx(tx, KindDeviceAdded, actor, at, deviceAdded{Device: p.Device, Name: name, Role: role, Age: p.Age, Fingerprint: p.Fingerprint()}); err != nil {
			return err
		}
		rec = &DeviceRecord{ID: p.Device, Name: name, Role: role, Age: p.Age, Ed25519: p.Ed25519, Added: at}
		return putDeviceTx(tx, rec)
	})
	if err != nil {
		return nil, fmt.Errorf("add device %s: %w", name, err)
	}
	return rec, nil
}

// Devices lists the registered devices by id.
func (s *Store) Devices() ([]DeviceRecord, error) {
	var out []DeviceRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = devicesTx(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	return out, nil
}
