"""Cost of the program model (auditor/program) on one repository: parsing, inventory and endpoints (which
the audit does anyway), then the model itself (modules, calls, summaries to a fixpoint, flows), with the peak
memory of the process. Compare the model's seconds with a cold audit of the same tree (`auditor audit
<root> --no-cache`).

    python bench/bench_program.py /tmp/netbox
    python bench/generate_repo.py /tmp/bench250k --lines 250000 && python bench/bench_program.py /tmp/bench250k

A repository with JavaScript/TypeScript server code also gets the JS model's line (auditor/program/js): the
whole model's CPU seconds and, within them, the taint pass's (request data to sinks through calls).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.endpoints import extract_endpoints  # noqa: E402
from auditor.inventory import build_inventory  # noqa: E402
from auditor.program import build_program  # noqa: E402
from auditor.program.js import build_js_program  # noqa: E402
from auditor.program.js.model import server_files  # noqa: E402
from auditor.repo import Repository  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    args = parser.parse_args()
    if not args.root.is_dir():
        print(f"error: {args.root} is not a directory", file=sys.stderr)
        return 2
    started = time.perf_counter()
    repo = Repository.scan(args.root)
    lines = 0
    for rel in repo.paths("python"):
        repo.python_ast(rel)
        lines += len(repo.lines(rel))
    parsed = time.perf_counter()
    endpoints = extract_endpoints(repo, build_inventory(repo))
    inventoried = time.perf_counter()
    model = build_program(repo, endpoints.endpoints)
    done = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{lines:,} Python lines: parse {parsed - started:.1f} s, inventory and endpoints "
          f"{inventoried - parsed:.1f} s, program model {done - inventoried:.1f} s "
          f"(build {model.stats['build_seconds']} s, summaries {model.stats['summary_seconds']} s); "
          f"peak RSS {peak:.0f} MB")
    print(f"{model.stats['modules']} modules, {model.stats['functions']} functions, {model.stats['entries']} "
          f"request handlers, {model.stats['analyses']} function analyses, flows by kind: "
          f"{dict(Counter(f.kind for f in model.flows))}")
    files = server_files(repo)
    if files:
        js_lines = sum(len(repo.lines(rel)) for rel in files)
        js = build_js_program(repo, files)
        print(f"{js_lines:,} JS/TS lines in {len(files)} server files: JS model {js.seconds:.2f} s CPU (taint "
              f"{js.taint_seconds:.2f} s), {len(js.functions)} functions, {js.calls_resolved()} resolved calls, "
              f"flows by kind: {dict(Counter(f.kind for f in js.flows))}, {len(js.open_flows)} from uncalled "
              f"helpers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
