# -*- coding: utf-8 -*-
# Copyright (c) alibabacloud.eflo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the release artefacts that tools/dev.sh builds (galaxy, docs, ee steps).

usage:
  release_checks.py tarball TARBALL                      what the collection tarball must and must not hold
  release_checks.py importer IMPORTER_RESULT_JSON        galaxy-importer found the plugins, the role and the docs
  release_checks.py docsite HTML_DIR                     the docsite has a page per plugin and role, the guides
  release_checks.py changelog CHANGELOG_MD FRAGMENTS_DIR every fragment's text is in the rendered changelog
  release_checks.py ee CONTEXT_DIR INTROSPECT_YML VERSION the build context names every dependency

Each prints one line per problem and exits 1 when there is any, 0 otherwise.
"""

from __future__ import annotations

import fnmatch
import html
import json
import re
import sys
import tarfile
from pathlib import Path
from typing import Callable, Dict, Iterable, List

import yaml

MODULES = ("eflo_api", "eflo_task_info", "eflo_task_wait")
ROLES = ("cluster_task",)
RUNTIME_DEPS = ("httpx", "pydantic", "jmespath")
GUIDES = ("guide_awx", "guide_cluster_task", "guide_eflo_api", "guide_eflo_task_info", "guide_eflo_task_wait",
          "guide_offline_testing", "troubleshooting")

# Paths (relative to the collection root) the tarball must contain.
TARBALL_REQUIRED = (
    "MANIFEST.json", "FILES.json", "README.md", "LICENSE", "meta/runtime.yml", "meta/execution-environment.yml",
    "requirements.txt", "bindep.txt", "execution-environment.yml", "changelogs/changelog.yaml",
    "docs/docsite/extra-docs.yml", "docs/docsite/links.yml", "docs/awx.md", "awx/credential_type.yml",
    "roles/cluster_task/README.md", "roles/cluster_task/meta/argument_specs.yml",
    "simulator/pyproject.toml", "simulator/README.md", "simulator/eflo_simulator/__init__.py",
) + tuple("plugins/modules/%s.py" % name for name in MODULES) + (
    "plugins/action/eflo_task_wait.py", "extensions/eda/plugins/event_source/eflo_tasks.py", "extensions/eda/rulebooks/extend_failed.yml",
)
# fnmatch patterns of paths that must not be in the tarball (development files and generated output).
TARBALL_FORBIDDEN = (
    ".venv*", ".git/*", ".gitignore", ".ci/*", "tools/*", "Makefile", "requirements-dev.txt", ".ansible/*",
    "*/__pycache__/*", "*.pyc", "*.egg-info/*", "bench/results/*", "tests/output/*", "docs/docsite/build/*",
    "docs/docsite/temp-rst/*", "simulator/build/*", ".hypothesis/*", ".mypy_cache/*", ".pytest_cache/*",
    "collections/*", "dist/*", "context/*", "importer_result.json", "*.tar.gz",
)


def problems_tarball(tarball: str) -> List[str]:
    with tarfile.open(tarball) as tar:
        names = {name.rstrip("/") for name in tar.getnames()}
    found = []
    found += ["missing from the tarball: %s" % path for path in TARBALL_REQUIRED if path not in names]
    for name in sorted(names):
        for pattern in TARBALL_FORBIDDEN:
            if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(name + "/", pattern.rstrip("*")):
                found.append("in the tarball but should not be (build_ignore in galaxy.yml): %s (%s)" % (name, pattern))
                break
    return found


def problems_importer(result_json: str) -> List[str]:
    data = json.loads(Path(result_json).read_text(encoding="utf-8"))
    contents = {(item.get("content_type"), item.get("name")) for item in data.get("contents", [])}
    found = ["galaxy-importer did not find the module %s" % name for name in MODULES if ("module", name) not in contents]
    found += ["galaxy-importer did not find the role %s" % name for name in ROLES if ("role", name) not in contents]
    docs = data.get("docs_blob", {})
    if not (docs.get("collection_readme") or {}).get("html"):
        found.append("galaxy-importer rendered no README")
    docs_by_name = {(item.get("content_type"), item.get("content_name")): item for item in docs.get("contents", [])}
    for name in MODULES:
        entry = docs_by_name.get(("module", name)) or {}
        if not (entry.get("doc_strings") or {}).get("doc"):
            found.append("galaxy-importer has no documentation of the module %s" % name)
    if str(data.get("requires_ansible", "")).strip() != ">=2.16.0":
        found.append("galaxy-importer read requires_ansible %r, expected '>=2.16.0'" % data.get("requires_ansible"))
    return found


def problems_docsite(html_dir: str) -> List[str]:
    root = Path(html_dir)
    pages = {path.relative_to(root).as_posix() for path in root.rglob("*.html")}
    found = []
    if "index.html" not in pages:
        found.append("the docsite has no index.html in %s" % html_dir)
    for name in MODULES:
        if not any(page.endswith("%s_module.html" % name) for page in pages):
            found.append("the docsite has no page of the module %s" % name)
    for name in ROLES:
        if not any(page.endswith("%s_role.html" % name) for page in pages):
            found.append("the docsite has no page of the role %s" % name)
    for name in GUIDES:
        if not any(page.endswith("docsite/%s.html" % name) for page in pages):
            found.append("the docsite has no page docsite/%s.html" % name)
    troubleshooting = [page for page in pages if page.endswith("docsite/troubleshooting.html")]
    if troubleshooting:
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", (root / troubleshooting[0]).read_text(encoding="utf-8"))).split())
        # a message of docs/bad-input.md, as users see it
        if "task_id is empty: give the TaskId returned by the operation that started the task" not in text:
            found.append("the troubleshooting page does not show the messages of docs/bad-input.md")
    return found


def fragment_texts(fragments_dir: str) -> Iterable[str]:
    for path in sorted(Path(fragments_dir).glob("*.y*ml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for section, entries in data.items():
            if section == "trivial":
                continue
            for entry in entries if isinstance(entries, list) else [entries]:
                yield str(entry)


def words(text: str) -> str:
    """Text without markup and with single spaces, to compare RST fragments with rendered Markdown."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    text = re.sub(r"\\(.)", r"\1", text)  # Markdown backslash escapes
    text = re.sub(r"[`*]", "", text)
    return " ".join(text.split())


def problems_changelog(changelog_md: str, fragments_dir: str) -> List[str]:
    path = Path(changelog_md)
    if not path.exists():
        return ["no rendered changelog at %s" % changelog_md]
    rendered = words(path.read_text(encoding="utf-8"))
    found = []
    for text in fragment_texts(fragments_dir):
        start = words(text)[:60]
        if start not in rendered:
            found.append("the rendered changelog lacks the fragment text %r" % start)
    for heading in ("New Modules",):
        if heading not in rendered:
            found.append("the rendered changelog has no %r section" % heading)
    return found


def problems_ee(context_dir: str, introspect_yml: str, version: str) -> List[str]:
    context = Path(context_dir)
    found = []
    build = context / "_build"
    pip_text = (build / "requirements.txt").read_text(encoding="utf-8") if (build / "requirements.txt").exists() else ""
    pip_names = {re.split(r"[<>=!~\[; ]", line.strip(), maxsplit=1)[0].lower()
                 for line in pip_text.splitlines() if line.strip() and not line.startswith("#")}
    found += ["the build context's requirements.txt does not name %s" % dep for dep in RUNTIME_DEPS if dep not in pip_names]
    galaxy = yaml.safe_load((build / "requirements.yml").read_text(encoding="utf-8")) if (build / "requirements.yml").exists() else {}
    tarball = "alibabacloud-eflo-%s.tar.gz" % version
    names = [str(item.get("name", "")) for item in (galaxy or {}).get("collections", [])]
    if not any(name.endswith(tarball) for name in names):
        found.append("the build context's requirements.yml does not install %s (collections: %s); "
                     "update execution-environment.yml to the version in galaxy.yml" % (tarball, names))
    if not (build / "collections" / tarball).exists():
        found.append("the build context has no collections/%s" % tarball)
    if not (build / "bindep.txt").exists():
        found.append("the build context has no bindep.txt")
    containerfile = next((context / name for name in ("Containerfile", "Dockerfile") if (context / name).exists()), None)
    if containerfile is None:
        found.append("ansible-builder wrote no Containerfile or Dockerfile")
    elif "ansible-galaxy collection install" not in containerfile.read_text(encoding="utf-8"):
        found.append("the %s installs no collection" % containerfile.name)
    introspected = yaml.safe_load(Path(introspect_yml).read_text(encoding="utf-8")) or {}
    python = " ".join(str(line) for line in introspected.get("python") or [])
    for dep in RUNTIME_DEPS:
        if not re.search(r"\b%s\b[^#]*# from collection alibabacloud\.eflo" % dep, python):
            found.append("ansible-builder introspect of the installed collection does not find %s "
                         "(meta/execution-environment.yml)" % dep)
    return found


CHECKS: Dict[str, Callable[..., List[str]]] = {
    "tarball": problems_tarball,
    "importer": problems_importer,
    "docsite": problems_docsite,
    "changelog": problems_changelog,
    "ee": problems_ee,
}


def main(argv: List[str]) -> int:
    if not argv or argv[0] not in CHECKS:
        print(__doc__, file=sys.stderr)
        return 2
    found = CHECKS[argv[0]](*argv[1:])
    for problem in found:
        print("%s: %s" % (argv[0], problem), file=sys.stderr)
    if not found:
        print("%s: ok" % argv[0], file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
