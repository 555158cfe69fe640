"""The package's import structure: no import cycles, private names kept private,
modules of a readable size.

The import graph is read from the source with :mod:`ast` (nothing is imported), so
the checks see every import: at module level, inside functions (lazy imports) and
under ``TYPE_CHECKING``.  A lazy import still ties two modules together, which is
why it counts.

* Module level: no cycle among the package's modules.
* Subpackage level: each module belongs to a unit, the first name below
  ``spinglass_gan`` (a subpackage such as ``rmt`` or a module directly in the
  package such as ``_validation``); no cycle among the units.  The package's own
  ``__init__`` (the public facade) is left out: it imports every unit and no unit
  may import it (checked separately).
* Private means private to the package that holds it: a module ``_x`` or a name
  ``_x`` defined in package P may be imported only by modules inside P (P's own
  modules and its subpackages).  So ``spinglass_gan._validation`` serves the whole
  package, while ``spinglass_gan.rmt._dyson_kernels`` serves ``rmt`` alone.
* Modules stay under 600 lines (reported, as an expected failure, while some do not).

``python tests/test_architecture.py`` prints the units in dependency order, the
cycles and the offenders.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "spinglass_gan"
MAX_LINES = 600


def package_modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted name -> file of every module of the package (``__init__`` as the package)."""
    out = {}
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_package(name: str, modules: dict[str, Path]) -> bool:
    return name in modules and modules[name].name == "__init__.py"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


Import = tuple[str, str | None, int]


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    """(target module, imported name or None, line) for each import of the package
    in the module ``name``.  ``from P import x`` targets the module P.x where that is
    a module, else P with the name x."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = name if _is_package(name, modules) else name.rpartition(".")[0]
    out: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    out.append((alias.name, None, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not (source == PACKAGE or source.startswith(PACKAGE + ".")):
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                if sub in modules:
                    out.append((sub, None, node.lineno))
                else:
                    out.append((source, alias.name, node.lineno))
    return out


def import_graph(root: Path = ROOT) -> tuple[dict[str, set[str]], list[tuple]]:
    """Module -> modules it imports (within the package), and every import as
    (importer, target, name, line)."""
    modules = package_modules(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    edges = []
    for name, path in modules.items():
        for target, imported, line in imports_of(name, path, modules):
            # A target that is not a module of ours (a typo, a removed module) is an
            # import error that the tests of that module report.
            if target in modules and target != name:
                graph[name].add(target)
            edges.append((name, target, imported, line))
    return graph, edges


def unit(module: str) -> str:
    """The first name below the package (the package itself for its ``__init__``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def unit_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Unit -> units it imports, the facade ``__init__`` left out."""
    out: dict[str, set[str]] = {}
    for module, targets in graph.items():
        if module == PACKAGE:
            continue
        u = unit(module)
        out.setdefault(u, set())
        out[u].update(unit(t) for t in targets if unit(t) != u and t != PACKAGE)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan), each as
    one cycle through its nodes, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        # Iterative depth-first search: the graph may be deeper than the recursion limit.
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == node:
                            break
                    if len(comp) > 1:
                        found.append(_cycle_through(sorted(comp), graph))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def _cycle_through(comp: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One cycle from the first node of a strongly connected component back to it."""
    members = set(comp)
    start = comp[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph.get(v, ())):
            if w == start:
                return [*paths[v], start]
            if w in members and w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    return [*comp, start]


def private_violations(edges: Iterable[tuple]) -> list[str]:
    """Imports of a private module or name from outside the package that holds it."""
    out = []
    for importer, target, name, line in edges:
        holder = target.rpartition(".")[0]  # package holding a private module
        inside = importer == holder or importer.startswith(holder + ".")
        if _private(target.rpartition(".")[2]) and not inside:
            out.append(f"{importer}:{line} imports private module {target}")
            continue
        if name is not None and _private(name):
            # A private name of module P.m is private to the package P.
            pkg = target.rpartition(".")[0] or target
            inside = importer == pkg or importer.startswith(pkg + ".")
            if not inside:
                out.append(f"{importer}:{line} imports private name {name} from {target}")
    return sorted(out)


def long_modules(root: Path = ROOT) -> list[tuple[str, int]]:
    """Modules over MAX_LINES lines, longest first."""
    sizes = [
        (str(p.relative_to(root)), len(p.read_text(encoding="utf-8").splitlines()))
        for p in package_modules(root).values()
    ]
    return sorted(((p, n) for p, n in sizes if n > MAX_LINES), key=lambda s: -s[1])


def dependency_order(units: dict[str, set[str]]) -> list[str]:
    """Units in an order where each comes after every unit it imports (ties by name)."""
    order: list[str] = []
    left = {u: set(d) & set(units) for u, d in units.items()}
    while left:
        ready = sorted(u for u, d in left.items() if not d - set(order))
        if not ready:  # a cycle: the rest in name order
            order += sorted(left)
            break
        order += ready
        for u in ready:
            del left[u]
    return order


# -- the tests ------------------------------------------------------------------------


def test_checker_finds_a_planted_cycle(tmp_path):
    # The checker itself: two modules importing each other, one lazily, and a
    # private module used from a sibling subpackage.
    pkg = tmp_path / PACKAGE
    (pkg / "a").mkdir(parents=True)
    (pkg / "b").mkdir()
    for init in (pkg, pkg / "a", pkg / "b"):
        (init / "__init__.py").write_text("")
    (pkg / "a" / "one.py").write_text("from ..b.two import f\n")
    (pkg / "b" / "two.py").write_text("def f():\n    from ..a import one\n")
    (pkg / "b" / "_k.py").write_text("x = 1\n")
    (pkg / "a" / "three.py").write_text("from ..b._k import x\nfrom ..b.two import _g\n")
    graph, edges = import_graph(tmp_path)
    assert cycles(graph) == [[f"{PACKAGE}.a.one", f"{PACKAGE}.b.two", f"{PACKAGE}.a.one"]]
    assert cycles(unit_graph(graph)) == [["a", "b", "a"]]
    assert private_violations(edges) == [
        f"{PACKAGE}.a.three:1 imports private module {PACKAGE}.b._k",
        f"{PACKAGE}.a.three:2 imports private name _g from {PACKAGE}.b.two",
    ]


def test_no_module_cycles():
    graph, _ = import_graph()
    assert cycles(graph) == []


def test_no_subpackage_cycles():
    graph, _ = import_graph()
    assert cycles(unit_graph(graph)) == []


def test_nothing_imports_the_facade():
    # spinglass_gan/__init__ imports the units; a unit importing it back would be a
    # cycle hidden by the facade's exclusion from the unit graph.
    _, edges = import_graph()
    back = [f"{i}:{line}" for i, t, _, line in edges if t == PACKAGE and i != PACKAGE]
    assert back == []


def test_private_names_stay_in_their_package():
    _, edges = import_graph()
    assert private_violations(edges) == []


def test_module_size():
    offenders = long_modules()
    listed = ", ".join(f"{p} ({n} lines)" for p, n in offenders)
    assert not offenders, f"modules over {MAX_LINES} lines: {listed}"


def main() -> int:
    graph, edges = import_graph()
    units = unit_graph(graph)
    print("units in dependency order:")
    for u in dependency_order(units):
        deps = ", ".join(sorted(units[u])) or "-"
        print(f"  {u:<20} imports {deps}")
    for title, found in (
        ("module-level cycles", cycles(graph)),
        ("subpackage-level cycles", cycles(units)),
    ):
        print(f"{title}: {len(found)}")
        for c in found:
            print("  " + " -> ".join(c))
    bad = private_violations(edges)
    print(f"private imports across packages: {len(bad)}")
    for line in bad:
        print("  " + line)
    long = long_modules()
    print(f"modules over {MAX_LINES} lines: {len(long)}")
    for p, n in long:
        print(f"  {p}: {n}")
    return int(bool(cycles(graph) or cycles(units) or bad))


if __name__ == "__main__":
    sys.exit(main())
