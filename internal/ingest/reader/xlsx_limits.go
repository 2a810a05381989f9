package reader

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

// xlsxLimits bound what reading one workbook may cost. An .xlsx is a zip of XML parts, and
// deflate inflates up to ~1000 times: a 1 MB upload can hold a 1 GB cell or a 2 GB run of
// whitespace, which excelize would hold in memory (its XML decoder buffers a whole text run,
// a part it keeps in memory is read whole, and it pre-allocates a part's declared size) or
// inflate to a temp file. So before excelize opens a workbook, checkWorkbook streams every
// part once, counting the bytes actually inflated (declared sizes are checked first but not
// trusted) and scanning the XML, and refuses the file at the first limit passed, having held
// only a 64 KiB buffer and one tag. Each limit is far above what Excel itself can write.
type xlsxLimits struct {
	fileBytes     int64 // the .xlsx file itself, compressed
	parts         int   // entries of the zip
	partBytes     int64 // one worksheet or the shared strings, uncompressed (excelize streams large ones from a temp file)
	memoryBytes   int64 // every part excelize keeps in memory, together, uncompressed
	totalBytes    int64 // every part, together, uncompressed (bounds excelize's temp files too)
	ratio         int64 // uncompressed ÷ compressed size of one part, checked past ratioFloor
	ratioFloor    int64
	elements      int   // elements of one XML part other than a worksheet or the shared strings
	depth         int   // nesting of XML elements (excelize's decoder keeps a stack of them)
	cellChars     int   // characters of one cell's value or one shared string
	textRun       int   // characters of text between two tags in a worksheet or the shared strings
	cellElements  int   // elements inside one cell or shared string (rich-text runs)
	cells         int64 // cells of one worksheet
	rows          int   // highest row number of a worksheet (excelize yields every row up to it)
	sharedStrings int   // entries of the shared-string table (excelize indexes each in memory)
}

// streamThreshold is excelize's UnzipXMLSizeLimit: a worksheet or the shared strings larger
// than this is inflated to a temp file and streamed; anything smaller, and every other part,
// is held in memory.
const streamThreshold = 16 << 20

// defaultLimits: Excel's own limits for rows, columns and cell length; 1 Mi shared strings
// (excelize keeps ~70 bytes of index per string); parts and totals that keep a reading under
// ~300 MB of memory and 1 GiB of temp disk. A ratio above 200:1 is not XML a spreadsheet
// program writes (excelize's and Excel's sheets inflate 5–30 times, sparse ones up to ~100);
// deflate reaches ~1030:1 on repeated bytes.
var defaultLimits = xlsxLimits{
	fileBytes:     256 << 20,
	parts:         10_000,
	partBytes:     512 << 20,
	memoryBytes:   128 << 20,
	totalBytes:    1 << 30,
	ratio:         200,
	ratioFloor:    16 << 20,
	elements:      500_000,
	depth:         64,
	cellChars:     32767,
	textRun:       32767,
	cellElements:  10_000,
	cells:         32 << 20,
	rows:          1 << 20,
	sharedStrings: 1 << 20,
}

// limitError is a limit passed or damage found while checking one part.
type limitError struct {
	reason string
	whole  bool // about the workbook, not the part being read
}

func (e *limitError) Error() string { return e.reason }

// asLimit returns err as a *limitError, or nil (called only on errors: the variable errors.As
// needs escapes, and the scanners' loops must not allocate per tag).
func asLimit(err error) *limitError {
	if err == nil {
		return nil
	}
	var le *limitError
	if errors.As(err, &le) {
		return le
	}
	return nil
}

func limitf(format string, args ...any) error {
	return &limitError{reason: fmt.Sprintf(format, args...)}
}

// size formats a byte limit for a message ("512 MiB").
func size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkFile checks the workbook file before the zip reader reads its directory: its size,
// and the number of central-directory headers in it (archive/zip reads every header it finds,
// whatever count the directory's end declares, and keeps each in memory).
func checkFile(name, p string, lim xlsxLimits) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() > lim.fileBytes {
		return &Error{File: name, Reason: fmt.Sprintf("the workbook is larger than %s", size(lim.fileBytes))}
	}
	sig := []byte("PK\x01\x02")
	br := bufio.NewReaderSize(f, 64<<10)
	n, carry := 0, []byte(nil)
	buf := make([]byte, 64<<10)
	for {
		k, err := br.Read(buf)
		if k > 0 {
			chunk := append(carry, buf[:k]...)
			n += bytes.Count(chunk, sig)
			if n > lim.parts {
				return &Error{File: name, Reason: fmt.Sprintf("the workbook has more than %d parts", lim.parts)}
			}
			// Keep the last 3 bytes: a signature may straddle two reads (and a full one is
			// never counted twice, as 3 bytes cannot hold it).
			carry = append(carry[:0], chunk[max(0, len(chunk)-3):]...)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// partClass tells how excelize treats a part, and so which limits apply.
type partClass int

const (
	classOther     partClass = iota // binary (images...): bytes only
	classXML                        // XML excelize may decode whole: elements and depth
	classWorksheet                  // cells, rows, columns, text
	classShared                     // shared strings: count, length, text
)

// normName is a part name as excelize sees it (backslashes as slashes) in lower case.
func normName(f *zip.File) string { return strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/")) }

func classify(f *zip.File) partClass {
	n := normName(f)
	switch {
	case n == "xl/sharedstrings.xml":
		return classShared
	case strings.HasPrefix(n, "xl/worksheets/") && strings.HasSuffix(n, ".xml"):
		return classWorksheet
	case strings.HasSuffix(n, ".xml"), strings.HasSuffix(n, ".rels"): // not .vml: often not well-formed, and excelize does not decode it on open
		return classXML
	}
	return classOther
}

// inMemory tells whether excelize keeps the part in memory (see ReadZipReader): all but a
// large worksheet ("xl/worksheets/sheet…") or large shared strings.
func inMemory(f *zip.File) bool {
	n := normName(f)
	big := f.UncompressedSize64 > streamThreshold
	return !(big && (n == "xl/sharedstrings.xml" || strings.HasPrefix(n, "xl/worksheets/sheet")))
}

// partLabel names a part in messages: its file name without ".xml" ("sheet1", "styles").
func partLabel(name string) string {
	return strings.TrimSuffix(path.Base(strings.ReplaceAll(name, "\\", "/")), ".xml")
}

// checkWorkbook checks every part of the workbook against lim (see xlsxLimits): declared
// sizes first, then each part inflated once and counted, the XML ones scanned (every part
// under xl/worksheets/ as a worksheet).
func checkWorkbook(name string, z *zip.Reader, lim xlsxLimits) error {
	if len(z.File) > lim.parts {
		return &Error{File: name, Reason: fmt.Sprintf("the workbook has more than %d parts", lim.parts)}
	}
	var declared, declaredMem uint64
	for _, f := range z.File {
		d := f.UncompressedSize64
		limit := uint64(lim.partBytes)
		if inMemory(f) {
			limit = uint64(lim.memoryBytes)
			declaredMem += d
		}
		if d > limit {
			return partError(name, f, fmt.Sprintf("the part is larger than %s uncompressed", size(int64(limit))))
		}
		if declared += d; declared > uint64(lim.totalBytes) {
			return &Error{File: name, Reason: tooLarge(lim)}
		}
		if declaredMem > uint64(lim.memoryBytes) {
			return &Error{File: name, Reason: tooLargeInMemory(lim)}
		}
	}
	var total, memory int64
	for _, f := range z.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if err := checkPart(name, f, classify(f), lim, &total, &memory); err != nil {
			return err
		}
	}
	return nil
}

// checkAsWorksheet checks one part as a worksheet (its bytes were counted by checkWorkbook).
func checkAsWorksheet(name string, f *zip.File, lim xlsxLimits) error {
	var total, memory int64
	return checkPart(name, f, classWorksheet, lim, &total, &memory)
}

func tooLarge(lim xlsxLimits) string {
	return fmt.Sprintf("the workbook is larger than %s uncompressed", size(lim.totalBytes))
}

func tooLargeInMemory(lim xlsxLimits) string {
	return fmt.Sprintf("the workbook's parts other than large sheets are larger than %s uncompressed", size(lim.memoryBytes))
}

// partError names the file and the part: "orders.xlsx: sheet1: REASON".
func partError(name string, f *zip.File, reason string) *Error {
	return &Error{File: name, Reason: partLabel(f.Name) + ": " + reason}
}

// checkPart inflates one part, counting its bytes into total (and memory, for a part
// excelize keeps in memory), and scans it as its class requires.
func checkPart(name string, f *zip.File, class partClass, lim xlsxLimits, total, memory *int64) error {
	c := &inflateCounter{lim: lim, total: total, limit: lim.partBytes, ratioLimit: lim.ratio * max(int64(f.CompressedSize64), 1)}
	if inMemory(f) {
		c.memory, c.limit = memory, lim.memoryBytes
	}
	err := scanPart(f, c, class, lim)
	var le *limitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &le) && le.whole:
		return &Error{File: name, Reason: le.reason}
	case errors.As(err, &le):
		return partError(name, f, le.reason)
	}
	return &Error{File: name, Reason: partLabel(f.Name) + ": " + damaged(err), err: err}
}

// damaged words an error from inflating a part.
func damaged(err error) string {
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, zip.ErrFormat):
		return "the part is damaged (its data is larger than its header says)"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the part is damaged (its data ends early)"
	case errors.Is(err, zip.ErrChecksum):
		return "the part is damaged (checksum mismatch)"
	case errors.Is(err, zip.ErrAlgorithm):
		return "the part uses an unsupported compression method"
	case errors.As(err, &ce):
		return "the part is damaged (invalid compressed data)"
	}
	return "cannot read the part: " + err.Error()
}

func scanPart(f *zip.File, c *inflateCounter, class partClass, lim xlsxLimits) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	c.r = rc
	if class == classOther {
		_, err := io.Copy(io.Discard, c)
		return err
	}
	w := &xmlWalker{br: bufio.NewReaderSize(c, 64<<10), lim: &lim}
	switch class {
	case classWorksheet:
		err = w.worksheet()
	case classShared:
		err = w.sharedStrings()
	default:
		err = w.elementsOnly()
	}
	if err != nil {
		return err
	}
	// Read to the end: the scanners stop at the last token, and archive/zip checks the
	// size and checksum only at the end of the data.
	_, err = io.Copy(io.Discard, c)
	return err
}

// inflateCounter counts the bytes inflated from one part, against the part's limit, the
// compression ratio, the workbook's total and, for parts excelize keeps in memory, their sum.
type inflateCounter struct {
	r          io.Reader
	lim        xlsxLimits
	n          int64
	limit      int64
	ratioLimit int64
	total      *int64
	memory     *int64 // nil for streamed parts
}

func (c *inflateCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	*c.total += int64(n)
	if c.memory != nil {
		*c.memory += int64(n)
	}
	switch {
	case c.n > c.limit:
		return 0, limitf("the part is larger than %s uncompressed", size(c.limit))
	case c.n > c.lim.ratioFloor && c.n > c.ratioLimit:
		return 0, limitf("the part inflates more than %d times its compressed size (a zip bomb, not a spreadsheet)", c.lim.ratio)
	case *c.total > c.lim.totalBytes:
		return 0, &limitError{reason: tooLarge(c.lim), whole: true}
	case c.memory != nil && *c.memory > c.lim.memoryBytes:
		return 0, &limitError{reason: tooLargeInMemory(c.lim), whole: true}
	}
	return n, err
}

// xmlWalker reads XML tag by tag, as sheetScanner does, but also measures text, comments and
// nesting, so that nothing excelize's decoder would buffer can grow past a limit. It is not a
// validating parser: excelize reports malformed XML later.
type xmlWalker struct {
	br    *bufio.Reader
	lim   *xlsxLimits
	tag   []byte // the current tag, from after '<' (and '/') to before '>'
	chars int    // characters of the current text token
	depth int
}

// errLongText is a text run (or comment, CDATA...) longer than xlsxLimits.textRun; the
// scanners word it, as they know whether it is a cell's value.
var errLongText = errors.New("long text")

type token int

const (
	tokText token = iota
	tokStart
	tokSelfClosing
	tokEnd
)

// next returns the next token: text (its length in characters in w.chars, an entity counting
// as one), a start tag, a self-closing tag or an end tag (in w.tag). CDATA is text; comments,
// processing instructions and declarations are skipped, each bounded like a text run. io.EOF
// at the end of the part.
func (w *xmlWalker) next() (token, error) {
	b, err := w.br.ReadByte()
	if err != nil {
		return 0, err
	}
	if b != '<' {
		w.br.UnreadByte()
		return tokText, w.text()
	}
	c, err := w.br.ReadByte()
	if err != nil {
		return 0, unexpectedEOF(err)
	}
	switch c {
	case '!':
		if p, _ := w.br.Peek(7); string(p) == "[CDATA[" {
			w.br.Discard(7)
			return tokText, w.until("]]>")
		}
		if p, _ := w.br.Peek(2); string(p) == "--" {
			return w.skip("-->")
		}
		return w.skip(">")
	case '?':
		return w.skip("?>")
	case '/':
		if err := w.readTag(nil); err != nil {
			return 0, err
		}
		if w.depth--; w.depth < 0 {
			w.depth = 0
		}
		return tokEnd, nil
	}
	if err := w.readTag([]byte{c}); err != nil {
		return 0, err
	}
	if n := len(w.tag); n > 0 && w.tag[n-1] == '/' {
		w.tag = w.tag[:n-1]
		return tokSelfClosing, nil
	}
	if w.depth++; w.depth > w.lim.depth {
		return 0, limitf("the XML is nested deeper than %d levels", w.lim.depth)
	}
	return tokStart, nil
}

// skip discards a comment, processing instruction or declaration and reads on.
func (w *xmlWalker) skip(end string) (token, error) {
	if err := w.until(end); err != nil {
		return 0, err
	}
	return w.next()
}

// text reads character data up to the next '<' (not consumed), counting characters.
func (w *xmlWalker) text() error {
	w.chars = 0
	entity := false
	for {
		chunk, err := w.br.ReadSlice('<')
		if err == nil {
			chunk = chunk[:len(chunk)-1]
			w.br.UnreadByte()
		}
		for _, b := range chunk {
			switch {
			case b == '&':
				entity = true
				w.chars++
			case entity:
				entity = b != ';'
			case b&0xC0 != 0x80: // not a UTF-8 continuation byte
				w.chars++
			}
		}
		if w.chars > w.lim.textRun {
			return errLongText
		}
		switch err {
		case nil, io.EOF:
			return nil
		case bufio.ErrBufferFull:
			continue
		default:
			return err
		}
	}
}

// until reads up to and including end, counting the characters before it in w.chars.
func (w *xmlWalker) until(end string) error {
	w.chars = 0
	last := end[len(end)-1]
	var window []byte
	for {
		chunk, err := w.br.ReadSlice(last)
		if err != nil && err != bufio.ErrBufferFull {
			return unexpectedEOF(err)
		}
		for _, b := range chunk {
			if b&0xC0 != 0x80 {
				w.chars++
			}
		}
		if w.chars > w.lim.textRun+len(end) {
			return errLongText
		}
		window = append(window, chunk...)
		if err == nil && bytes.HasSuffix(window, []byte(end)) {
			w.chars -= len(end)
			return nil
		}
		if len(window) > len(end) {
			window = append(window[:0], window[len(window)-len(end):]...)
		}
	}
}

// readTag reads to the '>' that ends a tag ('>' may appear in a quoted value), into w.tag.
func (w *xmlWalker) readTag(start []byte) error {
	w.tag = append(w.tag[:0], start...)
	var quote byte
	for {
		chunk, err := w.br.ReadSlice('>')
		if err != nil && err != bufio.ErrBufferFull {
			return unexpectedEOF(err)
		}
		from := len(w.tag)
		w.tag = append(w.tag, chunk...)
		if len(w.tag) > maxTag {
			return limitf("a tag is longer than %s", size(maxTag))
		}
		for _, b := range w.tag[from:] {
			switch {
			case quote == 0 && (b == '"' || b == '\''):
				quote = b
			case b == quote:
				quote = 0
			}
		}
		if err == nil && quote == 0 {
			w.tag = w.tag[:len(w.tag)-1]
			return nil
		}
	}
}

// elementsOnly checks an XML part excelize may decode into structures: elements and depth.
func (w *xmlWalker) elementsOnly() error {
	n := 0
	for {
		tok, err := w.next()
		if err == io.EOF {
			return nil
		}
		if err == errLongText {
			return limitf("more than %d characters of text between two tags", w.lim.textRun)
		}
		if err != nil {
			return err
		}
		if tok == tokStart || tok == tokSelfClosing {
			if n++; n > w.lim.elements {
				return limitf("the part has more than %d XML elements", w.lim.elements)
			}
		}
	}
}

// worksheet checks a sheet: rows, columns, cells, and the text of each cell.
func (w *xmlWalker) worksheet() error {
	var (
		cells        int64
		row, col     int
		cellDepth    int // depth of the open <c>, 0 outside a cell
		valueDepth   int // depth of the open <v> or <t> in a cell, 0 outside
		chars, elems int
		ref          string
	)
	where := func() string {
		if ref != "" {
			return " (cell " + ref + ")"
		}
		return fmt.Sprintf(" (row %d)", row)
	}
	for {
		tok, err := w.next()
		if err == io.EOF {
			return nil
		}
		if err == errLongText && valueDepth > 0 {
			return limitf("a cell is longer than %d characters%s", w.lim.cellChars, where())
		}
		if err == errLongText {
			err = limitf("more than %d characters of text between two tags", w.lim.textRun)
		}
		if le := asLimit(err); le != nil && row > 0 && !le.whole {
			return limitf("%s%s", le.reason, where())
		}
		if err != nil {
			return err
		}
		switch tok {
		case tokText:
			if valueDepth > 0 {
				if chars += w.chars; chars > w.lim.cellChars {
					return limitf("a cell is longer than %d characters%s", w.lim.cellChars, where())
				}
			}
		case tokStart, tokSelfClosing:
			name, attrs, _ := splitTag(w.tag)
			if cellDepth > 0 {
				if elems++; elems > w.lim.cellElements {
					return limitf("a cell has more than %d XML elements%s", w.lim.cellElements, where())
				}
				if tok == tokStart && (string(name) == "v" || string(name) == "t") && valueDepth == 0 {
					valueDepth = w.depth
				}
				continue
			}
			switch string(name) {
			case "row":
				n := 0
				if v, ok := attr(attrs, "r"); ok {
					n, _ = strconv.Atoi(string(v))
				}
				if n <= 0 {
					n = row + 1
				}
				if n > w.lim.rows {
					return limitf("row %d is beyond the last row a sheet can have (%d)", n, w.lim.rows)
				}
				row, col, ref = n, 0, ""
			case "c":
				if cells++; cells > w.lim.cells {
					return limitf("the sheet has more than %d cells", w.lim.cells)
				}
				col++
				ref = ""
				if v, ok := attr(attrs, "r"); ok {
					ref = string(v)
					if c, ok := column(v); ok {
						col = c
					}
				}
				if col > maxColumns {
					return limitf("a cell is beyond the last column a sheet can have (XFD, %d)%s", maxColumns, where())
				}
				if tok == tokStart {
					cellDepth, chars, elems = w.depth, 0, 0
				}
			}
		case tokEnd:
			if valueDepth > w.depth {
				valueDepth = 0
			}
			if cellDepth > w.depth {
				cellDepth, ref = 0, ""
			}
		}
	}
}

// column reads the column of a cell reference ("AB12" → 28); a column of more than three
// letters is past XFD and returned as maxColumns+1. ok is false for a reference without
// letters, which excelize reports itself.
func column(ref []byte) (int, bool) {
	col, letters := 0, 0
	for i, c := range ref {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
			if letters++; letters > 3 {
				return maxColumns + 1, true
			}
			col = col*26 + int(c|0x20-'a') + 1
		case c == '$' && i == 0:
		default:
			return col, letters > 0
		}
	}
	return col, letters > 0
}

// sharedStrings checks the shared-string table: how many strings, and each one's text.
func (w *xmlWalker) sharedStrings() error {
	var n, siDepth, tDepth, chars, elems int
	for {
		tok, err := w.next()
		if err == io.EOF {
			return nil
		}
		if err == errLongText && tDepth > 0 {
			return limitf("a shared string is longer than %d characters (string %d)", w.lim.cellChars, n)
		}
		if err == errLongText {
			err = limitf("more than %d characters of text between two tags", w.lim.textRun)
		}
		if le := asLimit(err); le != nil && n > 0 && !le.whole {
			return limitf("%s (string %d)", le.reason, n)
		}
		if err != nil {
			return err
		}
		switch tok {
		case tokText:
			if tDepth > 0 {
				if chars += w.chars; chars > w.lim.cellChars {
					return limitf("a shared string is longer than %d characters (string %d)", w.lim.cellChars, n)
				}
			}
		case tokStart, tokSelfClosing:
			name, _, _ := splitTag(w.tag)
			if siDepth > 0 {
				if elems++; elems > w.lim.cellElements {
					return limitf("a shared string has more than %d XML elements (string %d)", w.lim.cellElements, n)
				}
				if tok == tokStart && string(name) == "t" && tDepth == 0 {
					tDepth = w.depth
				}
				continue
			}
			if string(name) == "si" {
				if n++; n > w.lim.sharedStrings {
					return limitf("the workbook has more than %d shared strings", w.lim.sharedStrings)
				}
				if tok == tokStart {
					siDepth, chars, elems = w.depth, 0, 0
				}
			}
		case tokEnd:
			if tDepth > w.depth {
				tDepth = 0
			}
			if siDepth > w.depth {
				siDepth = 0
			}
		}
	}
}
