#!/usr/bin/env bash
# Fuzz/run.sh SECONDS: builds TemplateTrack's libFuzzer targets (-sanitize=fuzzer,address, in
# .build-fuzz, apart from the normal build) and runs each for SECONDS, starting from seeds made
# from samples/ and the hostile-zip corpus. Exits non-zero if any target crashes, traps, leaks,
# hangs past the timeout or runs out of memory; the input that did it is saved in
# .build-fuzz/artifacts/. The corpus each run grows is kept in .build-fuzz/corpus/ for the next;
# Fuzz/regressions/TARGET/ holds inputs that once found a bug, run first every time.
# FUZZ_SKIP_PREFIX_CHECK=1 lets the template target look for crashes past the known
# mayRecognize/recognize disagreement (Fuzz/README.md).
set -euo pipefail
seconds=${1:?usage: Fuzz/run.sh SECONDS [TARGET...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
scratch="$root/.build-fuzz"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzArchiveReader FuzzTemplateRecognizer)
swift=${SWIFT:-swift}
# libFuzzer reports the crash itself; Swift's own backtracer trips AddressSanitizer when it runs.
export SWIFT_BACKTRACE=enable=no

flags=(-c release --package-path "$root/Fuzz" --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
started=$(date +%s)
"$swift" build "${flags[@]}" >&2
echo "fuzz build: $(( $(date +%s) - started )) s" >&2
bin=$("$swift" build "${flags[@]}" --show-bin-path)

python3 "$root/Fuzz/make-seeds.py" "$scratch/seeds" >&2
mkdir -p "$scratch/artifacts"
status=0
for target in "${targets[@]}"; do
    case "$target" in
    FuzzArchiveReader) dict="$root/Fuzz/zip.dict" ;;
    FuzzTemplateRecognizer) dict="$root/Fuzz/templates.dict" ;;
    *) echo "unknown target $target" >&2; exit 64 ;;
    esac
    corpus="$scratch/corpus/$target"
    log="$scratch/$target.log"
    mkdir -p "$corpus"
    echo "== $target for $seconds s (log: $log)" >&2
    set +e
    inputs=("$corpus" "$scratch/seeds/$target")
    # Inputs that once found a bug run first, every time.
    [ -d "$root/Fuzz/regressions/$target" ] && inputs+=("$root/Fuzz/regressions/$target")
    "$bin/$target" "${inputs[@]}" -dict="$dict" -max_total_time="$seconds" \
        -max_len=65536 -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$scratch/artifacts/$target-" >"$log" 2>&1
    code=$?
    set -e
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$( (grep -E '^#[0-9]+' "$log" || true) | tail -1 | sed -n 's/.*\(cov: [0-9]*\).*\(ft: [0-9]*\).*/\1, \2/p')
    units=$(find "$corpus" -type f | wc -l)
    if [ "$code" -ne 0 ]; then
        echo "$target: FAILED (exit $code) after ${runs:-?} runs; see $log and $scratch/artifacts/" >&2
        grep -E 'ERROR|Fatal error|failure|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
        echo "reproduce with: $bin/$target ARTIFACT" >&2
        status=1
    else
        echo "$target: ${runs:-?} runs in $seconds s, ${rate:-?} execs/s, $cov, corpus $units inputs, no crash" >&2
    fi
done
exit $status
