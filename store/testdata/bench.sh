#!/bin/sh
# bench.sh measures the store's bulk imports on the real binary (DESIGN §7):
#
#   1. a generated N-row contact CSV (default 1,000,000) imported by
#      `canvass contacts import`, against `sqlite3 .import` of the same file
#      into a table with a primary key and a phone index;
#   2. a generated DNC-number do-not-call file (default 10,000,000) imported
#      by `canvass optout import`, with its time and peak resident memory
#      (budget: 30 s, 256 MiB).
#
# Run it from anywhere: sh store/testdata/bench.sh [N] [DNC]
set -eu
N=${1:-1000000}
DNC=${2:-10000000}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# The stores it makes are encrypted; keep their key files with them.
export XDG_CONFIG_HOME="$dir/config"
(cd "$here/../.." && go build -o "$dir/canvass" .)

# Real North American area codes; numbers 200-0000 upwards in each.
awk -v n="$N" 'BEGIN {
	split("415 212 312 617 206 303 404 512 702 818", ac, " ")
	print "id,phone,email,name,segment"
	for (i = 0; i < n; i++)
		printf "c%d,(%s) %03d-%04d,p%d@example.com,Person %d,s%d\n", i, ac[i % 10 + 1], 200 + int(i / 10) % 800, int(i / 8000) % 10000, i, i, i % 7
}' > "$dir/contacts.csv"
awk -v n="$DNC" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "%03d,%07d\n", 201 + int(i / 8000000), 2000000 + i % 8000000
}' > "$dir/dnc.txt"

# t runs a command under /usr/bin/time and also samples its anonymous
# (heap) memory: bbolt maps the store file, and the pages of it a run
# touches count in its RSS although they are the kernel's page cache.
t() {
	/usr/bin/time -f "%e s elapsed, %M KiB peak RSS (heap and mapped file)" "$@" &
	tp=$!
	anon=0
	while kill -0 "$tp" 2>/dev/null; do
		for p in $(pgrep -P "$tp"); do
			a=$(awk '/^RssAnon/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
			[ "${a:-0}" -gt "$anon" ] && anon=$a
		done
		sleep 0.2
	done
	wait "$tp"
	echo "peak anonymous RSS (heap): $anon KiB"
}

echo "== contacts: $N rows"
# A sample goes into an installed survey.
printf 'id: bench\nversion: "1"\ntitle: Bench\nitems:\n  - name: age\n    type: integer\n    label: Age?\n' > "$dir/bench.yaml"
"$dir/canvass" --db "$dir/c.db" survey add "$dir/bench.yaml" > /dev/null
echo "-- canvass contacts import"
t "$dir/canvass" --db "$dir/c.db" contacts import --survey bench --source client "$dir/contacts.csv"
echo "-- sqlite3 .import (primary key + phone index)"
t sqlite3 "$dir/s.db" \
	"create table contacts(id text primary key, phone text, email text, name text, segment text);" \
	"create index contacts_phone on contacts(phone);" \
	".import --csv --skip 1 $dir/contacts.csv contacts" \
	"select count(*) from contacts;"

echo "== do-not-call: $DNC numbers"
t "$dir/canvass" --db "$dir/d.db" optout import "$dir/dnc.txt"
ls -l "$dir/d.db" | awk '{print "store file:", $5, "bytes"}'
