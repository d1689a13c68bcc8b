#!/bin/sh
# Instructions per iteration of each compose stage of benches/overhead.rs (parse, plan, apply,
# and parse + plan + apply end to end, "goal"), on the 200-service model, counted by
# cachegrind: repeatable where wall time is not. Each stage runs under valgrind with 0 and with
# N iterations after the same setup; the difference divided by N is its cost per iteration.
#
#   benches/instructions.sh [N]     # N defaults to 5; needs valgrind
#
# Builds the bench as `cargo bench` does (release settings), with symbols kept so the same
# binary can be profiled with `valgrind --tool=callgrind` and `callgrind_annotate`.
set -eu
n="${1:-5}"
cd "$(dirname "$0")/.."
export CARGO_PROFILE_BENCH_DEBUG=line-tables-only CARGO_PROFILE_BENCH_STRIP=false
bench=$(cargo bench --locked --bench overhead --no-run 2>&1 \
    | sed -n 's/.*Executable benches\/overhead.rs (\(.*\))/\1/p')
[ -x "$bench" ] || { echo "no bench binary built" >&2; exit 1; }
refs() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$bench" --compose-stage "$1" "$2" 2>&1 \
        | sed -n 's/.*I *refs: *//p' | tr -d ,
}
printf '%-28s %14s\n' "stage (200 services)" "instructions"
sum=0
for stage in parse plan apply goal; do
    base=$(refs "$stage" 0)
    with=$(refs "$stage" "$n")
    per=$(( (with - base) / n ))
    [ "$stage" = goal ] || sum=$((sum + per))
    label=$stage
    [ "$stage" = goal ] && label="parse + plan + apply"
    printf '%-28s %14d\n' "$label" "$per"
done
printf '%-28s %14d\n' "sum of the three stages" "$sum"
