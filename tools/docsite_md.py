# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docsite pages generated from the collection's Markdown, so that the docsite never repeats them by hand.

    python tools/docsite_md.py           write docs/docsite/rst/<page>.rst for every page of PAGES
    python tools/docsite_md.py --check   exit 1 when a written page differs from what its sources give now

Edit the Markdown source, then run this script (`tools/dev.sh docs` runs `--check`). Needs markdown-it-py.
The converter handles the Markdown these sources use: headings, paragraphs, emphasis, inline code, links,
bullet and numbered lists, fenced code, block quotes and tables (rendered as list-table).
"""

from __future__ import annotations

import argparse
import difflib
import posixpath
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

ROOT = Path(__file__).resolve().parents[1]
RST_DIR = ROOT / "docs" / "docsite" / "rst"
LABEL_PREFIX = "ansible_collections.alibabacloud.eflo.docsite."
BLOB_URL = "https://github.com/alibabacloud/ansible-collection-eflo/blob/main/"  # galaxy.yml repository


@dataclass(frozen=True)
class Page:
    name: str                   # docs/docsite/rst/<name>.rst and the label suffix
    title: str
    sources: Tuple[str, ...]    # Markdown files, relative to the collection root
    optional: Tuple[str, ...] = field(default=())  # sources that may not exist (yet)


PAGES: Tuple[Page, ...] = (
    Page("guide_cluster_task", "Guide: the cluster_task role", ("roles/cluster_task/README.md",)),
    Page("guide_awx", "Guide: AWX and Ansible Automation Platform", ("docs/awx.md",)),
    Page("guide_offline_testing", "Guide: testing pipelines offline with the simulator", ("simulator/README.md",)),
    Page("troubleshooting", "Troubleshooting", ("docs/troubleshooting.md", "docs/bad-input.md"),
         optional=("docs/troubleshooting.md",)),
)

HEADING_CHARS = "=-~^\"'"
CODE_LANGUAGES = {"": "text", "yaml": "yaml+jinja", "yml": "yaml+jinja", "sh": "bash", "shell": "bash", "console": "console"}
# characters after which (and before which) RST inline markup may start (end) without an escaped space
_OPENERS = " \t\n'\"([{<-/:"
_CLOSERS = " \t\n'\")]}>-/:.,;!?\\"


def label(page_name: str) -> str:
    return LABEL_PREFIX + page_name


def escape_text(text: str) -> str:
    """Plain text with the characters RST would read as markup escaped."""
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([*`|])", r"\\\1", text)
    return re.sub(r"_(?=\W|$)", r"\\_", text)


@dataclass
class Inline:
    """RST inline output as pieces: plain text, or markup that needs word boundaries around it."""

    pieces: List[Tuple[bool, str]] = field(default_factory=list)  # (is_markup, text)

    def text(self, value: str) -> None:
        if value:
            self.pieces.append((False, escape_text(value)))

    def markup(self, value: str) -> None:
        self.pieces.append((True, value))

    def render(self) -> str:
        out = ""
        for index, (is_markup, value) in enumerate(self.pieces):
            if is_markup and out and out[-1] not in _OPENERS:
                out += "\\ "
            out += value
            following = self.pieces[index + 1][1] if index + 1 < len(self.pieces) else ""
            if is_markup and following and following[0] not in _CLOSERS:
                out += "\\ "
        return out


def plain(node: SyntaxTreeNode) -> str:
    """The text of an inline node and its children, without markup."""
    if node.type in ("text", "code_inline"):
        return node.content
    if node.type in ("softbreak", "hardbreak"):
        return " "
    return "".join(plain(child) for child in node.children)


def literal(code: str) -> str:
    if code.strip() != code or "``" in code or not code:
        return ":literal:`%s`" % re.sub(r"([`\\])", r"\\\1", code)
    return "``%s``" % code


class Converter:
    def __init__(self, source: str, page_of: Dict[str, str]) -> None:
        self.source = source  # repository-relative path of the Markdown file
        self.page_of = page_of  # repository-relative Markdown path -> label of its page or section

    # ------------------------------------------------------------------------------------------- inline
    def inline(self, node: SyntaxTreeNode) -> str:
        out = Inline()
        self._inline_into(node, out)
        return out.render()

    def _inline_into(self, node: SyntaxTreeNode, out: Inline) -> None:
        for child in node.children:
            kind = child.type
            if kind == "text":
                out.text(child.content)
            elif kind in ("softbreak", "hardbreak"):
                out.text(" ")
            elif kind == "code_inline":
                out.markup(literal(child.content))
            elif kind in ("strong", "em"):
                inner = escape_text(" ".join(plain(child).split()))
                mark = "**" if kind == "strong" else "*"
                if inner:
                    out.markup(mark + inner + mark)
            elif kind == "link":
                out.markup(self.link(child))
            elif kind in ("html_inline", "image"):
                continue
            else:
                self._inline_into(child, out)

    def link(self, node: SyntaxTreeNode) -> str:
        href = str(node.attrs.get("href", ""))
        text = " ".join(plain(node).split()) or href
        if href.startswith("#") or not href:
            return escape_text(text)
        if re.match(r"^[a-z][a-z0-9+.-]*:", href):
            return "`%s <%s>`__" % (re.sub(r"([`<\\])", r"\\\1", text), href)
        path = href.partition("#")[0]
        target = posixpath.normpath(posixpath.join(posixpath.dirname(self.source), path))
        if target in self.page_of:
            return ":ref:`%s <%s>`" % (re.sub(r"([`<\\])", r"\\\1", text), self.page_of[target])
        return "`%s <%s>`__" % (re.sub(r"([`<\\])", r"\\\1", text), BLOB_URL + target)

    # -------------------------------------------------------------------------------------------- blocks
    def blocks(self, node: SyntaxTreeNode, level_offset: int) -> List[str]:
        """RST blocks (each without a trailing blank line) of a node's children."""
        out: List[str] = []
        for child in node.children:
            out.extend(self.block(child, level_offset))
        return out

    def block(self, node: SyntaxTreeNode, level_offset: int) -> List[str]:
        kind = node.type
        if kind == "heading":
            level = int(node.tag[1]) + level_offset
            title = self.inline(node.children[0])
            return ["%s\n%s" % (title, HEADING_CHARS[level] * max(len(title), 3))]
        if kind == "paragraph":
            return [self.inline(node.children[0])] if node.children else []
        if kind in ("fence", "code_block"):
            language = (node.info or "").strip().split(" ")[0].lower() if kind == "fence" else ""
            language = CODE_LANGUAGES.get(language, language)
            body = "\n".join(("   " + line).rstrip() for line in node.content.rstrip("\n").split("\n"))
            return [".. code-block:: %s\n\n%s" % (language, body)]
        if kind in ("bullet_list", "ordered_list"):
            return [self.list_block(node, level_offset)]
        if kind == "blockquote":
            return [indent("\n\n".join(self.blocks(node, level_offset)), "    ")]
        if kind == "table":
            return [self.table(node)]
        if kind in ("hr", "html_block"):
            return []
        raise ValueError("%s: Markdown element %r is not supported by tools/docsite_md.py" % (self.source, kind))

    def list_block(self, node: SyntaxTreeNode, level_offset: int) -> str:
        items = []
        number = int(node.attrs.get("start", 1) or 1)
        for item in node.children:
            marker = "- " if node.type == "bullet_list" else "%d. " % number
            number += 1
            body = "\n\n".join(self.blocks(item, level_offset)) or "\\"
            items.append(marker + indent(body, " " * len(marker))[len(marker):])
        return "\n".join(items) if all("\n\n" not in item for item in items) else "\n\n".join(items)

    def table(self, node: SyntaxTreeNode) -> str:
        rows: List[List[str]] = []
        header_rows = 0
        for section in node.children:  # thead, tbody
            for row in section.children:
                rows.append([self.inline(cell) if cell.children else "" for cell in row.children])
                header_rows += section.type == "thead"
        lines = [".. list-table::", "   :header-rows: %d" % header_rows, ""]
        for row in rows:
            for index, cell in enumerate(row):
                lines.append(("   * - " if index == 0 else "     - ") + cell if cell else ("   * -" if index == 0 else "     -"))
        return "\n".join(line.rstrip() for line in lines)


def indent(text: str, prefix: str) -> str:
    return "\n".join((prefix + line) if line.strip() else "" for line in text.split("\n"))


def parse(text: str) -> SyntaxTreeNode:
    return SyntaxTreeNode(MarkdownIt("commonmark").enable("table").parse(text))


def source_label(page: Page, source: str) -> str:
    """The label of a source: the page's for its first source, a section label for the others."""
    if source == page.sources[0]:
        return label(page.name)
    return label("%s_%s" % (page.name, re.sub(r"\W", "_", posixpath.splitext(posixpath.basename(source))[0])))


def render_page(page: Page, page_of: Dict[str, str]) -> str:
    sources = [s for s in page.sources if (ROOT / s).exists() or s not in page.optional]
    head = [
        ".. Generated by tools/docsite_md.py from %s: edit that, then run `python tools/docsite_md.py`."
        % ", ".join(sources),
        ".. _%s:" % label(page.name),
        "%s\n%s" % (page.title, "=" * len(page.title)),
    ]
    blocks: List[str] = []
    for index, source in enumerate(sources):
        tree = parse((ROOT / source).read_text(encoding="utf-8"))
        children = list(tree.children)
        if index == 0 and children and children[0].type == "heading" and children[0].tag == "h1":
            children = children[1:]  # the page title replaces the first document's own title
        elif index > 0:
            blocks.append(".. _%s:" % source_label(page, source))  # the others become labelled sections
        converter = Converter(source, page_of)
        for child in children:  # headings: the first source's ## is a section, the others' # is
            blocks.extend(converter.block(child, -1 if index == 0 else 0))
    return "\n\n".join(head + blocks).rstrip() + "\n"


def generate() -> Dict[Path, str]:
    page_of = {source: source_label(page, source) for page in PAGES for source in page.sources}
    return {RST_DIR / ("%s.rst" % page.name): render_page(page, page_of) for page in PAGES}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 when a page is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generate().items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current == text:
            continue
        if args.check:
            stale.append(path)
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), str(path), "generated", lineterm="", n=1)
            print("\n".join(list(diff)[:40]), file=sys.stderr)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print("wrote %s" % path.relative_to(ROOT))
    if stale:
        print("out of date: %s\nrun `python tools/docsite_md.py` (with markdown-it-py installed, e.g. .venv-docs/bin/python) "
              "and commit the result" % ", ".join(str(p.relative_to(ROOT)) for p in stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
