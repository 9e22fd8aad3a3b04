"""The package layout: no import cycles, each module importable alone, and no
Flask request objects below the views.

The import graph is read from the source (stdlib ``ast``), so it holds every
import: at module level, inside functions and under ``if TYPE_CHECKING``.
Among the report tables and pages, the exports and the labels (``CHECKED``)
no cycle at all is allowed. The other blueprints still follow the pattern "the
package defines ``bp`` and then imports its views, which import ``bp``"; for
the whole package that one edge (a module of a blueprint package importing
the package) is left out, and no other cycle is allowed.
"""

import ast
import subprocess
import sys
from pathlib import Path

import vaerested

PACKAGE_DIR = Path(vaerested.__file__).parent
#: Module prefixes whose imports among themselves must form no cycle.
CHECKED = ("vaerested.reports", "vaerested.exports", "vaerested.labels")
#: The modules that may read the request, the session and the user.
VIEWS = {"vaerested.reports.pages.views", "vaerested.exports.views"}
#: What a module below the views must not import.
REQUEST_OBJECTS = {
    ("flask", "request"),
    ("flask", "session"),
    ("flask", "g"),
    ("flask_login", "current_user"),
}


def module_name(path: Path, root: Path = PACKAGE_DIR) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = PACKAGE_DIR) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Return the modules of ``known`` that the module ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join(filter(None, [*parent, base]))
            # ``from a import b`` imports a, and a.b when b is a module.
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path = PACKAGE_DIR) -> dict[str, set[str]]:
    mods = modules(root)
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def find_cycle(graph: dict[str, set[str]], nodes: set[str]) -> list[str] | None:
    """Return one cycle among ``nodes`` (a list of modules, first = last), or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ()) & nodes):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(nodes):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def checked(graph) -> set[str]:
    return {m for m in graph if m.startswith(CHECKED)}


def test_the_graph_sees_function_level_and_relative_imports(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("from ..a import f\n")
    (pkg / "sub" / "c.py").write_text("from . import b\n")
    graph = import_graph(pkg)
    assert graph["pkg.a"] == {"pkg.sub", "pkg.sub.b"}
    assert graph["pkg.sub.b"] == {"pkg.a"}
    assert graph["pkg.sub.c"] == {"pkg.sub", "pkg.sub.b"}
    cycle = find_cycle(graph, set(graph))
    assert cycle is not None and {"pkg.a", "pkg.sub.b"} <= set(cycle)
    # Without the function-level import there is no cycle.
    (pkg / "a.py").write_text("def f():\n    pass\n")
    assert find_cycle(import_graph(pkg), set(graph)) is None


def test_reports_exports_and_labels_have_no_import_cycle():
    graph = import_graph()
    nodes = checked(graph)
    assert {"vaerested.labels", "vaerested.exports.views"} <= nodes
    assert "vaerested.reports.tables.build" in nodes
    cycle = find_cycle(graph, nodes)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def blueprint_packages(mods: dict[str, Path]) -> set[str]:
    return {
        name
        for name, path in mods.items()
        if path.name == "__init__.py" and "Blueprint(" in path.read_text("utf-8")
    }


def test_the_whole_package_has_no_import_cycle_but_blueprint_registration():
    graph = import_graph()
    packages = blueprint_packages(modules())
    assert {"vaerested.checkin", "vaerested.reports.pages"} <= packages
    # Without the exemption the blueprint packages are cycles (the check sees them).
    assert find_cycle(graph, set(graph)) is not None
    pruned = {
        name: {m for m in targets if not (m in packages and name.startswith(m + "."))}
        for name, targets in graph.items()
    }
    cycle = find_cycle(pruned, set(pruned))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_report_tables_do_not_import_pages_or_exports():
    graph = import_graph()
    for name in checked(graph):
        if name.startswith("vaerested.reports.tables"):
            bad = {
                m
                for m in graph[name]
                if m.startswith(("vaerested.reports.pages", "vaerested.exports"))
            }
            assert not bad, f"{name} imports {sorted(bad)}"


def _request_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and not node.level:
            for alias in node.names:
                if (node.module, alias.name) in REQUEST_OBJECTS:
                    found.append(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in REQUEST_OBJECTS:
                found.append(f"{node.value.id}.{node.attr}")
    return found


def test_no_request_objects_below_the_views(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import flask\nfrom flask_login import current_user\nflask.g\n")
    assert _request_imports(probe) == ["flask_login.current_user", "flask.g"]
    mods = modules()
    assert VIEWS <= set(mods)
    offenders = {
        name: found
        for name, path in mods.items()
        if name.startswith(CHECKED)
        and name not in VIEWS
        and (found := _request_imports(path))
    }
    assert offenders == {}


def test_the_views_are_the_ones_reading_the_request():
    # The check above is not vacuous: the views do read the request.
    for name in VIEWS:
        assert "flask.request" in _request_imports(modules()[name])


ALONE = """
import importlib, subprocess, sys
for name in sys.argv[1:]:
    code = f"import importlib; importlib.import_module({name!r})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        print(name, done.stderr.strip().splitlines()[-1])
"""


def test_each_module_imports_alone_in_a_fresh_interpreter():
    names = sorted(checked(import_graph()))
    done = subprocess.run(
        [sys.executable, "-c", ALONE, *names],
        capture_output=True,
        text=True,
        timeout=290,
        check=True,
    )
    assert done.stdout == ""
