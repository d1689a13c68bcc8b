#!/bin/sh
# Instruction counts of one hardrun invocation, repeatable under load (see benches/README.md).
#
#   benches/callgrind.sh [HARDRUN] [-- hardrun arguments…]
#
# Runs `hardrun --profile production run … nginx:1.27` (the typical row of benches/overhead.rs)
# under `valgrind --tool=callgrind` in a scratch directory with the bench's cleared
# environment, the fake docker `true` given through HARDRUN_DOCKER. HARDRUN defaults to
# target/profiling/hardrun (`cargo build --profile profiling`: the release build with symbols).
# The instructions up to the exec of `true` are those of hardrun alone: valgrind does not follow
# the exec. Prints the total and keeps callgrind.out in the scratch directory for
# callgrind_annotate when CALLGRIND_KEEP is set.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
hardrun=${1:-$here/target/profiling/hardrun}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then
    set -- --profile production run -d --rm --name web -p 8080:80 \
        -e NGINX_HOST=example.com -e NGINX_PORT=80 \
        -v /srv/site:/usr/share/nginx/html:ro --label app=web nginx:1.27
fi
true_bin=/bin/true
[ -x "$true_bin" ] || true_bin=/usr/bin/true
dir=$(mktemp -d)
mkdir -p "$dir/config"
out="$dir/callgrind.out"
(cd "$dir" && env -i PATH="${PATH:-/usr/bin:/bin}" HOME="$dir" XDG_CONFIG_HOME="$dir/config" \
    HARDRUN_DOCKER="$true_bin" ${DOCKER_HOST:+DOCKER_HOST="$DOCKER_HOST"} \
    valgrind --tool=callgrind --dump-before="*execv*" --callgrind-out-file="$out" "$hardrun" "$@" \
    </dev/null >/dev/null 2>"$dir/valgrind.log") || true
# --dump-before writes one part per exec function entered (execvp, execvpe, …): sum them.
total=$(cat "$out".* | awk '/^summary:/ {s += $2} END {print s}')
echo "instructions: $total ($hardrun $*)"
if [ -n "${CALLGRIND_KEEP:-}" ]; then
    echo "kept: $out"
else
    rm -rf "$dir"
fi
