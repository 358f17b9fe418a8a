#!/usr/bin/python3
"""Checks an executed notebook (nbconvert --execute --allow-errors output) or the page of its kernel-free twin.

Fails (exit 1, one line per problem) when a code cell did not run, a cell has an error output, or an output the
notebook must show is missing: Deedle tables (HTML with class "spikekit-frame") and Plotly charts (text/html outputs
that carry plotly). Expectations are per notebook, by file-name prefix. A twin's page (NAME.html, written by
SpikeKit.Reporting.Notebooks.NotebookOutput) holds one <div class="spikekit-output"> per output and is held to the same
expectations; in addition each of its charts must have been saved as charts/NN-name.html, and every PNG there must be a
PNG. Uses only the standard library.
Usage: check-executed.py EXECUTED.ipynb | TWIN-PAGE.html
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


def twin_outputs(path, problems):
    """The outputs of a twin's page as notebook-style outputs, after checking its saved chart files."""
    with open(path, encoding="utf-8") as f:
        chunks = f.read().split('<div class="spikekit-output">')[1:]
    charts_dir = os.path.join(os.path.dirname(path), "charts")
    saved = sorted(os.listdir(charts_dir)) if os.path.isdir(charts_dir) else []
    drawn = sum(1 for c in chunks if "plotly" in c.lower() and "newPlot" in c)
    pages = [n for n in saved if n.endswith(".html")]
    if len(pages) != drawn:
        problems.append(f"{drawn} chart(s) on the page but {len(pages)} chart file(s) in {charts_dir}")
    for n in saved:
        if n.endswith(".png"):
            with open(os.path.join(charts_dir, n), "rb") as f:
                head = f.read(8)
            if head != b"\x89PNG\r\n\x1a\n" or os.path.getsize(os.path.join(charts_dir, n)) < 5000:
                problems.append(f"{n}: not a PNG of a drawn chart")
    return [{"execution_count": 1, "outputs": [{"output_type": "display_data", "data": {"text/html": c}}]} for c in chunks]


def main(path):
    problems = []
    if path.endswith(".html"):
        cells = twin_outputs(path, problems)
        for c in cells:
            c["cell_type"] = "code"
    else:
        with open(path, encoding="utf-8") as f:
            cells = json.load(f).get("cells", [])
    tables = charts = 0
    texts = []
    for i, cell in enumerate(cells):
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
    if path.endswith(".html") and not cells:
        problems.append("the twin's page has no output")
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
