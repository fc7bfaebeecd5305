"""The shape of the imports: no cycle between the project's modules, and every import points down the layers
(scripts -> graph -> resolvers -> models -> auth; resolvers and models never import strawberry or starlette).

The layers are import-linter contracts in pyproject.toml; the cycles are found here, over `ast`, because
import-linter's acyclic contract is about sibling packages, not modules. Imports under TYPE_CHECKING and
inside functions count: a cycle hidden there is still two modules that each need the other."""

from __future__ import annotations

import ast
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("graph", "resolvers", "models", "auth", "scripts")

Graph = dict[str, set[str]]


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_names(module: str, path: Path) -> set[str]:
    """Every dotted name `module` imports; for `from X import a`, X.a (a module, or a name in X)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]) if node.level else ""
            source = ".".join(part for part in (base, node.module or "") if part)
            names |= {f"{source}.{alias.name}" for alias in node.names}
    return names


def import_graph() -> Graph:
    modules = project_modules()

    def target(name: str) -> str | None:
        while name and name not in modules:  # `from X import a` where `a` is a name in X: the module X
            name = name.rpartition(".")[0]
        return name or None

    graph: Graph = {}
    for module, path in modules.items():
        graph[module] = {t for t in map(target, imported_names(module, path)) if t and t != module}
    return graph


def find_cycle(graph: Graph) -> list[str] | None:
    """One import cycle as the path of modules around it (first module repeated at the end), or None."""
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return path[path.index(module) :] + [module]
        if module in done:
            return None
        for imported in sorted(graph.get(module, ())):
            cycle = visit(imported, [*path, module])
            if cycle:
                return cycle
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module, [])
        if cycle:
            return cycle
    return None


def test_find_cycle_finds_a_cycle_and_only_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_relative_type_checking_and_function_level_imports():
    graph = import_graph()
    assert "graph.services" in graph["graph.app"]
    assert "graph.edge.documents" in graph["graph.edge.http"]  # `from graph.edge import documents`
    assert "graph.seed" not in graph and "scripts.seed" in graph["scripts.cli"]  # imported inside a function


def test_no_import_cycle_between_the_projects_modules():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_imports_point_down_the_layers():
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0
