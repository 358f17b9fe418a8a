#!/usr/bin/python3
"""Checks an executed notebook (nbconvert --execute --allow-errors output).

Fails (exit 1, one line per problem) when a code cell did not run, a cell has an error output, or an output the
notebook must show is missing: Deedle tables (HTML with class "spikekit-frame") and Plotly charts (text/html outputs
that carry plotly). Expectations are per notebook, by file-name prefix. Uses only the standard library (json).
Usage: check-executed.py EXECUTED.ipynb
"""
import json
import os
import sys

# prefix: (min tables, min plotly charts, texts that must appear in some output)
EXPECT = {
    "01-": (2, 3, []),
    "02-": (1, 3, ["(lower with RMP-Loss)"]),
    "03-": (2, 4, []),
    "04-": (1, 2, []),
    "05-": (4, 2, ["second pass: 0 run(s) trained", "$.grid.timeSteps[1]", "\\toprule"]),
}


def text_of(output):
    if output.get("output_type") == "stream":
        t = output.get("text", "")
        return "".join(t) if isinstance(t, list) else t
    parts = []
    for value in (output.get("data") or {}).values():
        parts.append("".join(value) if isinstance(value, list) else str(value))
    return "\n".join(parts)


def html_of(output):
    h = (output.get("data") or {}).get("text/html")
    if h is None:
        return None
    return "".join(h) if isinstance(h, list) else h


def main(path):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    problems = []
    tables = charts = 0
    texts = []
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        if cell.get("execution_count") is None:
            problems.append(f"cell {i}: did not run")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {i}: {out.get('ename', 'error')}: {str(out.get('evalue', ''))[:300]}")
            texts.append(text_of(out))
            html = html_of(out)
            if html is not None:
                if 'class="spikekit-frame"' in html:
                    tables += 1
                if "plotly" in html.lower() and "newPlot" in html:
                    charts += 1
    name = os.path.basename(path)
    want_tables, want_charts, want_texts = next((v for k, v in EXPECT.items() if name.startswith(k)), (0, 0, []))
    if tables < want_tables:
        problems.append(f"{tables} Deedle table(s), expected at least {want_tables}")
    if charts < want_charts:
        problems.append(f"{charts} Plotly chart(s), expected at least {want_charts}")
    for t in want_texts:
        if not any(t in x for x in texts):
            problems.append(f"no output contains {t!r}")
    for p in problems:
        print(f"{name}: {p}")
    print(f"{name}: {tables} table(s), {charts} chart(s), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
