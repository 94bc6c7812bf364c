#!/usr/bin/env bash
# Regenerates the README's screenshots from the real app under Xvfb:
#   bash screenshots/make.sh        (needs: apt-get install -y xvfb)
# Each scenario plays a short scripted lecture in the app and saves the window.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
for scenario in editor training before-reflow after-reflow side-by-side one-d comparisons transport guidance your-data; do
  xvfb-run -a -s "-screen 0 1600x1000x24" \
    ./target/release/flowlab --screenshot "screenshots/$scenario.png" --scenario "$scenario"
done
# An exported figure for the README, from the headless run.
figures=$(mktemp -d)
./target/release/flowlab run --preset two-far --distill --figures --quiet --out "$figures/run"
cp "$figures/run/w2_by_steps.png" screenshots/figure-w2_by_steps.png
rm -rf "$figures"
