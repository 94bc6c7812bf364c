#!/usr/bin/env bash
# Regenerates the README's screenshots from the real app under Xvfb:
#   bash screenshots/make.sh        (needs: apt-get install -y xvfb)
# Each scenario plays a short scripted lecture in the app and saves the window. The dev
# profile is optimised (opt-level 3) and shares its build with `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build
bin=./target/debug/flowlab
shot() { # NAME SCENARIO WxH [--presentation]
  local size=$3
  xvfb-run -a -s "-screen 0 ${size}x24" \
    "$bin" --screenshot "screenshots/$1.png" --scenario "$2" --window-size "$size" "${@:4}"
}
for scenario in editor training before-reflow after-reflow side-by-side one-d comparisons transport guidance your-data runs; do
  shot "$scenario" "$scenario" 1600x1000
done
# The lecture room: every kind of round, at projector sizes, normal and presenting.
for size in 1280x720 1920x1080; do
  shot "lecture-$size" lecture "$size"
  shot "lecture-$size-presenting" lecture "$size" --presentation
done
# An exported figure for the README, from the headless run.
figures=$(mktemp -d)
"$bin" run --preset two-far --distill --figures --quiet --out "$figures/run"
cp "$figures/run/w2_by_steps.png" screenshots/figure-w2_by_steps.png
rm -rf "$figures"
