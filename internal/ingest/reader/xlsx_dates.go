package reader

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"time"
)

// Kinds of number format.
const (
	kindNone     uint8 = iota // not a date: the raw value is kept
	kindDate                  // date: YYYY-MM-DD
	kindDateTime              // date and time: YYYY-MM-DD hh:mm:ss
)

// builtinKind classifies the built-in number formats (ECMA-376 18.8.30). 27-36 and 50-58
// depend on the locale; they are read as zh-CN/zh-TW (dates, and times for 32-35 and 55-56,
// which stay raw).
func builtinKind(id int) uint8 {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id == 36, id >= 50 && id <= 54, id == 57, id == 58:
		return kindDate
	case id == 22:
		return kindDateTime
	}
	return kindNone
}

// formatKind classifies a custom number format code by its first section: it is a date if
// it has y or d (or only m, as in "mmmm"), with a time if it also has h, s or AM/PM. Quoted
// text, escaped characters and [..] parts (colours, locales, conditions) are ignored; an
// elapsed-time part ([h], [mm], [ss]) makes it a duration, and a digit placeholder (#, ?,
// 0 other than fractions of a second) a number format: both stay raw.
func formatKind(code string) uint8 {
	var date, clock, month bool
loop:
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				break loop
			}
			i += j + 1
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i+1:], ']')
			if j < 0 {
				break loop
			}
			in := strings.ToLower(code[i+1 : i+1+j])
			if in != "" && strings.Trim(in, "hms") == "" {
				return kindNone // elapsed time: a duration
			}
			i += j + 1
		case ';':
			break loop
		case '#', '?', '@':
			return kindNone
		case '0':
			if i == 0 || (code[i-1] != '.' && code[i-1] != '0') {
				return kindNone
			}
		case 'y', 'Y', 'd', 'D':
			date = true
		case 'h', 'H', 's', 'S':
			clock = true
		case 'm', 'M':
			month = true
		case 'a', 'A':
			rest := strings.ToUpper(code[i:])
			if strings.HasPrefix(rest, "AM/PM") || strings.HasPrefix(rest, "A/P") {
				clock = true
			}
		}
	}
	switch {
	case date && clock:
		return kindDateTime
	case date:
		return kindDate
	case clock:
		return kindNone // time of day only
	case month:
		return kindDate
	}
	return kindNone
}

var (
	epoch1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// maxSerial is 10000-01-01 in the 1900 date system.
const maxSerial = 2958466

// serialToDate converts a raw cell value that is a date serial number to "YYYY-MM-DD"
// (kindDate; the time of day is dropped, as the cell shows it) or "YYYY-MM-DD hh:mm:ss"
// (kindDateTime, rounded to the second). ok is false when v is not a number or not a date
// Excel can show (before 1900-01-01, the fictitious 1900-02-29, after 9999-12-31).
func serialToDate(v string, kind uint8, date1904 bool) (string, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f >= maxSerial {
		return "", false
	}
	secs := math.Round(f * 86400)
	days := math.Floor(secs / 86400)
	secs -= days * 86400
	d := int(days)
	var t time.Time
	if date1904 {
		if d >= maxSerial-1462 {
			return "", false
		}
		t = epoch1904.AddDate(0, 0, d)
	} else {
		switch {
		case d < 1, d == 60: // 1900-01-00 and Lotus's 1900-02-29
			return "", false
		case d < 60:
			t = epoch1900.AddDate(0, 0, d+1)
		default:
			t = epoch1900.AddDate(0, 0, d)
		}
	}
	if t.Year() > 9999 {
		return "", false
	}
	if kind == kindDate {
		return t.Format("2006-01-02"), true
	}
	return t.Add(time.Duration(secs) * time.Second).Format("2006-01-02 15:04:05"), true
}

// --- locating the first sheet's part -------------------------------------------------

// firstSheetPath finds the part of the workbook's first sheet the way excelize does
// (_rels/.rels -> workbook -> workbook rels), and checks it is the sheet excelize reads.
func firstSheetPath(z *zip.Reader, sheet string) (string, error) {
	wbPath := "xl/workbook.xml"
	if rels, err := readRels(z, "_rels/.rels"); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				wbPath = strings.TrimPrefix(r.target, "/")
				break
			}
		}
	}
	name, id, err := firstSheet(z, wbPath)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(name, sheet) {
		return "", fmt.Errorf("first sheet is %q, expected %q", name, sheet)
	}
	dir := path.Dir(wbPath)
	relsPath := strings.TrimPrefix(path.Join(dir, "_rels", path.Base(wbPath)+".rels"), "/")
	rels, err := readRels(z, relsPath)
	if err != nil {
		return "", err
	}
	for _, r := range rels {
		if r.id == id {
			t := strings.ReplaceAll(r.target, "\\", "/")
			if strings.HasPrefix(t, "/") {
				return strings.TrimPrefix(path.Clean(t), "/"), nil
			}
			return strings.TrimPrefix(path.Clean(dir+"/"+t), "/"), nil
		}
	}
	return "", fmt.Errorf("relationship %q of sheet %q not found", id, name)
}

type rel struct{ id, typ, target string }

func openPart(z *zip.Reader, name string) (io.ReadCloser, error) {
	f := zipFile(z, name)
	if f == nil {
		return nil, fmt.Errorf("part %s not found", name)
	}
	return f.Open()
}

func readRels(z *zip.Reader, name string) ([]rel, error) {
	rc, err := openPart(z, name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	var out []rel
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			var r rel
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "Id":
					r.id = a.Value
				case "Type":
					r.typ = a.Value
				case "Target":
					r.target = a.Value
				}
			}
			out = append(out, r)
		}
	}
}

// firstSheet returns the name and relationship id of the first <sheet> of the workbook.
func firstSheet(z *zip.Reader, wbPath string) (name, id string, err error) {
	rc, err := openPart(z, wbPath)
	if err != nil {
		return "", "", err
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	for {
		tok, err := dec.Token() // namespaces resolved: the id is in the relationships namespace
		if err != nil {
			if err == io.EOF {
				err = errors.New("workbook has no sheet")
			}
			return "", "", err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "sheet" {
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name" && a.Name.Space == "":
					name = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					id = a.Value
				}
			}
			return name, id, nil
		}
	}
}
