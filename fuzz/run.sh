#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds (default 60), seeded with the repository's own test files (IR, printed
# rt programs from the snapshots, the example .npy files); fails on the first crash, whose input libFuzzer keeps
# under fuzz/artifacts/<target>/. Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler (libFuzzer).
# Progress lines are dropped from the output; each target's last lines give its runs, coverage and corpus size.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets=(ir_text rt_clear_run npy_bytes)
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t"
done
find test -name '*.mlir' | while read -r f; do
    cp "$f" "fuzz/corpus/ir_text/seed_$(echo "$f" | tr '/' '_')"
done
# rt programs: the test files that hold rt calls, and the rt programs the snapshots print (after their header).
grep -rl --include='*.mlir' --include='*.snap' 'rt\.call' test | while read -r f; do
    awk 'FILENAME ~ /\.snap$/ { if (c >= 2) print; if ($0 == "---") c++; next } { print }' "$f" \
        > "fuzz/corpus/rt_clear_run/seed_$(echo "$f" | tr '/' '_')"
done
cp examples/*.npy fuzz/corpus/npy_bytes/
for t in "${targets[@]}"; do
    echo "== fuzz target $t, $seconds s"
    RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "fuzz/corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=4096 \
        -timeout=30 -print_final_stats=1 2>&1 | grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)|NEW_FUNC'
done
