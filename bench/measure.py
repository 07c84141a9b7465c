"""Run a command and report wall time and the peak resident memory of its largest process."""
from __future__ import annotations

import json
import os
import subprocess
import sys


def measure(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> dict:
    """Runs `cmd` in a fresh child Python so RUSAGE_CHILDREN covers that command alone."""
    probe = (
        "import json,resource,subprocess,sys,time\n"
        "t=time.monotonic()\n"
        "p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE)\n"
        "d=time.monotonic()-t\n"
        "r=resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'seconds':d,'peak_rss_mb':r.ru_maxrss/1024,'cpu_seconds':r.ru_utime+r.ru_stime,"
        "'returncode':p.returncode,'stderr':p.stderr.decode(errors='replace')[-400:]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True,
                         env={**os.environ, **(env or {})}, cwd=cwd, check=True)
    return json.loads(out.stdout)


def fmt(row: dict) -> str:
    return f"{row['seconds']:7.2f} s  {row['peak_rss_mb']:7.0f} MB peak  (cpu {row['cpu_seconds']:.1f} s, exit {row['returncode']})"
