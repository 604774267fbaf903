"""Runs a notebook server's command so that it dies with the runner that started it.

    python launch.py RUNNER_PID COMMAND [ARG...]

sim/notebook-runner.ts starts each server through this: the kernel sends SIGTERM to this process
when its parent (the runner) exits for any reason, SIGKILL included (prctl PR_SET_PDEATHSIG, which
survives the exec below), so no server outlives its runner. If the runner is already gone, it exits.
"""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1

runner = int(sys.argv[1])
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
if os.getppid() != runner:  # the runner died before prctl took effect
    sys.exit(1)
os.execvp(sys.argv[2], sys.argv[2:])
