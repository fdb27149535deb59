package calling

import (
	"fmt"
	"strings"
)

// Disposition returns the AAPOR final disposition code of a contact with the
// given call history (oldest first) and number of phones: the code it closed
// with, or the code it gets when it is closed by the limits or at the end of
// fieldwork. The rules follow the AAPOR Standard Definitions' guidance for
// cases called several times: what a call learnt about eligibility is never
// forgotten by a later, less telling call.
//
//  1. A final outcome that closes the contact (not one that just retires a
//     number) gives its own code: the last such call wins.
//  2. Else any contact with the household or respondent makes the case
//     eligible but not interviewed (2.x), or an interview (1.x) where a
//     table marks such an outcome non-final. The group is chosen in the
//     order I, P, R (refusal, break-off), O (language, incapacity, ...), NC
//     (respondent never available, answering machine at the respondent's
//     number), and within it the last call's code. So a soft refusal
//     followed by unanswered calls stays a refusal (2.11), and an
//     appointment never kept is 2.21.
//  3. Else a call that found the case not eligible (4.x) gives that code;
//     a number found disconnected, a fax or a wrong number (4.x outcomes
//     with TryOtherNumber) does so only when every number of the contact
//     was retired that way, since the person may be reached at another.
//  4. Else eligibility is unknown (3.x): the last 3.x call's code, except
//     that busy (3.12) is kept only when every such call was busy ("always
//     busy"), as a no-answer or an answering machine tells more.
//  5. A contact never called, or whose remaining numbers were never
//     dialled, is 3.11 (not attempted or worked).
//
// An outcome code missing from the table is an error.
func (t Table) Disposition(calls []Call, phones int) (string, error) {
	phones = min(max(phones, 1), maxPhones)
	var (
		best       = -1 // rank of the best 1.x/2.x group seen
		bestCode   string
		closing    string
		ineligible string // last 4.x that is not a retired number
		retiredNE  string // last 4.x that retired a number
		retired    int
		unknown    string // last non-busy 3.x
		busy       string // last busy 3.x
	)
	rank := map[Symbol]int{NC: 0, O: 1, R: 2, P: 3, I: 4}
	for i, c := range calls {
		o, ok := t.Lookup(c.Outcome)
		if !ok {
			return "", fmt.Errorf("disposition: call %d: outcome %q is not in the table", i+1, c.Outcome)
		}
		sym, err := SymbolOf(o.AAPOR)
		if err != nil {
			return "", fmt.Errorf("disposition: call %d: %w", i+1, err)
		}
		if o.Final && !o.TryOtherNumber {
			closing = o.AAPOR
		}
		if o.TryOtherNumber {
			retired |= 1 << min(max(c.Phone, 0), phones-1)
		}
		switch sym {
		case I, P, R, O, NC:
			if rank[sym] >= best {
				best, bestCode = rank[sym], o.AAPOR
			}
		case NE:
			if o.TryOtherNumber {
				retiredNE = o.AAPOR
			} else {
				ineligible = o.AAPOR
			}
		default: // UH, UR, UO
			if strings.HasPrefix(o.AAPOR, "3.12") {
				busy = o.AAPOR
			} else {
				unknown = o.AAPOR
			}
		}
	}
	switch {
	case closing != "":
		return closing, nil
	case bestCode != "":
		return bestCode, nil
	case ineligible != "":
		return ineligible, nil
	case retiredNE != "" && retired == 1<<phones-1:
		return retiredNE, nil
	case unknown != "":
		return unknown, nil
	case busy != "":
		return busy, nil
	}
	return NotAttempted, nil
}

// NotAttempted is the AAPOR code of a case never called (3.11).
const NotAttempted = "3.11"
