#!/usr/bin/env python3
"""Re-wraps full-line // comments that are longer than google-java-format's 100 columns.

One-off helper for the reformat commit (ARCHITECTURE.md, "Formatting"): google-java-format re-wraps
javadoc, but it cuts a // comment that is too long at the limit and leaves the cut-off words on a short
line of their own above the next comment line. Run this, `./mvnw spotless:apply`, this again and
`./mvnw spotless:apply` again: each run of consecutive // lines at the same indentation that has a line
over the limit, or (second pass) a few cut-off words left alone mid-sentence because the formatter
indented the comment deeper, is re-flowed as paragraphs of at most 100 columns. Runs with no long line, comments after code, javadoc and /* */
comments are left alone. Paragraphs break at an empty // line and before a line that starts with a
list marker (-, *, 1.) or with extra indentation (an example or a table), which is kept as it is.

Usage: python3 .ci/reflow-line-comments.py [root ...]   (default: src/main/java src/test/java)
"""
import pathlib
import re
import sys
import textwrap

LIMIT = 100
COMMENT = re.compile(r"^(?P<indent>[ ]*)//(?P<text>.*)$")
VERBATIM = re.compile(r"^\s{2,}\S")
LIST_ITEM = re.compile(r"^\s?([-*]|\d+[.)])\s")


def reflow_run(indent, texts):
    prefix = indent + "// "
    width = LIMIT - len(prefix)
    out, paragraph = [], []

    def flush():
        if paragraph:
            words = " ".join(t.strip() for t in paragraph)
            out.extend(prefix + line for line in textwrap.wrap(
                words, width=width, break_long_words=False, break_on_hyphens=False))
            paragraph.clear()

    for text in texts:
        if not text.strip():
            flush()
            out.append(indent + "//")
        elif VERBATIM.match(text):
            flush()
            out.append(indent + "//" + text)  # an indented example or table: kept as it is
        elif LIST_ITEM.match(text):
            flush()
            paragraph.append(text)
        else:
            paragraph.append(text)
    flush()
    return out


def has_orphan(run):
    """A line google-java-format cut off: a few words left alone after a nearly full line, with
    the sentence going on in the next line. It happens where the formatter indents a comment
    deeper than it was (inside a wrapped call chain), so the second pass finds it."""
    texts = [COMMENT.match(line).group("text") for line in run]
    for j in range(1, len(run) - 1):
        words = texts[j].split()
        following = texts[j + 1]
        if (0 < len(words) <= 3 and len(run[j - 1]) >= LIMIT - 25
                and not re.search(r"[.:;!?)]$", texts[j].rstrip())
                and following.strip() and not VERBATIM.match(following)
                and not LIST_ITEM.match(following)):
            return True
    return False


def reflow(source):
    lines = source.split("\n")
    result, i, changed = [], 0, 0
    while i < len(lines):
        match = COMMENT.match(lines[i])
        if not match:
            result.append(lines[i])
            i += 1
            continue
        indent, run = match.group("indent"), []
        while i < len(lines):
            m = COMMENT.match(lines[i])
            if not m or m.group("indent") != indent or m.group("text").startswith("/"):
                break
            run.append(lines[i])
            i += 1
        if not run:  # a /// line: leave it
            result.append(lines[i])
            i += 1
            continue
        if any(len(line) > LIMIT for line in run) or has_orphan(run):
            texts = [COMMENT.match(line).group("text") for line in run]
            new = reflow_run(indent, texts)
            changed += new != run
            result.extend(new)
        else:
            result.extend(run)
    return "\n".join(result), changed


def main(roots):
    total = 0
    for root in roots:
        for path in sorted(pathlib.Path(root).rglob("*.java")):
            text = path.read_text(encoding="utf-8")
            new, changed = reflow(text)
            if changed:
                path.write_text(new, encoding="utf-8")
                total += changed
                print(f"{path}: {changed} comment block(s) re-wrapped")
    print(f"{total} comment block(s) re-wrapped")


if __name__ == "__main__":
    main(sys.argv[1:] or ["src/main/java", "src/test/java"])
