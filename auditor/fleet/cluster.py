"""The Dask client a fleet run submits to: an embedded LocalCluster sized to the machine, or `--scheduler`.

The embedded cluster runs each worker as its own process with one task thread (an audit sets process-wide
state: git's safe environment, the garbage collector's thresholds) and a memory limit: Dask's nanny
restarts a worker that passes it, and the scheduler gives its target to another worker, up to
`distributed.scheduler.allowed-failures` (3) times, after which that target is an error and the rest go on.
The default limit leaves a quarter of the machine to the engines' own processes (semgrep), which the
nanny does not count.
"""
from __future__ import annotations

import logging
import os
import warnings
from contextlib import contextmanager
from typing import Iterator

from auditor.errors import AuditError

DASK_MISSING = "auditor fleet needs Dask: pip install 'backend-auditor[fleet]'"
CONNECT_TIMEOUT = "20s"


def machine_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers(targets: int) -> int:
    return max(1, min(machine_cores(), targets))


def default_memory_limit(workers: int) -> int:
    """Bytes per worker: three quarters of the machine's memory, shared by the workers."""
    import psutil
    return int(psutil.virtual_memory().total * 0.75 / max(1, workers))


@contextmanager
def dask_client(workers: int, scheduler: str | None, memory_limit: str | int | None) -> Iterator[object]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise AuditError(DASK_MISSING) from None
    for name in ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.worker",
                 "distributed.core", "distributed.comm"):
        logging.getLogger(name).setLevel(logging.CRITICAL)   # a killed worker is handled: no log noise
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise AuditError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    limit = memory_limit if memory_limit is not None else default_memory_limit(workers)
    # the scheduler's HTTP endpoint (health, metrics) listens on 127.0.0.1, on 8787 or, when another cluster
    # has it, on a free port: that is fine, and not worth a warning on every second fleet
    warnings.filterwarnings("ignore", message=r"Port \d+ is already in use", category=UserWarning)
    try:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=limit,
                               dashboard_address=None, silence_logs=logging.CRITICAL)
    except ValueError as exc:   # e.g. a memory limit Dask cannot parse
        raise AuditError(f"cannot start the local Dask cluster: {exc}") from None
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
