"""Check that the lock agrees with pyproject.toml: `python scripts/lockcheck.py [ROOT]`;
`--newer JOB` lists what this environment has in other versions than requirements/JOB.txt.

uv.lock must record the requirements pyproject.toml declares now (else someone changed
pyproject.toml without running scripts/lock), and each requirements/<job>.txt must be an
export of that lock which pins, with hashes, every requirement of the extras it names.
Prints one line per problem and exits 1 when there is one.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

REFRESH = "run scripts/lock, and commit uv.lock and requirements/"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
_EXTRA = re.compile(r"--extra[ =](\S+)")
_GROUP = re.compile(r"--group[ =](\S+)")


def _key(name: str, extras, specifier: str, scope: str) -> tuple:
    return (canonicalize_name(name), tuple(sorted(extras or ())), str(SpecifierSet(specifier)),
            scope)


def declared(pyproject: dict) -> set[tuple]:
    """Every requirement pyproject.toml declares, with the extra or group it belongs to."""
    project = pyproject["project"]
    out = {_key(r.name, r.extras, str(r.specifier), "")
           for r in map(Requirement, project.get("dependencies", []))}
    for extra, reqs in project.get("optional-dependencies", {}).items():
        out |= {_key(r.name, r.extras, str(r.specifier), f"extra:{extra}")
                for r in map(Requirement, reqs)}
    for group, reqs in pyproject.get("dependency-groups", {}).items():
        out |= {_key(r.name, r.extras, str(r.specifier), f"group:{group}")
                for r in map(Requirement, reqs)}
    return out


def locked_declarations(lock: dict, project: str) -> set[tuple]:
    """What uv.lock recorded of the project's own requirements when it was made."""
    package = next(p for p in lock["package"] if p["name"] == project)
    metadata = package.get("metadata", {})
    out = set()
    for entry in metadata.get("requires-dist", []):
        found = re.fullmatch(r"extra == '([^']+)'", entry.get("marker", ""))
        scope = f"extra:{found.group(1)}" if found else ""
        out.add(_key(entry["name"], entry.get("extras"), entry.get("specifier", ""), scope))
    for group, entries in metadata.get("requires-dev", {}).items():
        out |= {_key(e["name"], e.get("extras"), e.get("specifier", ""), f"group:{group}")
                for e in entries}
    return out


def wanted(pyproject: dict, extras: list[str], groups: list[str]) -> list[Requirement]:
    """The requirements an install of these extras and groups asks for, self-references
    (`consent-banner[build,server]`) followed."""
    project = pyproject["project"]
    own = canonicalize_name(project["name"])
    out, seen, todo = [], set(), list(extras)
    out += map(Requirement, project.get("dependencies", []))
    while todo:
        extra = todo.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for req in map(Requirement, project.get("optional-dependencies", {}).get(extra, [])):
            if canonicalize_name(req.name) == own:
                todo += sorted(req.extras)
            else:
                out.append(req)
    for group in groups:
        out += map(Requirement, pyproject.get("dependency-groups", {}).get(group, []))
    return out


def pins(text: str) -> dict[str, tuple[str, bool]]:
    """name -> (version, has a hash) for each pinned requirement of an exported file."""
    out, name = {}, None
    for line in text.splitlines():
        found = _PIN.match(line)
        if found:
            name = canonicalize_name(found.group(1))
            out[name] = (found.group(2), False)
        if name and "--hash=sha256:" in line:
            out[name] = (out[name][0], True)
    return out


def problems(root: Path) -> list[str]:
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    lock_path = root / "uv.lock"
    if not lock_path.is_file():
        return [f"uv.lock is missing: {REFRESH}"]
    lock = tomllib.loads(lock_path.read_text(encoding="utf-8"))
    out = []
    build_requires = {_key(r.name, r.extras, str(r.specifier), "group:build-backend")
                      for r in map(Requirement, pyproject["build-system"]["requires"])}
    if not build_requires <= declared(pyproject):
        out.append("pyproject.toml: [build-system] requires and the build-backend dependency "
                   "group differ; keep them the same")
    now, then = declared(pyproject), locked_declarations(lock, pyproject["project"]["name"])
    for key in sorted(now - then):
        out.append(f"uv.lock: {key[0]}{key[2]} ({key[3] or 'dependencies'}) is in "
                   f"pyproject.toml but not in the lock: {REFRESH}")
    for key in sorted(then - now):
        out.append(f"uv.lock: {key[0]}{key[2]} ({key[3] or 'dependencies'}) is locked but no "
                   f"longer in pyproject.toml: {REFRESH}")
    locked_versions = {canonicalize_name(p["name"]): p["version"] for p in lock["package"]}
    files = sorted((root / "requirements").glob("*.txt"))
    if not files:
        out.append(f"requirements/ holds no lock export: {REFRESH}")
    for path in files:
        out += _file_problems(path, pyproject, locked_versions)
    return out


def _file_problems(path: Path, pyproject: dict, locked_versions: dict) -> list[str]:
    text = path.read_text(encoding="utf-8")
    name = f"requirements/{path.name}"
    command = next((line for line in text.splitlines()[:3] if "uv" in line and "export" in line),
                   None)
    if command is None:
        return [f"{name}: not an export of uv.lock (no `uv export` command in its header): "
                f"{REFRESH}"]
    pinned = pins(text)
    out = []
    for package, (version, hashed) in sorted(pinned.items()):
        if not hashed:
            out.append(f"{name}: {package}=={version} has no hash")
        if locked_versions.get(package) != version:
            out.append(f"{name}: {package}=={version}, but uv.lock has "
                       f"{locked_versions.get(package)}: {REFRESH}")
    for req in wanted(pyproject, _EXTRA.findall(command), _GROUP.findall(command)):
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue  # not for this Python or platform
        package = canonicalize_name(req.name)
        if package not in pinned:
            out.append(f"{name}: {req} is required but not pinned: {REFRESH}")
        elif not req.specifier.contains(pinned[package][0], prereleases=True):
            out.append(f"{name}: pins {package}=={pinned[package][0]}, outside {req}: {REFRESH}")
    return out


def newer(root: Path, job: str) -> str:
    """The packages this environment has in another version than requirements/<job>.txt."""
    from importlib import metadata

    out = []
    for package, (version, _) in pins((root / "requirements" / f"{job}.txt").read_text()).items():
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue  # not for this Python or platform
        if installed != version:
            out.append(f"{package} {installed} (locked {version})")
    return ", ".join(out) or "none (the lock holds the newest releases)"


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parent.parent
    if argv[:1] == ["--newer"]:
        print(newer(root, argv[1]))
        return 0
    root = Path(argv[0]) if argv else root
    found = problems(root)
    for line in found:
        print(f"lock: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
