package reader

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxReader streams the first sheet of a workbook with excelize's Rows iterator, reading
// raw cell values (RawCellValue), so numbers come as stored ("1234.5", not "1,234.50").
//
// Row numbers are spreadsheet rows (excelize yields every row number, rows missing from
// the sheet XML as empty rows). Empty rows are skipped but counted; the header is the first
// non-empty row.
//
// Date cells: a date in a cell is a number (days since 1899-12-30, or 1904-01-01 in the 1904
// date system) with a date number format. Rows.Columns does not expose a cell's style, and
// GetCellStyle / GetCellType load the whole worksheet into memory, so a second, light
// streaming pass over the same sheet XML (sheetScanner, in step with excelize; it adds about
// 20% to excelize's own reading time, zip inflation included) tells which cells have a style whose number format is a date. A
// numeric cell with a date format becomes "YYYY-MM-DD" (the day shown, any time of day
// dropped), with a date-time format "YYYY-MM-DD hh:mm:ss" (rounded to the second). Time-only
// and duration formats ("hh:mm", "[h]:mm") stay raw numbers, and so do serials Excel cannot
// show as a date (below 1, the fictitious 1900-02-29, after 9999). The same pass notices when
// excelize stops early at malformed XML (which it does silently) and reports it.
//
// Other raw values: booleans are "1"/"0", error cells their text ("#N/A"), formulas their
// cached value, strings as they are, numbers as stored (full precision, e.g. 16-digit ids).
type xlsxReader struct {
	name   string
	f      *excelize.File
	rows   *excelize.Rows
	zr     *zip.ReadCloser // for the scanner
	scan   *sheetScanner
	tmp    string // temp file to remove on Close (OpenReader)
	header []string

	row      int // current spreadsheet row
	date1904 bool
	err      error
	closed   bool
}

var rawOpts = excelize.Options{RawCellValue: true}

func openXLSX(name, path, tmp string) (*xlsxReader, error) {
	return openXLSXLimits(name, path, tmp, defaultLimits)
}

// openXLSXLimits opens a workbook after checking it against lim (see xlsxLimits): nothing
// reaches excelize before every part has been inflated once, counted and scanned.
func openXLSXLimits(name, path, tmp string, lim xlsxLimits) (r *xlsxReader, err error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	x := &xlsxReader{name: name}
	defer func() {
		if p := recover(); p != nil { // excelize on a malformed workbook
			r, err = nil, &Error{File: name, Reason: fmt.Sprintf("malformed workbook (%v)", p)}
		}
		if err != nil {
			x.closeAll()
		}
	}()
	fail := func(reason string, err error) *Error {
		return &Error{File: name, Reason: reason, err: err}
	}
	notWorkbook := func(err error) *Error {
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, excelize.ErrWorkbookFileFormat) {
			return fail("not an .xlsx workbook (a password-protected or legacy .xls file must be saved as .xlsx)", err)
		}
		return fail("cannot open the workbook: "+err.Error(), err)
	}
	if err := checkFile(name, path, lim); err != nil {
		return nil, err
	}
	if x.zr, err = zip.OpenReader(path); err != nil {
		return nil, notWorkbook(err)
	}
	if err := checkWorkbook(name, &x.zr.Reader, lim); err != nil {
		return nil, err
	}
	opts := rawOpts
	opts.UnzipSizeLimit, opts.UnzipXMLSizeLimit = lim.totalBytes, streamThreshold
	x.f, err = excelize.OpenFile(path, opts)
	if err != nil {
		return nil, notWorkbook(err)
	}
	sheets := x.f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fail("the workbook has no sheet", nil)
	}
	x.rows, err = x.f.Rows(sheets[0])
	if err != nil {
		return nil, fail(fmt.Sprintf("cannot read sheet %q: %v", sheets[0], err), err)
	}
	if err := x.setupScanner(sheets[0], lim); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, fail("cannot read the workbook: "+err.Error(), err)
	}

	_, h, err := x.next()
	if err == io.EOF {
		err = fail(reasonEmpty, nil)
	}
	if err != nil {
		return nil, err
	}
	x.header = h
	x.tmp = tmp
	return x, nil
}

// setupScanner starts the second reader of the sheet (see sheetScanner), which marks date
// cells when the workbook has date styles and checks that excelize reads the whole sheet.
// A first sheet outside xl/worksheets/ was only checked as XML by checkWorkbook: it is
// checked as a worksheet here, before excelize reads a row of it.
func (x *xlsxReader) setupScanner(sheet string, lim xlsxLimits) error {
	kinds := x.styleKinds()
	if props, err := x.f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		x.date1904 = *props.Date1904
	}
	sheetPath, err := firstSheetPath(&x.zr.Reader, sheet)
	if err != nil {
		return err
	}
	zf := zipFile(&x.zr.Reader, sheetPath)
	if zf == nil {
		return fmt.Errorf("sheet part %s not found", sheetPath)
	}
	if classify(zf) != classWorksheet {
		if err := checkAsWorksheet(x.name, zf, lim); err != nil {
			return err
		}
	}
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	x.scan = newSheetScanner(rc, kinds)
	return nil
}

// styleKinds returns, per cell style (cellXfs index), whether its number format is a date
// (kindDate) or a date-time (kindDateTime); nil when no style is.
func (x *xlsxReader) styleKinds() []uint8 {
	s := x.f.Styles
	if s == nil || s.CellXfs == nil {
		return nil
	}
	custom := map[int]string{}
	if s.NumFmts != nil {
		for _, nf := range s.NumFmts.NumFmt {
			code := nf.FormatCode
			if nf.FormatCode16 != "" {
				code = nf.FormatCode16
			}
			if _, dup := custom[nf.NumFmtID]; !dup {
				custom[nf.NumFmtID] = code
			}
		}
	}
	kinds := make([]uint8, len(s.CellXfs.Xf))
	found := false
	for i, xf := range s.CellXfs.Xf {
		if xf.NumFmtID == nil {
			continue
		}
		id := *xf.NumFmtID
		var k uint8
		if code, ok := custom[id]; ok {
			k = formatKind(code)
		} else {
			k = builtinKind(id)
		}
		kinds[i] = k
		found = found || k != kindNone
	}
	if !found {
		return nil
	}
	return kinds
}

func (x *xlsxReader) Header() []string { return x.header[:len(x.header):len(x.header)] }

func (x *xlsxReader) Next() (int, []string, error) {
	if x.err != nil {
		return 0, nil, x.err
	}
	row, fields, err := x.next()
	if err != nil {
		x.err = err
		return 0, nil, err
	}
	return row, fields, nil
}

func (x *xlsxReader) next() (row int, fields []string, err error) {
	defer func() {
		if p := recover(); p != nil { // excelize on a malformed sheet
			row, fields, err = 0, nil, &Error{File: x.name, Row: x.row, Reason: fmt.Sprintf("malformed sheet (%v)", p)}
		}
	}()
	for x.rows.Next() {
		x.row++
		cols, err := x.rows.Columns(rawOpts)
		if err != nil {
			return 0, nil, &Error{File: x.name, Row: x.row, Reason: "cannot read the row: " + err.Error(), err: err}
		}
		kinds, err := x.scan.row(x.row)
		if err != nil {
			return 0, nil, &Error{File: x.name, Row: x.row, Reason: "malformed sheet: " + err.Error(), err: err}
		}
		for i, k := range kinds {
			if k != kindNone && i < len(cols) && cols[i] != "" {
				if s, ok := serialToDate(cols[i], k, x.date1904); ok {
					cols[i] = s
				}
			}
		}
		if allEmpty(cols) {
			continue
		}
		return x.row, cols, nil
	}
	if err := x.rows.Error(); err != nil {
		return 0, nil, &Error{File: x.name, Row: x.row + 1, Reason: "cannot read the sheet: " + err.Error(), err: err}
	}
	if err := x.scan.finish(); err != nil {
		return 0, nil, &Error{File: x.name, Row: x.row + 1, Reason: "malformed sheet: " + err.Error(), err: err}
	}
	return 0, nil, io.EOF
}

func (x *xlsxReader) closeAll() error {
	var errs []error
	if x.scan != nil {
		errs = append(errs, x.scan.close())
	}
	if x.zr != nil {
		errs = append(errs, x.zr.Close())
	}
	if x.rows != nil {
		x.rows.Close() // returns the iteration error, already reported by Next
	}
	if x.f != nil {
		errs = append(errs, x.f.Close())
	}
	if x.tmp != "" {
		errs = append(errs, os.Remove(x.tmp))
	}
	return errors.Join(errs...)
}

func (x *xlsxReader) Close() error {
	if x.closed {
		return nil
	}
	x.closed = true
	if x.err == nil {
		x.err = &Error{File: x.name, Reason: "reader is closed"}
	}
	return x.closeAll()
}

// zipFile finds a part by name (exact, then case-insensitive, as Windows tools vary case).
func zipFile(z *zip.Reader, name string) *zip.File {
	for _, f := range z.File {
		if f.Name == name {
			return f
		}
	}
	for _, f := range z.File {
		if strings.EqualFold(strings.ReplaceAll(f.Name, "\\", "/"), name) {
			return f
		}
	}
	return nil
}
