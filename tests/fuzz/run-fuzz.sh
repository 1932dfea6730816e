#!/bin/bash
# run-fuzz: run one libFuzzer target for a while. The repo's seed corpus is copied into a
# work corpus under WORKDIR (libFuzzer adds what it finds there, never to the repo), crash,
# leak and timeout inputs are written to WORKDIR/artifacts, and the exit status is
# libFuzzer's: 0 when the time ran out with no finding, non-zero on any crash, leak (ASan),
# undefined behaviour (UBSan), slow input (-timeout) or memory blow-up (-rss_limit_mb).
#   run-fuzz.sh TARGET_BINARY SECONDS SEED_CORPUS_DIR DICT WORKDIR
set -eu

if [ $# -ne 5 ]; then
    echo "usage: $0 TARGET_BINARY SECONDS SEED_CORPUS_DIR DICT WORKDIR" >&2
    exit 2
fi
bin=$1 seconds=$2 seeds=$3 dict=$4 work=$5
name=$(basename "$bin")

mkdir -p "$work/corpus" "$work/artifacts"
cp -n "$seeds"/* "$work/corpus/" 2>/dev/null || true

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "$name: fuzzing for $seconds s (corpus $work/corpus, findings in $work/artifacts)"
rc=0
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -dict="$dict" -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
    "$work/corpus" >"$work/log" 2>&1 || rc=$?
tail -n 25 "$work/log"
if [ "$rc" -ne 0 ]; then
    echo "$name: FAILED (exit $rc); the input that triggered it is in $work/artifacts:"
    ls -l "$work/artifacts"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "$name: no crash, leak or UB in $seconds s"
echo "1 passed, 0 failed"
