#!/usr/bin/python3
"""Checks that every relative link in README.md and docs/**/*.md resolves to a file tracked by git.

A link is a markdown link or image, [text](target) or ![alt](target); web links (http:, https:, mailto:) are not
followed. A target resolves when it names a tracked file, or a folder holding tracked files; a #fragment on a markdown
file must name one of its headings (GitHub's anchor rule). Prints one line per broken link and
"links: N checked in M files, K broken"; exit status 1 when any is broken. Uses git and the standard library.
Usage: tests/docs/check-links.py   (from anywhere in the repository)
"""
import os
import re
import subprocess
import sys

LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def anchors(path):
    found = set()
    with open(path, encoding="utf-8") as f:
        text = CODE.sub("", f.read())
    for line in text.splitlines():
        m = re.match(r"#{1,6}\s+(.*)", line)
        if m:
            slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
            n = 0
            while (slug if n == 0 else f"{slug}-{n}") in found:
                n += 1
            found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def main():
    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True).stdout.strip()
    os.chdir(root)
    tracked = set(subprocess.run(["git", "ls-files", "-z"], capture_output=True, text=True, check=True).stdout.split("\0")) - {""}
    folders = {os.path.dirname(p) for p in tracked}
    folders |= {f for d in list(folders) for f in [d[:i] for i in range(len(d)) if d[i] == "/"]}
    pages = sorted(p for p in tracked if p == "README.md" or (p.startswith("docs/") and p.endswith(".md")))
    checked = broken = 0
    for page in pages:
        with open(page, encoding="utf-8") as f:
            text = CODE.sub("", f.read())
        for target in LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
                continue
            checked += 1
            path, _, fragment = target.partition("#")
            full = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            ok = full in tracked or full.rstrip("/") in folders
            why = "not a tracked file or folder"
            if ok and fragment and full.endswith(".md") and fragment not in anchors(full):
                ok, why = False, f"no heading #{fragment} in {full}"
            if not ok:
                broken += 1
                print(f"{page}: ({target}): {why}")
    print(f"links: {checked} checked in {len(pages)} files, {broken} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
