#!/bin/sh
# firstframe.sh measures start to first frame of the interviewer console on
# the real binary (DESIGN §7: ≤ 150 ms on a 1 M-contact store).
#
# It builds canvass, makes a store with the demo customer-satisfaction
# survey and an N-row generated sample (default 1,000,000; the rows of
# store/testdata/bench.sh), signs an interviewer in once through the
# console, as a real first start does, so that later starts open on a
# prefilled sign-in screen, and then starts `canvass --db STORE` RUNS times
# (default 9) in a detached 100×30 tmux session, polling `tmux capture-pane`
# until the screen shows:
#
#   first frame  the sign-in screen's heading;
#   prefilled    the remembered interviewer's id in it (read from the store,
#                which may come a frame later);
#   home         after Enter signs in, the home screen's survey figures
#                (completed, open, refused), which are read from the store.
#
# Each figure is printed per start and as the median. The clock starts just
# before `tmux new-session` (a tmux server is already running), so a figure
# includes tmux starting the process, Go's start, opening the store and the
# console's first render, and up to one polling interval (capture-pane takes
# a few ms a call; the script prints what a trivial program's first text
# costs the same way, as the floor). The load average is printed with the
# figures: a loaded machine makes them slower and noisier.
#
#   sh tui/testdata/firstframe.sh [N] [RUNS]
#
# FIRSTFRAME_DIR=DIR keeps the store and its key file in DIR and reuses a
# store already made there (the import takes about a minute), so that
# builds can be measured on the same store. FIRSTFRAME_BIN="A B ..." measures
# those binaries instead of building one, taking turns start by start, so
# that a change in the machine's load hits them alike (before/after).
# The tui package's BenchmarkFirstFrame opens the same store with
# CANVASS_BENCH_DB=DIR/c.db CANVASS_BENCH_KEYS=DIR/config/canvass/keys.
set -eu
N=${1:-1000000}
RUNS=${2:-9}
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${FIRSTFRAME_DIR:-}" ]; then
	mkdir -p "$FIRSTFRAME_DIR"
	dir=$(cd "$FIRSTFRAME_DIR" && pwd)
else
	dir=$(mktemp -d)
fi
sock="canvass-firstframe-$$"
out=$(mktemp -d)
sockpath=
cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null || true
	[ -z "$sockpath" ] || rm -f "$sockpath" # kill-server leaves it
	rm -rf "$out"
	[ -n "${FIRSTFRAME_DIR:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
# The stores it makes are encrypted; keep their key files with them.
export XDG_CONFIG_HOME="$dir/config"
if [ -z "${TERM:-}" ] || [ "$TERM" = dumb ]; then
	export TERM=xterm-256color # tmux wants to know what the client is
fi
db="$dir/c.db"
bins=${FIRSTFRAME_BIN:-}
if [ -z "$bins" ]; then
	bins="$out/canvass"
	(cd "$here/../.." && go build -o "$bins" .)
fi
first=${bins%% *}

if [ ! -f "$db" ]; then
	echo "== making a $N-contact store in $dir"
	awk -v n="$N" 'BEGIN {
		split("415 212 312 617 206 303 404 512 702 818", ac, " ")
		print "id,phone,email,name,segment"
		for (i = 0; i < n; i++)
			printf "c%d,(%s) %03d-%04d,p%d@example.com,Person %d,s%d\n", i, ac[i % 10 + 1], 200 + int(i / 10) % 800, int(i / 8000) % 10000, i, i, i % 7
	}' >"$out/contacts.csv"
	"$first" --db "$db.tmp" survey add "$here/../../surveys/demo/csat.yaml"
	/usr/bin/time -f "import: %e s" "$first" --db "$db.tmp" contacts import --survey northwind-csat --source client "$out/contacts.csv"
	mv "$db.tmp" "$db"
	rm -f "$out/contacts.csv"
fi
ls -l "$db" | awk '{print "store file:", $5, "bytes"}'

# now prints the time in milliseconds, to the microsecond.
now() { date +%s%6N | awk '{printf "%.3f", $1 / 1000}'; }

# ms prints $1 - $2 in milliseconds.
ms() { echo "$1 $2" | awk '{printf "%.1f\n", $1 - $2}'; }

# The server outlives the sessions, so its start is never measured.
tmux -L "$sock" new-session -d -s keep -x 100 -y 30 "sleep 86400"
sockpath=$(tmux -L "$sock" display-message -p "#{socket_path}")

# start runs command $2 in a new session $1.
start() {
	tmux -L "$sock" new-session -d -s "$1" -x 100 -y 30 -e "XDG_CONFIG_HOME=$XDG_CONFIG_HOME" "$2"
}

# waitfor polls session $1 until its screen contains $2, for about a minute.
waitfor() {
	i=0
	until tmux -L "$sock" capture-pane -p -t "$1" 2>/dev/null | grep -qF -- "$2"; do
		i=$((i + 1))
		if [ "$i" -gt 10000 ]; then
			echo "firstframe: session $1 never showed \"$2\"; it shows:" >&2
			tmux -L "$sock" capture-pane -p -t "$1" >&2 || true
			exit 1
		fi
	done
}

# stop quits the console with ^C and waits until it has exited, so that the
# next start does not wait for the store's lock.
stop() {
	tmux -L "$sock" send-keys -t "$1" C-c
	i=0
	while tmux -L "$sock" has-session -t "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 3000 ]; then
			echo "firstframe: session $1 did not quit" >&2
			exit 1
		fi
		sleep 0.01
	done
}

# The first start on this store signs an interviewer in, as a person
# would, so that the console remembers them.
start signin "exec '$first' --db '$db'"
waitfor signin "Sign in to start interviewing"
sleep 0.5 # the remembered interviewer, if any, is on its way
if ! tmux -L "$sock" capture-pane -p -t signin | grep -qF "› ff01"; then
	tmux -L "$sock" send-keys -t signin ff01
	waitfor signin "› ff01"
	tmux -L "$sock" send-keys -t signin Enter "Frank First"
	waitfor signin "› Frank First"
	tmux -L "$sock" send-keys -t signin Enter
	waitfor signin "completed ("
fi
stop signin

echo "== start to first frame: $RUNS starts of canvass --db STORE in tmux 100x30"
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary  start  first-frame-ms  prefilled-ms  home-ms  floor-ms"
r=1
while [ "$r" -le "$RUNS" ]; do
	b=0
	for bin in $bins; do
		b=$((b + 1))
		s="run$r-$b"
		t0=$(now)
		start "$s" "exec '$bin' --db '$db'"
		waitfor "$s" "Sign in to start interviewing"
		t1=$(now)
		waitfor "$s" "› ff01"
		t2=$(now)
		tmux -L "$sock" send-keys -t "$s" Enter
		waitfor "$s" "completed ("
		t3=$(now)
		stop "$s"
		# The floor: a program that prints the heading at once.
		t4=$(now)
		start "floor$r-$b" "printf 'Sign in to start interviewing'; exec sleep 60"
		waitfor "floor$r-$b" "Sign in to start interviewing"
		t5=$(now)
		tmux -L "$sock" kill-session -t "floor$r-$b"
		printf "%6d  %5d  %14s  %12s  %7s  %8s\n" "$b" "$r" "$(ms "$t1" "$t0")" "$(ms "$t2" "$t0")" "$(ms "$t3" "$t2")" "$(ms "$t5" "$t4")"
		ms "$t1" "$t0" >>"$out/first.$b"
		ms "$t2" "$t0" >>"$out/filled.$b"
		ms "$t3" "$t2" >>"$out/home.$b"
		ms "$t5" "$t4" >>"$out/floor.$b"
	done
	r=$((r + 1))
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -n "$1" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
b=0
for bin in $bins; do
	b=$((b + 1))
	echo "median of binary $b ($bin): first frame $(median "$out/first.$b") ms, prefilled $(median "$out/filled.$b") ms, home after Enter $(median "$out/home.$b") ms; floor $(median "$out/floor.$b") ms"
done
