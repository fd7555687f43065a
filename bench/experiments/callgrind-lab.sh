#!/usr/bin/env bash
# EXPERIMENT (issue 13): script-lab.ts against a private redis-server run under callgrind, so each
# variant is measured in instructions per call (deterministic; wall-clock µs on a shared 2-core box
# are not). Usage: bench/experiments/callgrind-lab.sh [rounds] [batch] [variant…]
# LAB_SCRIPT=handoff-lab.ts runs that experiment instead, with the arguments given.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mktemp -d)
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --loglevel warning \
  >"$dir/redis.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; if [ -n "${LAB_KEEP:-}" ]; then echo "dumps kept in $dir"; else rm -rf "$dir"; fi' EXIT
until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.2; done
REDIS_URL="redis://127.0.0.1:$port" LAB_CALLGRIND_PID=$pid LAB_CALLGRIND_OUT="$dir/cg.out" \
  node --import tsx "bench/experiments/${LAB_SCRIPT:-script-lab.ts}" "${1:-2}" "${2:-200}" "${@:3}"
