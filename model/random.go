package model

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// RandomResponse returns a random response of the right form for the
// current stop: a value of the item's type (a choice among the current
// options, a number within a range's bounds, a date near the clock's day,
// ...), now and then don't know or refused where allowed, yes or no for a
// repeat prompt (less often yes as instances accumulate), a skip for an
// item a terminal cannot capture. It does not try to satisfy constraints;
// a caller answering at random (`canvass survey test --auto`) retries
// when an answer is rejected. At a note or the end it returns the zero
// Response.
func (iv *Interview) RandomResponse(r *rand.Rand) Response {
	sc := iv.Current()
	switch sc.Kind {
	case KindRepeatPrompt:
		if r.IntN(sc.Instance+1) == 0 {
			return Response{Value: "yes"}
		}
		return Response{Value: "no"}
	case KindUnsupported:
		return Response{Special: Skipped, Reason: "random test"}
	case KindAcknowledge:
		return Response{Value: "OK"}
	case KindQuestion:
	default:
		return Response{}
	}
	switch x := r.IntN(20); {
	case x == 0 && sc.DontKnow:
		return Response{Special: DontKnow}
	case x == 1 && sc.Refused:
		return Response{Special: Refused}
	case x == 2 && !sc.Required:
		return Response{}
	}
	var resp Response
	switch sc.Type {
	case TypeInteger:
		resp.Value = fmt.Sprint(r.IntN(100))
	case TypeDecimal:
		resp.Value = formatDecimal(float64(r.IntN(10000)) / 100)
	case TypeRange:
		rg := sc.Range
		steps := int((max(rg.Start, rg.End) - min(rg.Start, rg.End)) / rg.Step)
		resp.Value = formatDecimal(min(rg.Start, rg.End) + float64(r.IntN(steps+1))*rg.Step)
	case TypeSelectOne:
		if len(sc.Options) == 0 {
			return Response{Special: DontKnow}
		}
		resp.Value = sc.Options[r.IntN(len(sc.Options))].Name
	case TypeSelectMultiple:
		var picked []string
		for _, o := range sc.Options {
			if r.IntN(2) == 0 {
				picked = append(picked, o.Name)
			}
		}
		if len(picked) == 0 && len(sc.Options) > 0 {
			picked = append(picked, sc.Options[r.IntN(len(sc.Options))].Name)
		}
		resp.Value = strings.Join(picked, " ")
	case TypeRank:
		names := make([]string, len(sc.Options))
		for i, o := range sc.Options {
			names[i] = o.Name
		}
		r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		resp.Value = strings.Join(names, " ")
	case TypeDate:
		resp.Value = iv.clock().AddDate(0, 0, -r.IntN(3650)).Format(time.DateOnly)
	case TypeTime:
		resp.Value = fmt.Sprintf("%02d:%02d", r.IntN(24), r.IntN(60))
	case TypeDateTime:
		resp.Value = iv.clock().Add(-time.Duration(r.IntN(1e6)) * time.Minute).Format(time.RFC3339)
	default:
		words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot"}
		resp.Value = words[r.IntN(len(words))]
	}
	if strings.Contains(" "+resp.Value+" ", " "+OtherName+" ") {
		resp.Other = "something else"
	}
	return resp
}
