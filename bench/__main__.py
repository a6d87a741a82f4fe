"""``python -m bench [NAME ...]``: run the registered benchmarks (all by default), print
their markdown reports and refresh their README sections (only where the markers exist)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from bench import load_all

README = Path(__file__).resolve().parent.parent / "README.md"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"


def replace_section(text: str, name: str, body: str) -> str | None:
    """``text`` with the section of ``name`` replaced by ``body``; None without both markers."""
    start, end = markers(name)
    i = text.find(start)
    j = text.find(end, i + len(start)) if i >= 0 else -1
    if i < 0 or j < 0:
        return None
    return text[: i + len(start)] + "\n" + body.strip() + "\n" + text[j:]


def update_readme(name: str, body: str, readme: Path = README) -> str:
    """Rewrite the README section of a benchmark; say what was done."""
    start, _ = markers(name)
    if not readme.is_file():
        return f"{readme} does not exist: report printed only"
    text = readme.read_text("utf-8")
    new = replace_section(text, name, body)
    if new is None:
        return f"no {start} ... end markers in {readme.name}: report printed only"
    if new != text:
        readme.write_text(new, "utf-8")
    return f"{readme.name}: section bench:{name} rewritten"


def main(argv: list[str]) -> int:
    registry = load_all()
    from bench import casework  # noqa: F401  (registers "casework", run after the others)
    from bench import finance  # noqa: F401  (registers "finance", run last)
    names = argv or list(registry)
    unknown = [n for n in names if n not in registry]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(registry)}", file=sys.stderr)
        return 2
    for name in names:
        start = time.perf_counter()
        report = registry[name]()
        print(report)
        print(f"\n({name}: {time.perf_counter() - start:.0f} s; {update_readme(name, report)})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
