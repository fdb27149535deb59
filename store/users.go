package store

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Accounts of the call room (canvass serve): who may sign in over SSH,
// with which role and which public keys. Every change is an event, so the
// log says who gave whom access and when; the account's name is personal
// data and is sealed, its id and key fingerprints are not.
//
//	users:    user id => sealed UserRecord JSON
//	userkeys: key fingerprint ("SHA256:…") => user id

// Event kinds of accounts.
const (
	KindUserAdded      = "user.added"       // userChanged
	KindUserDisabled   = "user.disabled"    // userChanged
	KindUserEnabled    = "user.enabled"     // userChanged
	KindUserKeyAdded   = "user.key.added"   // userChanged
	KindUserKeyRemoved = "user.key.removed" // userChanged
)

// Roles of accounts.
const (
	RoleInterviewer = "interviewer"
	RoleSupervisor  = "supervisor"
)

var (
	bUsers    = []byte("users")
	bUserKeys = []byte("userkeys")
)

// ErrUnknownKey is returned by [Store.UserByKey] for a key no account has.
var ErrUnknownKey = errors.New("no account has this key")

// UserKey is one public key of an account: its fingerprint (what SSH
// prints, "SHA256:…") and its authorized_keys line.
type UserKey struct {
	Fingerprint string    `json:"fingerprint"`
	Line        string    `json:"line"`
	Added       time.Time `json:"added"`
}

// UserRecord is an account of the call room.
type UserRecord struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Role     string    `json:"role"`
	Keys     []UserKey `json:"keys,omitempty"`
	Disabled bool      `json:"disabled,omitempty"`
	Added    time.Time `json:"added"`
	// Team and Languages decide which assigned contacts the interviewer
	// is given (see [Store.AssignTo]): those of the team, and those
	// assigned by a language the interviewer speaks.
	Team      string   `json:"team,omitempty"`
	Languages []string `json:"languages,omitempty"`
}

type userChanged struct {
	User        string   `json:"user"`
	Role        string   `json:"role,omitempty"`
	Fingerprint string   `json:"fingerprint,omitempty"`
	Team        string   `json:"team,omitempty"`
	Languages   []string `json:"languages,omitempty"`
}

// KindUserSkills is an account's team and languages set: userChanged.
const KindUserSkills = "user.skills"

// SetUserSkills sets the team an account works in and the languages it
// interviews in (either may be empty), which decide the assigned
// contacts its draws are given.
func (s *Store) SetUserSkills(id, team string, languages []string, actor string) error {
	if team != "" && !userIDPattern.MatchString(team) {
		return fmt.Errorf("set the team of %s: %q is not a usable team name (letters, digits, '.', '_' and '-')", id, team)
	}
	return s.changeUser("set the team and languages of", id, KindUserSkills, actor, func(_ *bolt.Tx, u *UserRecord) (userChanged, error) {
		u.Team, u.Languages = team, slices.Clone(languages)
		return userChanged{Team: team, Languages: languages}, nil
	})
}

var userIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// AddUser creates an account with its first public key.
func (s *Store) AddUser(id, name, role string, key UserKey, actor string) error {
	if !userIDPattern.MatchString(id) {
		return fmt.Errorf("add user: %q is not a usable account id (letters, digits, '.', '_' and '-', at most 64)", id)
	}
	if role != RoleInterviewer && role != RoleSupervisor {
		return fmt.Errorf("add user %s: role %q is neither %s nor %s", id, role, RoleInterviewer, RoleSupervisor)
	}
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("add user %s: a name is needed", id)
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bUsers)
		if err != nil {
			return err
		}
		if b.Get([]byte(id)) != nil {
			return fmt.Errorf("there is an account %s already", id)
		}
		if err := s.claimKeyTx(tx, id, key.Fingerprint); err != nil {
			return err
		}
		e, err := s.appendTx(tx, KindUserAdded, actor, s.now(), userChanged{User: id, Role: role, Fingerprint: key.Fingerprint})
		if err != nil {
			return err
		}
		key.Added = e.At
		return s.putUserTx(tx, &UserRecord{ID: id, Name: name, Role: role, Keys: []UserKey{key}, Added: e.At})
	})
	if err != nil {
		return fmt.Errorf("add user %s: %w", id, err)
	}
	return nil
}

// claimKeyTx indexes a key for account id; a key belongs to one account.
func (s *Store) claimKeyTx(tx *bolt.Tx, id, fingerprint string) error {
	if !strings.HasPrefix(fingerprint, "SHA256:") {
		return fmt.Errorf("key fingerprint %q is not a SHA256 fingerprint", fingerprint)
	}
	b, err := tx.CreateBucketIfNotExists(bUserKeys)
	if err != nil {
		return err
	}
	if owner := b.Get([]byte(fingerprint)); owner != nil {
		return fmt.Errorf("the key %s is already the key of %s", fingerprint, owner)
	}
	return b.Put([]byte(fingerprint), []byte(id))
}

func (s *Store) userTx(tx *bolt.Tx, id string) (*UserRecord, error) {
	b := tx.Bucket(bUsers)
	var v []byte
	if b != nil {
		v = b.Get([]byte(id))
	}
	if v == nil {
		return nil, fmt.Errorf("account %s: %w", id, ErrNotFound)
	}
	var u UserRecord
	if err := s.openJSON(v, &u); err != nil {
		return nil, fmt.Errorf("decode account %s: %w", id, err)
	}
	return &u, nil
}

func (s *Store) putUserTx(tx *bolt.Tx, u *UserRecord) error {
	v, err := s.sealJSON(u)
	if err != nil {
		return err
	}
	return tx.Bucket(bUsers).Put([]byte(u.ID), v)
}

// changeUser applies change to account id with an event of kind.
func (s *Store) changeUser(what, id, kind, actor string, change func(tx *bolt.Tx, u *UserRecord) (userChanged, error)) error {
	err := s.update(func(tx *bolt.Tx) error {
		u, err := s.userTx(tx, id)
		if err != nil {
			return err
		}
		p, err := change(tx, u)
		if err != nil {
			return err
		}
		p.User = id
		if _, err := s.appendTx(tx, kind, actor, s.now(), p); err != nil {
			return err
		}
		return s.putUserTx(tx, u)
	})
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, id, err)
	}
	return nil
}

// DisableUser stops an account from signing in; its keys stay, and its
// work stays its own. EnableUser (on false) lets it in again.
func (s *Store) DisableUser(id, actor string, disabled bool) error {
	kind, what := KindUserDisabled, "disable user"
	if !disabled {
		kind, what = KindUserEnabled, "enable user"
	}
	return s.changeUser(what, id, kind, actor, func(_ *bolt.Tx, u *UserRecord) (userChanged, error) {
		if u.Disabled == disabled {
			return userChanged{}, fmt.Errorf("it is %s already", map[bool]string{true: "disabled", false: "enabled"}[disabled])
		}
		u.Disabled = disabled
		return userChanged{}, nil
	})
}

// AddUserKey gives an account one more public key.
func (s *Store) AddUserKey(id string, key UserKey, actor string) error {
	return s.changeUser("add a key to", id, KindUserKeyAdded, actor, func(tx *bolt.Tx, u *UserRecord) (userChanged, error) {
		if err := s.claimKeyTx(tx, id, key.Fingerprint); err != nil {
			return userChanged{}, err
		}
		key.Added = s.now().UTC()
		u.Keys = append(u.Keys, key)
		return userChanged{Fingerprint: key.Fingerprint}, nil
	})
}

// RemoveUserKey takes a key off an account.
func (s *Store) RemoveUserKey(id, fingerprint, actor string) error {
	return s.changeUser("remove a key from", id, KindUserKeyRemoved, actor, func(tx *bolt.Tx, u *UserRecord) (userChanged, error) {
		i := slices.IndexFunc(u.Keys, func(k UserKey) bool { return k.Fingerprint == fingerprint })
		if i < 0 {
			return userChanged{}, fmt.Errorf("it has no key %s", fingerprint)
		}
		u.Keys = slices.Delete(u.Keys, i, i+1)
		if err := tx.Bucket(bUserKeys).Delete([]byte(fingerprint)); err != nil {
			return userChanged{}, err
		}
		return userChanged{Fingerprint: fingerprint}, nil
	})
}

// UserByKey is the account a public key belongs to; the error wraps
// [ErrUnknownKey] when none does. A disabled account is returned as it
// is: the caller refuses it, saying why.
func (s *Store) UserByKey(fingerprint string) (*UserRecord, error) {
	var u *UserRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bUserKeys)
		var id []byte
		if b != nil {
			id = b.Get([]byte(fingerprint))
		}
		if id == nil {
			return ErrUnknownKey
		}
		var err error
		u, err = s.userTx(tx, string(id))
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Users lists the accounts by id.
func (s *Store) Users() ([]UserRecord, error) {
	var out []UserRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bUsers)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var u UserRecord
			if err := s.openJSON(v, &u); err != nil {
				return fmt.Errorf("decode account %s: %w", k, err)
			}
			out = append(out, u)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
