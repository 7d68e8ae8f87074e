"""What a later start does before its first data frame: Textual's styling and layout work and
the CPU of each phase, for two or more source trees in turn (issue 19).

Each start runs ``rotmon --demo --speed 60`` in a 160x48 pty (as ``bench_start.py``) through a
small wrapper that, once ``build_app`` is called (Textual is imported by then, nothing has run),
counts: stylesheet parses that miss Textual's parse cache, ``Stylesheet.reparse`` and
``App.refresh_css`` calls, style applications (``Stylesheet.apply``, component classes
included), full restyles of node lists (``update_nodes``), layouts of the dashboard screen
(``Screen._refresh_layout``; the default screen's are no work) and frames rendered
(``Compositor.render_update``), and cyclic-collector runs from the process start; and the
process CPU seconds at the end of the imports, at the app's ``on_mount`` and at the first frame
showing data. Counts are exact; the CPU figures are medians and move with the machine's load.

    PYTHONPATH=. .venv/bin/python bench/bench_start_counts.py /tmp/old,/tmp/new [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from bench_start import run  # noqa: E402
from floor import fresh_home  # noqa: E402

WRAPPER = r"""
import gc, json, sys, time
counts = {}
marks = {"python up": time.process_time()}
def bump(key, n=1):
    counts[key] = counts.get(key, 0) + n
def on_gc(phase, info):
    if phase == "stop":
        bump(f"gc gen{info['generation']} runs")
gc.callbacks.append(on_gc)
import importlib.machinery, tui.__main__  # the entry point of `rotmon` and `python -m tui`
class Hook:  # patch tui.wiring when the command imports it (after its gc.disable)
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "tui.wiring":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        execute = spec.loader.exec_module
        def exec_module(module):
            execute(module)
            install(module)
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, Hook)
def install(wiring):
    built = wiring.build_app
    wiring.build_app = lambda *a, **k: build_app(built, *a, **k)
def build_app(built, *args, **kwargs):
    marks["build"] = time.process_time()
    import textual.css.stylesheet as ss
    from textual._compositor import Compositor
    from textual.app import App
    from textual.css.stylesheet import Stylesheet
    from textual.screen import Screen
    import tui.app as ta
    def counted(owner, name, key, only=None):
        original = getattr(owner, name)
        def wrapper(*a, **k):
            if only is None or only(a):
                bump(key)
            return original(*a, **k)
        setattr(owner, name, wrapper)
    parse = ss.parse
    def missed(*a, **k):
        bump("stylesheet parses (cache misses)")
        return parse(*a, **k)
    ss.parse = missed
    counted(Stylesheet, "reparse", "Stylesheet.reparse")
    counted(App, "refresh_css", "App.refresh_css")
    counted(Stylesheet, "apply", "style applications")
    counted(Stylesheet, "update_nodes", "restyles (update_nodes)")
    counted(Screen, "_refresh_layout", "dashboard layouts",
            only=lambda a: type(a[0]).__name__ == "DashboardScreen")
    counted(Compositor, "render_update", "frames rendered")
    mounted = ta.RotmonApp.on_mount
    async def on_mount(self):
        marks["on_mount"] = time.process_time()
        await mounted(self)
    ta.RotmonApp.on_mount = on_mount
    render = ta.RotmonApp._render
    def _render(self, snapshot, **k):
        out = render(self, snapshot, **k)
        if "frame" not in marks:
            marks["frame"] = None
            def done():
                marks["frame"] = time.process_time()
                with open(sys.argv[1], "w") as fh:
                    json.dump({"counts": counts, "marks": marks}, fh)
            self.call_after_refresh(done)
        return out
    ta.RotmonApp._render = _render
    return built(*args, **kwargs)
sys.exit(tui.__main__.main(sys.argv[2:]))
"""

COUNTS = (
    "stylesheet parses (cache misses)",
    "Stylesheet.reparse",
    "App.refresh_css",
    "style applications",
    "restyles (update_nodes)",
    "dashboard layouts",
    "frames rendered",
    "gc gen0 runs",
    "gc gen1 runs",
    "gc gen2 runs",
)
PHASES = (
    ("imports (to build_app)", "python up", "build"),
    ("build_app to on_mount", "build", "on_mount"),
    ("on_mount to first data frame", "on_mount", "frame"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", help="comma-separated source trees")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    trees = [Path(t).resolve() for t in args.trees.split(",")]
    demo = ["--demo", "--speed", "60"]
    homes = {tree: fresh_home() for tree in trees}
    for tree in trees:  # a first start writes the snapshot cache the later starts paint
        run([sys.executable, "-m", "tui", *demo], tree, homes[tree], 0.3)
    print("load", Path("/proc/loadavg").read_text().strip())
    results: dict[Path, list[dict[str, dict[str, float]]]] = {tree: [] for tree in trees}
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "counts.json"
        for _ in range(args.runs):
            for tree in trees:  # in turn, so that the load falls on each alike
                out.unlink(missing_ok=True)
                argv = [sys.executable, "-c", WRAPPER, str(out), *demo]
                run(argv, tree, homes[tree], 0.3)
                results[tree].append(json.loads(out.read_text()))
    print("load", Path("/proc/loadavg").read_text().strip())
    for tree in trees:
        runs = results[tree]
        print(f"{tree} ({len(runs)} later starts)")
        for key in COUNTS:
            values = sorted({r["counts"].get(key, 0) for r in runs})
            print(f"  {key:34} {' / '.join(str(v) for v in values)}")
        for label, start, end in PHASES:
            cpu = statistics.median(r["marks"][end] - r["marks"][start] for r in runs)
            print(f"  CPU {label:30} {cpu * 1000:6.0f} ms")
        total = statistics.median(r["marks"]["frame"] for r in runs)
        print(f"  CPU to the first data frame       {total * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
