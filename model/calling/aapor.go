package calling

import (
	"fmt"
	"math/big"
	"strings"
)

// Symbol is one of the case groups the AAPOR Standard Definitions (10th
// edition, 2023) compute outcome rates from.
type Symbol string

// The AAPOR case groups, and the codes that fall in them (at any depth:
// "2.1", "2.11", "2.112" are all R).
const (
	I  Symbol = "I"  // 1.1 complete interview
	P  Symbol = "P"  // 1.2 partial interview
	R  Symbol = "R"  // 2.1 refusal and break-off
	NC Symbol = "NC" // 2.2 non-contact
	O  Symbol = "O"  // 2.3 other eligible non-interview
	UH Symbol = "UH" // 3.1 unknown if household / housing unit
	UR Symbol = "UR" // 3.2 household, unknown if eligible respondent (screener not completed)
	UO Symbol = "UO" // 3.3–3.9 unknown eligibility, other
	NE Symbol = "NE" // 4 not eligible
)

// Symbols lists the case groups in the order reports show them.
func Symbols() []Symbol { return []Symbol{I, P, R, NC, O, UH, UR, UO, NE} }

// SymbolOf returns the case group of an AAPOR disposition code. Codes are
// read by prefix: the digit before the dot is the category (1 interview, 2
// eligible non-interview, 3 unknown eligibility, 4 not eligible), the first
// digit after it the group. Category codes that span groups ("1", "2.0",
// "3") are ambiguous and rejected, as is anything that is not a code.
func SymbolOf(code string) (Symbol, error) {
	c := strings.TrimSpace(code)
	if c == "" {
		return "", fmt.Errorf("empty AAPOR code")
	}
	cat, rest, dotted := strings.Cut(c, ".")
	if len(cat) != 1 || (dotted && rest == "") {
		return "", fmt.Errorf("%q is not an AAPOR code", code)
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return "", fmt.Errorf("%q is not an AAPOR code", code)
		}
	}
	group := byte('0')
	if rest != "" {
		group = rest[0]
	}
	switch cat {
	case "1":
		switch group {
		case '1':
			return I, nil
		case '2':
			return P, nil
		}
	case "2":
		switch group {
		case '1':
			return R, nil
		case '2':
			return NC, nil
		case '3':
			return O, nil
		}
	case "3":
		switch group {
		case '1':
			return UH, nil
		case '2':
			return UR, nil
		case '3', '4', '5', '6', '7', '8', '9':
			return UO, nil
		}
	case "4":
		return NE, nil
	}
	if group == '0' && strings.Trim(rest, "0") == "" && strings.ContainsAny(cat, "123") {
		return "", fmt.Errorf("AAPOR code %q is a whole category; give the group (%s.1, %s.2, ...)", code, cat, cat)
	}
	return "", fmt.Errorf("unknown AAPOR code %q", code)
}

// CodeCount is the number of cases with one final disposition code.
type CodeCount struct {
	Code  string `json:"code"`
	Count int64  `json:"count"`
}

// Counts are the cases of a study by AAPOR group, with the codes they came
// from.
type Counts struct {
	I, P, R, NC, O, UH, UR, UO, NE int64
	// Codes are the counts by disposition code, in the order first seen;
	// a code given twice is summed.
	Codes []CodeCount
}

// Add counts n cases of an AAPOR disposition code.
func (c *Counts) Add(code string, n int64) error {
	if n < 0 {
		return fmt.Errorf("negative count %d", n)
	}
	s, err := SymbolOf(code)
	if err != nil {
		return err
	}
	p := c.field(s)
	if *p > maxInt64-n {
		return fmt.Errorf("count for %s overflows", s)
	}
	*p += n
	code = strings.TrimSpace(code)
	for i := range c.Codes {
		if c.Codes[i].Code == code {
			c.Codes[i].Count += n
			return nil
		}
	}
	c.Codes = append(c.Codes, CodeCount{Code: code, Count: n})
	return nil
}

const maxInt64 = 1<<63 - 1

// Get returns the number of cases in group s.
func (c *Counts) Get(s Symbol) int64 {
	if p := c.field(s); p != nil {
		return *p
	}
	return 0
}

func (c *Counts) field(s Symbol) *int64 {
	switch s {
	case I:
		return &c.I
	case P:
		return &c.P
	case R:
		return &c.R
	case NC:
		return &c.NC
	case O:
		return &c.O
	case UH:
		return &c.UH
	case UR:
		return &c.UR
	case UO:
		return &c.UO
	case NE:
		return &c.NE
	}
	return nil
}

// Rate is one AAPOR outcome rate. Value is nil when the rate is undefined
// (its denominator is zero): an undefined rate is not 0.
type Rate struct {
	Name    string
	Formula string
	Value   *big.Rat
}

// Rates are the AAPOR outcome rates of a study, computed exactly.
type Rates struct {
	// E is the estimated share of unknown-eligibility cases that are
	// eligible, nil when it cannot be estimated. EGiven says it was given
	// rather than estimated.
	E      *big.Rat
	EGiven bool
	// Rates are RR1–RR6, COOP1–COOP4, REF1–REF3 and CON1–CON3, in that order.
	Rates []Rate
}

// Get returns the rate called name ("RR3"); ok is false when there is no
// such rate or it is undefined.
func (r Rates) Get(name string) (v *big.Rat, ok bool) {
	for _, x := range r.Rates {
		if x.Name == name {
			return x.Value, x.Value != nil
		}
	}
	return nil, false
}

// ComputeRates computes the AAPOR outcome rates of the Standard Definitions
// (10th edition), with UR (3.20, unknown if eligible respondent) counted with
// the other unknowns:
//
//	RR1 = I / ((I+P) + (R+NC+O) + (UH+UR+UO))
//	RR2 = (I+P) / ((I+P) + (R+NC+O) + (UH+UR+UO))
//	RR3 = I / ((I+P) + (R+NC+O) + e(UH+UR+UO))
//	RR4 = (I+P) / ((I+P) + (R+NC+O) + e(UH+UR+UO))
//	RR5 = I / ((I+P) + (R+NC+O))
//	RR6 = (I+P) / ((I+P) + (R+NC+O))
//	COOP1 = I / ((I+P) + R + O)        COOP2 = (I+P) / ((I+P) + R + O)
//	COOP3 = I / ((I+P) + R)            COOP4 = (I+P) / ((I+P) + R)
//	REF1 = R / ((I+P) + (R+NC+O) + (UH+UR+UO))
//	REF2 = R / ((I+P) + (R+NC+O) + e(UH+UR+UO))
//	REF3 = R / ((I+P) + (R+NC+O))
//	CON1 = ((I+P) + R + O) / ((I+P) + (R+NC+O) + (UH+UR+UO))
//	CON2 = ((I+P) + R + O) / ((I+P) + (R+NC+O) + e(UH+UR+UO))
//	CON3 = ((I+P) + R + O) / ((I+P) + (R+NC+O))
//
// NE cases are left out. When e is nil it is estimated as the eligible share
// of the cases whose eligibility is known, (I+P+R+NC+O)/(I+P+R+NC+O+NE), the
// default of the AAPOR outcome rate calculator; if that is 0/0, e and the
// rates that use it are undefined. A given e must lie in [0, 1].
func ComputeRates(c Counts, e *big.Rat) (Rates, error) {
	n := func(s ...Symbol) *big.Rat {
		sum := new(big.Rat)
		for _, x := range s {
			sum.Add(sum, new(big.Rat).SetInt64(c.Get(x)))
		}
		return sum
	}
	out := Rates{EGiven: e != nil}
	if e != nil {
		if e.Sign() < 0 || e.Cmp(big.NewRat(1, 1)) > 0 {
			return Rates{}, fmt.Errorf("e = %s is not between 0 and 1", e.RatString())
		}
		out.E = new(big.Rat).Set(e)
	} else {
		out.E = div(n(I, P, R, NC, O), n(I, P, R, NC, O, NE))
	}

	interviews := n(I, P)
	known := n(I, P, R, NC, O)
	unknown := n(UH, UR, UO)
	contacted := n(I, P, R, O)
	all := new(big.Rat).Add(known, unknown)
	var est *big.Rat // known + e·unknown, nil when e is undefined
	if out.E != nil {
		est = new(big.Rat).Mul(out.E, unknown)
		est.Add(est, known)
	}
	i, r := n(I), n(R)
	out.Rates = []Rate{
		{"RR1", "I/((I+P)+(R+NC+O)+(UH+UR+UO))", div(i, all)},
		{"RR2", "(I+P)/((I+P)+(R+NC+O)+(UH+UR+UO))", div(interviews, all)},
		{"RR3", "I/((I+P)+(R+NC+O)+e(UH+UR+UO))", div(i, est)},
		{"RR4", "(I+P)/((I+P)+(R+NC+O)+e(UH+UR+UO))", div(interviews, est)},
		{"RR5", "I/((I+P)+(R+NC+O))", div(i, known)},
		{"RR6", "(I+P)/((I+P)+(R+NC+O))", div(interviews, known)},
		{"COOP1", "I/((I+P)+R+O)", div(i, n(I, P, R, O))},
		{"COOP2", "(I+P)/((I+P)+R+O)", div(interviews, n(I, P, R, O))},
		{"COOP3", "I/((I+P)+R)", div(i, n(I, P, R))},
		{"COOP4", "(I+P)/((I+P)+R)", div(interviews, n(I, P, R))},
		{"REF1", "R/((I+P)+(R+NC+O)+(UH+UR+UO))", div(r, all)},
		{"REF2", "R/((I+P)+(R+NC+O)+e(UH+UR+UO))", div(r, est)},
		{"REF3", "R/((I+P)+(R+NC+O))", div(r, known)},
		{"CON1", "((I+P)+R+O)/((I+P)+(R+NC+O)+(UH+UR+UO))", div(contacted, all)},
		{"CON2", "((I+P)+R+O)/((I+P)+(R+NC+O)+e(UH+UR+UO))", div(contacted, est)},
		{"CON3", "((I+P)+R+O)/((I+P)+(R+NC+O))", div(contacted, known)},
	}
	return out, nil
}

// div is num/den, or nil when den is nil or zero.
func div(num, den *big.Rat) *big.Rat {
	if den == nil || den.Sign() == 0 {
		return nil
	}
	return new(big.Rat).Quo(num, den)
}

// ParseE reads a value of e given on the command line: a decimal ("0.4") or
// a fraction ("2/5") between 0 and 1.
func ParseE(s string) (*big.Rat, error) {
	e, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return nil, fmt.Errorf("e %q is not a number", s)
	}
	if e.Sign() < 0 || e.Cmp(big.NewRat(1, 1)) > 0 {
		return nil, fmt.Errorf("e %q is not between 0 and 1", s)
	}
	return e, nil
}
