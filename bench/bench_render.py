"""Render benchmark: a report with 5,000 findings (plus hostile names, 300 endpoints, 120 migrations) in every
format. The HTML must render in under 2 s and weigh under 5 MB (issue 6); evidence is capped per item there,
while the JSON and SARIF carry all of it.

    /tmp/venv/bin/python bench/bench_render.py [--findings 5000] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from auditor.render.html import render_html
from auditor.render.junit import render_junit
from auditor.render.markdown import render_markdown
from auditor.render.sarif import render_sarif
from auditor.samples import synthetic_report

HTML_SECONDS_LIMIT = 2.0
HTML_BYTES_LIMIT = 5 * 1024 * 1024


def timed(fn, repeat: int) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    report = synthetic_report(findings=args.findings, hostile=True, endpoints=300, migrations=120)
    previous = synthetic_report(findings=args.findings // 2, seed=3, endpoints=300, migrations=120)
    cases = {
        "json": lambda: json.dumps(report, indent=2),
        "html": lambda: render_html(report),
        "html+compare": lambda: render_html(report, previous),
        "sarif": lambda: render_sarif(report),
        "junit": lambda: render_junit(report),
        "markdown": lambda: render_markdown(report, previous),
    }
    print(f"report: {len(report['items'])} items, {args.findings} findings, "
          f"{len(report['inventory']['endpoints'])} endpoints, {len(report['inventory']['migrations'])} migrations; "
          f"median of {args.repeat} runs")
    print(f"{'format':<14}{'seconds':>9}{'size':>12}")
    ok = True
    for name, fn in cases.items():
        seconds, out = timed(fn, args.repeat)
        size = len(out.encode("utf-8"))
        print(f"{name:<14}{seconds:>9.3f}{size / 1024:>10.1f} KB")
        if name.startswith("html") and (seconds >= HTML_SECONDS_LIMIT or size >= HTML_BYTES_LIMIT):
            ok = False
    verdict = "within" if ok else "OVER"
    print(f"HTML {verdict} the limits ({HTML_SECONDS_LIMIT:g} s, {HTML_BYTES_LIMIT // (1024 * 1024)} MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
