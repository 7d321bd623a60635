"""The rules of docs/architecture.md that a machine can check, read from the source."""
import ast
from pathlib import Path

import mooc

MOOC = Path(mooc.__file__).parent
FEATURES = {name.rpartition(".")[2] for name in mooc.FEATURES} - {"core"}
MAX_LINES = 400
# Function-level imports of the project's own modules, each with its reason in place.
ALLOWED_LATE_IMPORTS = {
    ("mooc", "mooc.core.setup"),  # create_app: `import mooc.x` must not import every feature
    ("mooc.catalog.media", "mooc.catalog.docx.importer"),  # a missing importer keeps the editor
}


def modules():
    for path in MOOC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(MOOC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


MODULES = dict(modules())


def resolve(name):
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imported(node, package):
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = package.split(".")[:len(package.split(".")) - node.level + 1]
        base = ".".join(parts + ([base] if base else []))
    return [f"{base}.{alias.name}" if resolve(f"{base}.{alias.name}") == f"{base}.{alias.name}"
            else base for alias in node.names]


def import_graph():
    """{module: {(imported module, at module level?)}} for every import of mooc code."""
    graph = {}
    for name, path in MODULES.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in imported(node, package):
                    found = resolve(target) if target.startswith("mooc") else None
                    if found and found != name:
                        edges.add((found, id(node) in top))
        graph[name] = edges
    return graph


GRAPH = import_graph()


def find_cycle(graph):
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle_between_modules_counting_late_imports():
    edges = {name: {target for target, _top in targets} for name, targets in GRAPH.items()}
    assert find_cycle(edges) is None


def test_core_imports_no_feature():
    upward = [(name, target) for name, targets in GRAPH.items() if name.startswith("mooc.core")
              for target, _top in targets if target.split(".")[1:2][0] in FEATURES]
    assert upward == []


def test_late_imports_only_where_unavoidable():
    late = {(name, target) for name, targets in GRAPH.items()
            for target, top in targets if not top}
    assert late <= ALLOWED_LATE_IMPORTS


def test_no_module_over_400_lines():
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_every_feature_package_has_a_register_function():
    for feature in mooc.FEATURES:
        tree = ast.parse((MOOC.parent / feature.replace(".", "/") / "feature.py").read_text())
        assert any(isinstance(node, ast.FunctionDef) and node.name == "register"
                   for node in tree.body), feature
