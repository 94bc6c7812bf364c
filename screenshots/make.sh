#!/usr/bin/env bash
# Regenerates the README's screenshots from the real app under Xvfb:
#   bash screenshots/make.sh [lecture]   (needs: apt-get install -y xvfb)
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
# `bash screenshots/make.sh lecture` redoes only the lecture room and the figures.
if [[ "${1:-}" != lecture ]]; then
  for scenario in editor training before-reflow after-reflow adaptive side-by-side one-d comparisons transport guidance your-data runs; do
    shot "$scenario" "$scenario" 1600x1000
  done
fi
# The lecture room: every kind of round, trained once by the CLI (the app's defaults are the
# CLI's) and opened as a session at projector sizes, normal and presenting.
figures=$(mktemp -d)
"$bin" run --preset two-far --distill --ot-cfm --diffusion --guidance --consistency --shortcut \
  --meanflow --figures --quiet \
  --out "$figures/run"
for size in 1280x720 1920x1080; do
  for mode in "" --presentation; do
    name="lecture-$size${mode:+-presenting}"
    xvfb-run -a -s "-screen 0 ${size}x24" "$bin" --screenshot "screenshots/$name.png" \
      --open "$figures/run/session.flowlab" --window-size "$size" $mode
  done
done
# Exported figures for the README, from the same headless run.
for stem in within_mode_w2_by_steps transport_cost showdown; do
  cp "$figures/run/$stem.png" "screenshots/figure-$stem.png"
done
rm -rf "$figures"
