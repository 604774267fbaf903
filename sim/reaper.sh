#!/usr/bin/env bash
# Stops a simulated cluster when the process that owns it dies without stopping it (a test runner
# killed with SIGKILL, a crashed test): polls the owner every second, then stops every process
# recorded in DIR/processes.txt, last started first. The owner kills this reaper when it stops the
# cluster itself.
#   sim/reaper.sh OWNER_PID DIR
set -uo pipefail
owner=$1 dir=$2
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
[[ -f $dir/processes.txt ]] || exit 0
tac "$dir/processes.txt" | while IFS=$'\t' read -r pid name match _; do
  grep -qF -- "$match" "/proc/$pid/cmdline" 2>/dev/null || continue
  kill -TERM "$pid" 2>/dev/null || continue
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null && echo "reaper: killed $name ($pid)" || echo "reaper: stopped $name ($pid)"
done
