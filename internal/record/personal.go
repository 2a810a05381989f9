package record

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// The contract stores no buyer names, e-mails, phones, addresses or tax ids (LGPD and its
// Latin American cousins). Contract columns hold none, but a source's extra columns are kept
// as attributes, so each one is checked: by its header (in English, Spanish, Portuguese and
// Chinese) and by each value (e-mail, phone and tax-id shapes, with check digits where they
// are cheap). What looks personal is dropped and counted, or pseudonymised when the user
// names the column as an identifier (ParseOptions.Pseudonymise).

// personalWords are header words that name personal data on their own, compared with a
// header's words (lower case, accents removed).
var personalWords = map[string]bool{
	// contact
	"email": true, "mail": true, "correo": true, "phone": true, "telephone": true, "tel": true, "telefono": true,
	"telefone": true, "celular": true, "cel": true, "movil": true, "mobile": true, "whatsapp": true, "fax": true,
	// names
	"surname": true, "firstname": true, "lastname": true, "fullname": true, "apellido": true, "apellidos": true,
	"sobrenome": true, "destinatario": true, "recipient": true, "receiver": true,
	// addresses
	"address": true, "addr": true, "direccion": true, "endereco": true, "domicilio": true, "calle": true, "rua": true,
	"street": true, "logradouro": true, "bairro": true, "colonia": true, "barrio": true, "cep": true, "zip": true,
	"zipcode": true, "postal": true, "postcode": true,
	// tax and identity documents
	"cpf": true, "cnpj": true, "curp": true, "rfc": true, "rut": true, "ruc": true, "dni": true, "cuit": true,
	"cuil": true, "nit": true, "rg": true, "nif": true, "ssn": true, "passport": true, "pasaporte": true,
	"passaporte": true, "document": true, "documento": true, "doc": true, "cedula": true, "taxid": true,
	// other
	"birth": true, "birthday": true, "birthdate": true, "dob": true, "nacimiento": true, "nascimento": true,
	"ip": true,
}

// nameWords name a person only with a person qualifier or alone: "nome", "buyer_name", but
// not "product_name" or "campaign_name".
var nameWords = map[string]bool{"name": true, "nome": true, "nombre": true}

var personQualifiers = map[string]bool{
	"buyer": true, "customer": true, "client": true, "cliente": true, "comprador": true, "compradora": true,
	"recipient": true, "receiver": true, "destinatario": true, "contact": true, "contato": true, "contacto": true,
	"full": true, "first": true, "last": true, "given": true, "family": true, "user": true, "usuario": true,
	"shipping": true, "billing": true, "completo": true, "social": true, "razon": true, "razao": true,
}

// personalStems are found inside a header written without separators ("buyeremail",
// "telefonecliente"); only stems too long to occur by chance.
var personalStems = []string{"email", "correo", "telefon", "celular", "whatsapp", "address", "direccion",
	"endereco", "nacimiento", "nascimento", "birth", "passport", "pasaport", "passaport", "document",
	"apellido", "sobrenome", "surname", "firstname", "lastname", "fullname", "zipcode", "postalcode",
	"codigopostal", "phone", "cpf", "cnpj", "curp"}

// personalCJK are Chinese words for the same, found anywhere in a header.
var personalCJK = []string{"姓名", "名字", "电话", "手机", "地址", "邮箱", "邮件", "身份证", "证件", "生日",
	"出生", "联系", "收件人", "收货人", "邮编", "护照", "税号"}

// foldAccents turns "endereço" into "endereco".
func foldAccents(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

// PersonalHeader reports whether a column header names personal data (see personalWords).
func PersonalHeader(header string) bool {
	h := foldAccents(NormalizeHeader(header))
	for _, w := range personalCJK {
		if strings.Contains(h, w) {
			return true
		}
	}
	words := strings.FieldsFunc(h, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	hasName, qualified := false, len(words) == 1
	for _, w := range words {
		if personalWords[w] {
			return true
		}
		hasName = hasName || nameWords[w]
		qualified = qualified || personQualifiers[w]
	}
	if hasName && qualified {
		return true
	}
	joined := strings.Join(words, "")
	for _, s := range personalStems {
		if strings.Contains(joined, s) {
			return true
		}
	}
	return false
}

var (
	emailRE = regexp.MustCompile(`[^\s@<>()\[\],;:"]+@[^\s@<>()\[\],;:"]+\.[A-Za-z]{2,}`)
	// CPF 000.000.000-00, CNPJ 00.000.000/0000-00, RUT 12.345.678-K, CUIT 20-12345678-3
	cpfRE  = regexp.MustCompile(`^\d{3}\.\d{3}\.\d{3}-\d{2}$`)
	cnpjRE = regexp.MustCompile(`^\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}$`)
	rutRE  = regexp.MustCompile(`^\d{1,2}\.?\d{3}\.?\d{3}-[\dkK]$`)
	cuitRE = regexp.MustCompile(`^(20|23|24|27|30|33|34)-\d{8}-\d$`)
	curpRE = regexp.MustCompile(`^[A-Z][AEIOUX][A-Z]{2}\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[HMX](AS|BC|BS|CC|CL|CM|CS|CH|DF|DG|GT|GR|HG|JC|MC|MN|MS|NT|NL|OC|PL|QT|QR|SP|SL|SR|TC|TS|TL|VZ|YN|ZS|NE)[B-DF-HJ-NP-TV-Z]{3}[A-Z\d]\d$`)
	rfcRE  = regexp.MustCompile(`^[A-ZÑ&]{3,4}\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[A-Z\d]{2}[A\d]$`)
	// a phone: an optional +, digits and the separators people write in phone numbers
	phoneRE  = regexp.MustCompile(`^\+?[\d\s().-]+$`)
	numberRE = regexp.MustCompile(`^[+-]?\d+(\.\d+)?$`)
)

// PersonalValue reports whether a value looks like personal data: an e-mail address
// anywhere in it; a phone number (with a leading + or written with separators, 10–15
// digits); a CPF, CNPJ, RUT, CUIT/CUIL, CURP or RFC in its written form; or 11 or 14 bare
// digits whose check digits make a valid CPF, RUC, CUIT or CNPJ. Plain numbers, dates and
// times are not phones.
func PersonalValue(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 6 || len(v) > 4096 && !strings.Contains(v, "@") {
		return false
	}
	if strings.Contains(v, "@") && emailRE.MatchString(v) {
		return true
	}
	upper := strings.ToUpper(v)
	switch {
	case cpfRE.MatchString(v), cnpjRE.MatchString(v), cuitRE.MatchString(v), curpRE.MatchString(upper), rfcRE.MatchString(upper):
		return true
	case rutRE.MatchString(v) && rutValid(v):
		return true
	}
	digits := onlyDigits(v)
	if len(digits) == len(v) {
		switch len(digits) {
		case 11:
			return cpfValid(digits) || rucValid(digits) || cuitValid(digits)
		case 14:
			return cnpjValid(digits)
		}
		return false
	}
	plusDigits := strings.HasPrefix(v, "+") && !strings.Contains(v, ".") // "+56912345678"
	if (numberRE.MatchString(v) && !plusDigits) || !phoneRE.MatchString(v) {
		return false
	}
	n := len(digits)
	return (strings.HasPrefix(v, "+") && n >= 8 && n <= 15) || (n >= 10 && n <= 15 && !strings.Contains(v, ":"))
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func digitsOf(s string) []int {
	d := make([]int, len(s))
	for i := range s {
		d[i] = int(s[i] - '0')
	}
	return d
}

// cpfValid checks a CPF's two mod-11 check digits (and refuses 000…, 111…, which pass).
func cpfValid(s string) bool {
	d := digitsOf(s)
	if strings.Count(s, s[:1]) == len(s) {
		return false
	}
	for k := 9; k <= 10; k++ {
		sum := 0
		for i := 0; i < k; i++ {
			sum += d[i] * (k + 1 - i)
		}
		if c := sum * 10 % 11 % 10; c != d[k] {
			return false
		}
	}
	return true
}

// cnpjValid checks a CNPJ's two mod-11 check digits.
func cnpjValid(s string) bool {
	d := digitsOf(s)
	if strings.Count(s, s[:1]) == len(s) {
		return false
	}
	w1 := []int{5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}
	w2 := append([]int{6}, w1...)
	for k, w := range [][]int{w1, w2} {
		sum := 0
		for i, x := range w {
			sum += d[i] * x
		}
		c := sum % 11
		if c < 2 {
			c = 0
		} else {
			c = 11 - c
		}
		if c != d[12+k] {
			return false
		}
	}
	return true
}

// rucValid checks a Peruvian RUC (10, 15, 17 or 20 and SUNAT's mod-11 check digit, where
// 10 becomes 0 and 11 becomes 1).
func rucValid(s string) bool {
	switch s[:2] {
	case "10", "15", "17", "20":
	default:
		return false
	}
	return checkDigit(s, map[int]int{10: 0, 11: 1})
}

// cuitValid checks an Argentine CUIT/CUIL (a known prefix and AFIP's mod-11 check digit,
// where 11 becomes 0 and 10 becomes 9).
func cuitValid(s string) bool {
	switch s[:2] {
	case "20", "23", "24", "27", "30", "33", "34":
	default:
		return false
	}
	return checkDigit(s, map[int]int{11: 0, 10: 9})
}

// checkDigit compares the 11th digit with 11 - (weighted sum mod 11), remapped by fix.
func checkDigit(s string, fix map[int]int) bool {
	d := digitsOf(s)
	sum := 0
	for i, x := range []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2} {
		sum += d[i] * x
	}
	c := 11 - sum%11
	if f, ok := fix[c]; ok {
		c = f
	}
	return c == d[10]
}

// rutValid checks a Chilean RUT's mod-11 check digit (0–9 or K).
func rutValid(s string) bool {
	s = strings.ReplaceAll(s, ".", "")
	i := strings.IndexByte(s, '-')
	body, check := s[:i], strings.ToUpper(s[i+1:])
	sum, mul := 0, 2
	for j := len(body) - 1; j >= 0; j-- {
		sum += int(body[j]-'0') * mul
		if mul++; mul > 7 {
			mul = 2
		}
	}
	want := ""
	switch r := 11 - sum%11; r {
	case 11:
		want = "0"
	case 10:
		want = "K"
	default:
		want = string(rune('0' + r))
	}
	return check == want
}
