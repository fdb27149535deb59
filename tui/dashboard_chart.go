package tui

import (
	"fmt"
	"strings"

	"canvass/store"
)

// Bar charts drawn with block characters. The glyphs carry the picture,
// so the charts read the same without colour.

// eighths are the partial blocks from empty to full.
const eighths = " ▁▂▃▄▅▆▇█"

// axisWidth is the width of the value labels left of a chart.
const axisWidth = 6

// vbars draws one vertical bar per value, h rows high and cw cells apart
// (cw-1 wide and a gap), scaled to the largest value, with eighth-block
// precision; a value above zero shows at least an eighth. The largest
// value labels the top row and 0 the bottom one.
func vbars(vals []int64, h, cw int, st *Styles) []string {
	peak := int64(0)
	for _, v := range vals {
		peak = max(peak, v)
	}
	levels := make([]int64, len(vals))
	for i, v := range vals {
		if peak > 0 && v > 0 {
			levels[i] = max((v*int64(h)*8+peak/2)/peak, 1)
		}
	}
	glyphs := []rune(eighths)
	lines := make([]string, h)
	for r := range h {
		base := int64(h-1-r) * 8
		var b strings.Builder
		b.WriteString(axisLabel(r, h, peak))
		for _, l := range levels {
			g := glyphs[min(max(l-base, 0), 8)]
			b.WriteString(st.ProgressFilled.Render(strings.Repeat(string(g), max(cw-1, 1))))
			if cw > 1 {
				b.WriteByte(' ')
			}
		}
		lines[r] = strings.TrimRight(b.String(), " ")
	}
	return lines
}

// stackedBars draws, for each of calls, a bar of whole cells whose lower
// part (full blocks) is the share in reached and upper part (shade) the
// rest, h rows high, cw cells apart, scaled to the largest call count.
func stackedBars(calls, reached []int64, h, cw int, st *Styles) []string {
	peak := int64(0)
	for _, v := range calls {
		peak = max(peak, v)
	}
	cellsOf := func(v int64) int64 {
		if peak == 0 || v == 0 {
			return 0
		}
		return max((v*int64(h)+peak/2)/peak, 1)
	}
	lines := make([]string, h)
	for r := range h {
		base := int64(h - 1 - r)
		var b strings.Builder
		b.WriteString(axisLabel(r, h, peak))
		for i := range calls {
			total := cellsOf(calls[i])
			hit := min(cellsOf(reached[i]), total)
			w := max(cw-1, 1)
			switch {
			case base < hit:
				b.WriteString(st.ProgressFilled.Render(strings.Repeat("█", w)))
			case base < total:
				b.WriteString(st.Muted.Render(strings.Repeat("▒", w)))
			default:
				b.WriteString(strings.Repeat(" ", w))
			}
			if cw > 1 {
				b.WriteByte(' ')
			}
		}
		lines[r] = strings.TrimRight(b.String(), " ")
	}
	return lines
}

// axisLabel is the value label of row r of h: the peak at the top, 0 at
// the bottom, blank between.
func axisLabel(r, h int, peak int64) string {
	switch r {
	case 0:
		return fmt.Sprintf("%*d ", axisWidth-1, peak)
	case h - 1:
		return fmt.Sprintf("%*d ", axisWidth-1, 0)
	}
	return strings.Repeat(" ", axisWidth)
}

// dayAxis labels a day chart with its first and last day (MM-DD) under
// their bars.
func dayAxis(days []store.DayCount, cw int) string {
	short := func(d string) string {
		if len(d) == len("2006-01-02") {
			return d[5:]
		}
		return d
	}
	first := short(days[0].Day)
	out := strings.Repeat(" ", axisWidth) + first
	if len(days) == 1 {
		return out
	}
	last := short(days[len(days)-1].Day)
	end := axisWidth + (len(days)-1)*cw + len(last) // the last label ends under its bar and the next few cells
	if gap := end - len(out) - len(last); gap >= 1 {
		return out + strings.Repeat(" ", gap) + last
	}
	return out + " … " + last
}
