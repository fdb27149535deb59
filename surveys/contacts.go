package surveys

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"canvass/model"
)

// This file gives `survey test` its contacts: the fields a case names, the
// --contact FIELD=VALUE flags, or a sample CSV in the layout `canvass
// contacts import` reads, so that preloads (${contact.FIELD}, caseid,
// pulldata() from the contact) can be tested.

// NewContact builds a test contact from fields named as a sample's
// columns: id, name, company, email, phone, location, timezone and
// language fill those fields; any other column is a sample field
// (${contact.FIELD}).
func NewContact(fields map[string]string) *model.Contact {
	c := &model.Contact{Source: "client", Fields: map[string]string{}}
	for k, v := range fields {
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "id":
			c.ID = v
		case "name":
			c.Name = v
		case "company":
			c.Company = v
		case "email":
			c.Email = v
		case "phone":
			c.Phones = []string{v}
		case "location":
			c.Location = v
		case "timezone":
			c.Timezone = v
		case "language":
			c.Language = v
		case "source":
			c.Source = v
		default:
			c.Fields[k] = v
		}
	}
	return c
}

// ReadContacts reads a sample CSV (a header row, then one contact per row)
// into test contacts, as NewContact names the columns, with the fields of
// set given to every contact over the file's. Phone numbers are taken as
// written.
func ReadContacts(path string, set map[string]string) ([]*model.Contact, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read contacts: %w", unwrapPath(err))
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read contacts %s: the file is empty", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read contacts %s: %w", path, err)
	}
	var out []*model.Contact
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read contacts %s: %w", path, err)
		}
		fields := map[string]string{}
		for i, h := range header {
			if i < len(rec) && strings.TrimSpace(h) != "" {
				fields[strings.TrimSpace(h)] = strings.TrimSpace(rec[i])
			}
		}
		for k, v := range set {
			fields[k] = v
		}
		out = append(out, NewContact(fields))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read contacts %s: no contacts after the header", path)
	}
	return out, nil
}
