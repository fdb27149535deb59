package model

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"canvass/model/xpath"
)

// DataFile is a data file a questionnaire reads (Survey.Attachments): a
// CSV, XML or GeoJSON file, as ODK's secondary instance of it.
type DataFile struct {
	// ID is the instance id expressions name it by: the file name without
	// its extension, instance('ID') and pulldata('ID', ...).
	ID string
	// Instance is the document: for CSV and GeoJSON, a root element with
	// an item per row or feature whose children are its fields.
	Instance *xpath.Instance
	// Columns and Rows are the items of root/item as a table, in order,
	// for choices from the file: the fields an item has, by name.
	Columns []string
	Rows    []map[string]string
}

// maxDataElements bounds the elements a data file may make, so that a
// huge or hostile file is refused rather than exhausting memory.
const maxDataElements = 5_000_000

// DataFileID is the instance id of a data file: its name without the
// directory and extension, as pyxform names the instance.
func DataFileID(name string) string {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	return strings.TrimSuffix(base, path.Ext(base))
}

// ParseDataFile reads a data file as ODK Collect does (see the ODK XForms
// specification, "Secondary instances"): CSV with a header row, delimited
// by commas, semicolons or tabs; XML as it is; GeoJSON as a
// FeatureCollection of Point, LineString and Polygon features whose
// geometry becomes ODK's geopoint, geotrace or geoshape text. The kind is
// told by the name's extension.
func ParseDataFile(name string, data []byte) (*DataFile, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, errors.New("not UTF-8 text")
	}
	df := &DataFile{ID: DataFileID(name)}
	var err error
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".csv":
		err = df.readCSV(data)
	case ".xml":
		err = df.readXML(data)
	case ".geojson":
		err = df.readGeoJSON(data)
	default:
		return nil, fmt.Errorf("data files are .csv, .xml or .geojson, not %q", ext)
	}
	if err != nil {
		return nil, err
	}
	df.table()
	return df, nil
}

func (df *DataFile) readCSV(data []byte) error {
	head, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	switch {
	case bytes.IndexByte(head, ',') >= 0:
	case bytes.IndexByte(head, ';') >= 0:
		r.Comma = ';'
	case bytes.IndexByte(head, '\t') >= 0:
		r.Comma = '\t'
	}
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return errors.New("the file is empty: it needs a header row")
	}
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		header[i] = h
		switch {
		case h == "":
			return fmt.Errorf("column %d of the header has no name", i+1)
		case seen[h]:
			return fmt.Errorf("column %q appears twice in the header", h)
		}
		seen[h] = true
	}
	in := xpath.NewInstance()
	root := in.Add(0, "root", "")
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if in.Len()+len(header) > maxDataElements {
			return fmt.Errorf("more than %d values", maxDataElements)
		}
		item := in.Add(root, "item", "")
		for i, h := range header {
			v := ""
			if i < len(rec) {
				v = rec[i]
			}
			in.Add(item, h, v)
		}
	}
	df.Instance = in
	return nil
}

func (df *DataFile) readXML(data []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	in := xpath.NewInstance()
	stack := []int{0}
	text := []*strings.Builder{{}}
	roots := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 1 {
				roots++
				if roots > 1 {
					return errors.New("more than one document element")
				}
			}
			if in.Len() >= maxDataElements {
				return fmt.Errorf("more than %d elements", maxDataElements)
			}
			if len(stack) > 1000 {
				return errors.New("elements nest more than 1000 deep")
			}
			e := in.Add(stack[len(stack)-1], t.Name.Local, "")
			for _, a := range t.Attr {
				in.SetAttr(e, a.Name.Local, a.Value)
			}
			stack = append(stack, e)
			text = append(text, &strings.Builder{})
		case xml.EndElement:
			e := stack[len(stack)-1]
			setText(in, e, text[len(text)-1].String())
			stack, text = stack[:len(stack)-1], text[:len(text)-1]
		case xml.CharData:
			if len(stack) > 1 {
				text[len(text)-1].Write(t)
			}
		}
	}
	if roots == 0 {
		return errors.New("no document element")
	}
	df.Instance = in
	return nil
}

// setText sets the text of element e, trimmed as ODK reads instance data
// (white space around child elements is not text).
func setText(in *xpath.Instance, e int, s string) {
	in.SetText(e, strings.TrimSpace(s))
}

func (df *DataFile) readGeoJSON(data []byte) error {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string                     `json:"type"`
			ID         json.RawMessage            `json:"id"`
			Properties map[string]json.RawMessage `json:"properties"`
			Geometry   *struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return err
	}
	if fc.Type != "FeatureCollection" {
		return fmt.Errorf("the top level is a %q, not a FeatureCollection", fc.Type)
	}
	in := xpath.NewInstance()
	root := in.Add(0, "root", "")
	for i, f := range fc.Features {
		if in.Len() >= maxDataElements {
			return fmt.Errorf("more than %d values", maxDataElements)
		}
		item := in.Add(root, "item", "")
		if f.Geometry != nil {
			g, err := odkGeometry(f.Geometry.Type, f.Geometry.Coordinates)
			if err != nil {
				return fmt.Errorf("feature %d: %v", i+1, err)
			}
			in.Add(item, "geometry", g)
		}
		if len(f.ID) > 0 && string(f.ID) != "null" {
			id, err := jsonText(f.ID)
			if err != nil {
				return fmt.Errorf("feature %d: id: %v", i+1, err)
			}
			in.Add(item, "id", id)
		}
		keys := make([]string, 0, len(f.Properties))
		for k := range f.Properties {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			raw := f.Properties[k]
			if string(raw) == "null" || k == "id" && len(f.ID) > 0 && string(f.ID) != "null" {
				continue
			}
			if !validName(k) {
				return fmt.Errorf("feature %d: property %q is not a valid element name", i+1, k)
			}
			v, err := jsonText(raw)
			if err != nil {
				return fmt.Errorf("feature %d: property %q: %v", i+1, k, err)
			}
			in.Add(item, k, v)
		}
	}
	df.Instance = in
	return nil
}

// jsonText is a JSON primitive as text: a string as it is, a number or
// boolean as written.
func jsonText(raw json.RawMessage) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case float64, bool:
		return strings.TrimSpace(string(raw)), nil
	}
	return "", errors.New("not a string, number or boolean")
}

// odkGeometry writes a GeoJSON geometry as ODK writes geo answers: "lat lon
// 0 0" per point, points separated by ";".
func odkGeometry(typ string, coords json.RawMessage) (string, error) {
	point := func(c []float64) (string, error) {
		if len(c) < 2 {
			return "", errors.New("a position needs longitude and latitude")
		}
		alt := 0.0
		if len(c) > 2 {
			alt = c[2]
		}
		f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
		return f(c[1]) + " " + f(c[0]) + " " + f(alt) + " 0", nil
	}
	line := func(cs [][]float64) (string, error) {
		parts := make([]string, len(cs))
		for i, c := range cs {
			p, err := point(c)
			if err != nil {
				return "", err
			}
			parts[i] = p
		}
		return strings.Join(parts, ";"), nil
	}
	switch typ {
	case "Point":
		var c []float64
		if err := json.Unmarshal(coords, &c); err != nil {
			return "", err
		}
		return point(c)
	case "LineString":
		var cs [][]float64
		if err := json.Unmarshal(coords, &cs); err != nil {
			return "", err
		}
		return line(cs)
	case "Polygon":
		var rings [][][]float64
		if err := json.Unmarshal(coords, &rings); err != nil {
			return "", err
		}
		if len(rings) == 0 {
			return "", errors.New("a polygon without rings")
		}
		return line(rings[0]) // ODK's geoshape has no holes
	}
	return "", fmt.Errorf("geometry type %q: ODK reads Point, LineString and Polygon", typ)
}

// table lists the items of root/item as rows.
func (df *DataFile) table() {
	in := df.Instance
	doc := in.Document()
	seen := map[string]bool{}
	for _, root := range in.Children(nil, doc, "*") {
		for _, item := range in.Children(nil, root, "*") {
			row := map[string]string{}
			for _, f := range in.Children(nil, item, "*") {
				name := in.Name(f)
				if _, dup := row[name]; dup {
					continue
				}
				row[name] = in.Text(f)
				if !seen[name] {
					seen[name] = true
					df.Columns = append(df.Columns, name)
				}
			}
			df.Rows = append(df.Rows, row)
		}
	}
}
