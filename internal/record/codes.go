package record

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Code names why a value or a header was refused, so that a caller can say it in the user's
// language. The English reason (FieldError.Reason, HeaderError.Reason) stays what the command
// line and reject files print; the code and its arguments carry the same facts.
type Code string

// The codes, with the arguments (Args keys) each carries.
const (
	CodeRequired        Code = "required"         // a required value is empty
	CodeNUL             Code = "nul"              // the value holds a NUL character
	CodeEnum            Code = "enum"             // Values: the allowed values, comma-separated
	CodeCountryFormat   Code = "country_format"   // not two letters
	CodeCountryUnknown  Code = "country_unknown"  // two letters, no such country
	CodeCurrencyFormat  Code = "currency_format"  // not three letters
	CodeCurrencyUnknown Code = "currency_unknown" // three letters, no such currency
	CodeTimestamp       Code = "timestamp"        // not written as a timestamp or date
	CodeTimestampRange  Code = "timestamp_range"  // written right, but no such date or time (a month 13, 30 February)
	CodeYear            Code = "year"             // Min, Max: the years allowed
	CodeDate            Code = "date"             // not YYYY-MM-DD
	CodeDecimal         Code = "decimal"          // not a decimal number
	CodeNotFinite       Code = "not_finite"       // NaN or an infinity
	CodeTooLarge        Code = "too_large"        // Limit: the largest magnitude
	CodeNotWhole        Code = "not_whole"        // not a whole number
	CodeBool            Code = "bool"             // not a boolean
	CodeNegativeAmount  Code = "negative_amount"  // an amount paid, a price or a cost below 0
	CodeNegative        Code = "negative"         // a count below 0
	CodeNotPositive     Code = "not_positive"     // must be greater than 0
	CodeBetween         Code = "between"          // Min, Max
	CodeAtLeast         Code = "at_least"         // Min
	CodeCurrencyNeeded  Code = "currency_needed"  // an amount without a currency
	CodeFieldCount      Code = "field_count"      // Fields: the row's, Header: the header's

	CodeHeaderUnnamed Code = "header_unnamed" // Position: the 1-based column without a name
	CodeHeaderTwice   Code = "header_twice"   // Column
	CodeHeaderMissing Code = "header_missing" // Columns (comma-separated), Kind
	CodeHeaderPseudo  Code = "header_pseudo"  // Column, Kind: a contract column named to pseudonymise
)

// ValueError is a refused value: its English reason, and the same as a code with arguments.
// The parse functions of this package return it.
type ValueError struct {
	Code Code
	Args map[string]string
	msg  string
}

func (e *ValueError) Error() string { return e.msg }

func valueErr(code Code, msg string, kv ...string) *ValueError {
	return &ValueError{Code: code, Args: args(kv...), msg: msg}
}

func args(kv ...string) map[string]string {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// codeOf returns the code and arguments of an error of this package's parse functions.
func codeOf(err error) (Code, map[string]string) {
	var ve *ValueError
	if errors.As(err, &ve) {
		return ve.Code, ve.Args
	}
	return "", nil
}

// number writes a bound the way the English reasons do (%g), and plainly as an argument.
func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func headerErr(code Code, reason string, kv ...string) *HeaderError {
	return &HeaderError{Reason: reason, Code: code, Args: args(kv...)}
}

func missingColumns(kind string, cols []string) *HeaderError {
	list := strings.Join(cols, ", ")
	return headerErr(CodeHeaderMissing, fmt.Sprintf("missing required column %s for kind %s", list, kind), "Columns", list, "Kind", kind)
}
