#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds (default 60), seeded with the repository's own test files (IR, printed
# rt programs from the snapshots, pipelines from the RUN lines, the example .npy files), the ONNX models beside the
# checkout (../shared: the bundled models and ONNX's node tests), and small key and ciphertext files of every kind
# (runtime/examples/fuzz_seeds.rs); nn_programs builds its programs itself. Fails on the first crash, whose input
# libFuzzer keeps under fuzz/artifacts/<target>/. Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler
# (libFuzzer). Progress lines are dropped from the output; each target's last lines give its runs, coverage and
# corpus size. TARGETS (space-separated) runs only those.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
all="ir_text rt_clear_run npy_bytes pipeline_text onnx_bytes nn_programs file_framing"
read -r -a targets <<< "${TARGETS:-$all}"
for t in $all; do # every target is seeded below, also one that TARGETS leaves out
    mkdir -p "fuzz/corpus/$t"
done
seed() { # seed TARGET NAME: standard input becomes a seed file of TARGET
    cat > "fuzz/corpus/$1/seed_$(echo "$2" | tr '/ ' '__')"
}
find test -name '*.mlir' | while read -r f; do
    seed ir_text "$f" < "$f"
done
# rt programs: the test files that hold rt calls, and the rt programs the snapshots print (after their header).
grep -rl --include='*.mlir' --include='*.snap' 'rt\.call' test | while read -r f; do
    awk 'FILENAME ~ /\.snap$/ { if (c >= 2) print; if ($0 == "---") c++; next } { print }' "$f" | seed rt_clear_run "$f"
done
cp examples/*.npy fuzz/corpus/npy_bytes/
# Pipelines: every pass the RUN lines name, the named pipelines, and passes with each kind of option.
grep -rh "RUN:" test | grep -oE -- "--[a-z][a-z0-9-]*" | sed 's/^--//' | sort -u | while read -r p; do
    printf '%s' "$p" | seed pipeline_text "pass_$p"
done
for p in nn-to-rt nn-to-rt-lut 'builtin.module(cse,dce)' 'assign-precision{act-frac=4 weight-frac=4},nn-to-he,he-to-rt' \
    'nn-to-rt-lut,he-cost-report{format=json pbs-us=1000}' 'assign-precision,nn-to-he,he-lut-fuse{index-bits=4},he-to-rt{strategy=lut},tfhe-params{p-fail=2^-20 rounding=approximate}' \
    'assign-precision,nn-to-he,he-lazy-rescale{block-aligned=true combine-sums=false},he-to-rt{leveled=false}'; do
    printf '%s' "$p" | seed pipeline_text "$p"
done
# ONNX models up to 64 kB (larger seeds slow every mutation down).
{ find examples ../shared/models ../shared/onnx-node -name '*.onnx' -size -64k 2>/dev/null || true; } | while read -r f; do
    seed onnx_bytes "$f" < "$f"
done
# Key and ciphertext files, written by the runtime itself.
cargo build --workspace --examples --quiet
target/debug/examples/fuzz_seeds fuzz/corpus/file_framing >/dev/null
for t in "${targets[@]}"; do
    echo "== fuzz target $t, $seconds s"
    # nn_programs has no seeds: let libFuzzer try long inputs (more steps) from the start.
    extra=()
    [ "$t" = nn_programs ] && extra=(-max_len=256 -len_control=0)
    RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" "fuzz/corpus/$t" -- -max_total_time="$seconds" -rss_limit_mb=4096 \
        -timeout=30 -print_final_stats=1 "${extra[@]}" 2>&1 | grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)|NEW_FUNC'
done
