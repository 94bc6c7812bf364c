#!/usr/bin/env bash
# Fault injection for `flowlab run` (issue 17): kills a run while it writes its folder,
# starts two runs on one folder at once, presses Ctrl-C while the figure set is drawn.
# Prints one line per case: what was tried and that nothing was lost or mixed.
# Exits non-zero if any case lost or mixed anything.
#
#   bash scripts/faults.sh [path/to/flowlab]      (default: target/debug/flowlab)
set -u
BIN=${1:-target/debug/flowlab}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -x "$BIN" ] || { echo "faults.sh: no flowlab binary at $BIN (build it first)"; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
FAILED=0

cat > tiny.toml <<'TOML'
reflows = 1
reflow_steps = 20
reflow_pairs = 200
pair_steps = 10
[net]
width = 16
depth = 2
[train]
steps = 30
batch = 64
report_every = 5
[eval]
w2_points = 100
coverage_points = 200
w2_repeats = 1
floor_repeats = 1
path_steps = 10
step_counts = [1, 4]
trajectory_particles = 10
TOML

run() { "$BIN" run --preset two-far --settings tiny.toml "$@"; }
# In the background, flowlab itself must be the process $! names (signals go to it), so the
# subshell execs it.
run_bg() { exec "$BIN" run --preset two-far --settings tiny.toml "$@"; }

# A fingerprint of a folder: every file's name and checksum.
fingerprint() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 md5sum); }

# True when the folder is one whole run: every file metrics.json, the run card, the session
# and (with figures) the figure index name is there, and the figure index lists only files
# that exist.
complete() {
    local d=$1
    for f in metrics.json rounds.csv losses.csv run_card.md session.flowlab; do
        [ -s "$d/$f" ] || return 1
    done
    if [ -f "$d/README.md" ]; then
        grep -o '([a-zA-Z0-9_.+-]*\.\(png\|svg\))' "$d/README.md" | tr -d '()' | sort -u |
            while read -r f; do [ -s "$d/$f" ] || exit 1; done || return 1
    fi
    return 0
}

fail() { echo "FAIL: $*"; FAILED=1; }

no_leftovers() {
    ! ls -a "$WORK" | grep -q -e '\.out\.partial-' -e '\.out\.old-'
}

# Waits until file $1 contains $2 (at most $3 tenths of a second).
wait_for() {
    local i=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1)); [ "$i" -gt "$3" ] && return 1; sleep 0.1
    done
}

# 1. SIGKILL at different moments while the new run draws and writes its folder.
run --seed 1 --quiet --out out || { echo "FAIL: the first run did not finish"; exit 1; }
OLD=$(fingerprint out)
kills=0 old=0 new=0
for delay in 0 0.05 0.1 0.2 0.4 0.7 1.0 1.5 2.0 3.0; do
    run_bg --seed 2 --figures --figure-size 1280x720 --out out 2> log &
    pid=$!
    wait_for log "drawing the figure set" 600 || { fail "run 2 never reached the write: $(tail -c 300 log)"; break; }
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    if [ "$(fingerprint out)" = "$OLD" ]; then
        old=$((old + 1))
    elif complete out && grep -q '"seed": 2' out/metrics.json; then
        new=$((new + 1))
        # Put the old run back for the next try.
        run --seed 1 --quiet --out out || fail "rerun of the old run failed"
    else
        fail "after kill -9 at +${delay}s the folder is neither the old run nor a whole new one"
        fingerprint out | head -20
        break
    fi
done
run --seed 3 --quiet --out out || fail "a run after the kills failed"
complete out && grep -q '"seed": 3' out/metrics.json || fail "the run after the kills is not whole"
no_leftovers || fail "staging folders left after the next run: $(ls -a "$WORK")"
echo "kill -9 while writing the folder ($kills kills, 0-3 s into the write): each time the folder was entirely the old run ($old) or entirely the new one ($new); the next run left no staging folder: nothing lost or mixed"

# 2. Two runs on one folder at once.
run --seed 4 --quiet --out out || fail "the base run failed"
run_bg --seed 5 --train-steps 10000 --out out 2> first.log &
first=$!
wait_for first.log "1-RF" 300 || fail "the first run never started training"
run --seed 6 --quiet --out out 2> second.log
second=$?
wait "$first"
first_status=$?
if [ "$second" -eq 2 ] && grep -q "another flowlab run" second.log && [ "$first_status" -eq 0 ] &&
    complete out && grep -q '"seed": 5' out/metrics.json && no_leftovers; then
    echo "two runs on one folder at once: the second was refused at once (exit 2, \"$(tr -d '\n' < second.log | cut -c1-60)…\"), the first finished and the folder is entirely its run: nothing lost or mixed"
else
    fail "concurrent runs: second exit $second, first exit $first_status; $(cat second.log)"
fi

# 3. Ctrl-C while drawing the figure set.
BEFORE=$(fingerprint out)
run_bg --seed 7 --reflows 3 --figures --figure-size 3840x2160 --out out 2> ctrlc.log &
pid=$!
if wait_for ctrlc.log "drawing the figure set" 600; then
    sleep 0.3
    start=$(date +%s.%N)
    kill -INT "$pid"
    wait "$pid"
    status=$?
    took=$(echo "$(date +%s.%N) - $start" | bc)
    if [ "$status" -eq 130 ] && [ "$(echo "$took < 1" | bc)" -eq 1 ] &&
        [ "$(fingerprint out)" = "$BEFORE" ] && no_leftovers; then
        echo "Ctrl-C while drawing the figure set: exit 130 after ${took:0:4} s, the folder still holds the previous run unchanged, no staging folder left: nothing lost or mixed"
    else
        fail "Ctrl-C: exit $status after $took s; $(tail -c 200 ctrlc.log)"
    fi
else
    fail "the Ctrl-C run never reached the figure set"
fi

exit $FAILED
