"""The house rules of the package, read from its source (parsed with ``ast``, not imported).

- no import cycles between the modules of ``sk_autoencoder`` (imports inside functions count);
- ``sk_autoencoder/modules/`` imports only torch and the standard library;
- only ``demo`` (and plotting's own modules) import ``sk_autoencoder.plotting``; nothing
  imports ``sk_autoencoder.demo``;
- a private name (``_name``) is imported only from a module in the importer's own directory
  (a private *module*, e.g. ``sk_autoencoder._core``, may be imported from anywhere: its
  public names are its interface);
- every module has at most ``MAX_LINES`` lines.

The last tests import the package: ``sk_autoencoder.__all__`` and the import paths users use
stay as they are.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import sys
from functools import cache
from pathlib import Path

PACKAGE = "sk_autoencoder"
PACKAGE_DIR = Path(__file__).resolve().parents[1] / PACKAGE
ROOT = PACKAGE_DIR.parent

MAX_LINES = 400
# path relative to the repository root -> why it may be longer (keep this short)
LONG_MODULES_ALLOWED: dict[str, str] = {}

# Imported by nobody but these (module name -> the importers allowed, as prefixes).
LEAVES = {
    f"{PACKAGE}.plotting": (f"{PACKAGE}.demo", f"{PACKAGE}.plotting"),
    f"{PACKAGE}.demo": (f"{PACKAGE}.demo",),
}


# ------------------------------------------------------------------------------ the source
@dataclasses.dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. sk_autoencoder._core.base ("sk_autoencoder" for __init__.py)
    path: Path
    is_package: bool  # an __init__.py

    @property
    def rel(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def package(self) -> str:
        """The package relative imports start from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @property
    def directory(self) -> Path:
        return self.path.parent


@dataclasses.dataclass(frozen=True)
class Import:
    module: Module  # the importing module
    line: int
    target: str  # the absolute module imported from (or imported)
    name: str | None  # for ``from target import name``; None for ``import target``
    asname: str | None  # ``as`` name
    text: str  # the statement (ast.unparse)

    @property
    def where(self) -> str:
        return f"{self.module.rel}:{self.line}"


@cache
def modules() -> dict[str, Module]:
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = Module(".".join(parts), path, is_package)
    return found


@cache
def tree(module: Module) -> ast.Module:
    return ast.parse(module.path.read_text(encoding="utf-8"), filename=str(module.path))


def _absolute(module: Module, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.package.split(".")
    if node.level > 1:
        base = base[: -(node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


@cache
def imports(module: Module) -> tuple[Import, ...]:
    """Every import statement of ``module``, anywhere in it (functions included)."""
    found = []
    for node in ast.walk(tree(module)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            text = ast.unparse(node)
        if isinstance(node, ast.Import):
            found += [Import(module, node.lineno, a.name, None, a.asname, text) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, node)
            found += [
                Import(module, node.lineno, target, a.name, a.asname, text) for a in node.names
            ]
    return tuple(sorted(found, key=lambda i: (i.line, i.target, i.name or "")))


def _internal(name: str) -> bool:
    return name == PACKAGE or name.startswith(PACKAGE + ".")


def _existing(name: str) -> str:
    """``name``, or the nearest enclosing module that exists."""
    while name not in modules() and "." in name:
        name = name.rpartition(".")[0]
    return name


def imported_module(imp: Import) -> str:
    """The module an import makes the importer depend on: ``from P import m`` with ``P.m`` a
    module depends on ``P.m``; ``from M import name`` on ``M`` (its namespace)."""
    if imp.name is not None and f"{imp.target}.{imp.name}" in modules():
        return f"{imp.target}.{imp.name}"
    return _existing(imp.target) if _internal(imp.target) else imp.target


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


# ------------------------------------------------------------------------------ the rules
def import_graph() -> dict[str, dict[str, list[Import]]]:
    """module -> {module it imports: [the imports]} inside the package."""
    graph: dict[str, dict[str, list[Import]]] = {name: {} for name in modules()}
    for module in modules().values():
        for imp in imports(module):
            target = imported_module(imp)
            if _internal(target) and target != module.name:
                graph[module.name].setdefault(target, []).append(imp)
    return graph


def _strongly_connected(graph) -> list[list[str]]:
    """Tarjan's algorithm: the strongly connected components with more than one module."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _shortest_cycle(graph, component: list[str], start: str) -> list[str]:
    """A shortest cycle through ``start`` within ``component``."""
    members = set(component)
    paths, frontier = {start: [start]}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v]):
                if w == start:
                    return [*paths[v], start]
                if w in members and w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no cycle in {component}")  # pragma: no cover


def test_no_import_cycles():
    graph = import_graph()
    reports = []
    for component in _strongly_connected(graph):
        cycles = {}
        for start in component:
            cycle = _shortest_cycle(graph, component, start)
            cycles.setdefault(frozenset(cycle), " -> ".join(cycle))
        edges = [
            f"    {a} -> {b}: {imp.where} `{imp.text}`"
            for a in component
            for b in sorted(graph[a])
            if b in component
            for imp in dict((i.where, i) for i in graph[a][b]).values()
        ]
        reports.append(
            f"  {component} import each other, e.g.\n"
            + "".join(f"    cycle {c}\n" for c in cycles.values())
            + "  through these imports:\n"
            + "\n".join(edges)
        )
    assert not reports, "import cycles inside sk_autoencoder:\n" + "\n".join(reports)


def test_modules_import_only_torch_and_the_standard_library():
    allowed = set(sys.stdlib_module_names) | {"torch"}
    wrong = []
    for module in modules().values():
        if not (module.name + ".").startswith(f"{PACKAGE}.modules."):
            continue
        for imp in imports(module):
            target = imported_module(imp)
            if _internal(target):
                ok = (target + ".").startswith(f"{PACKAGE}.modules.")
            else:
                ok = target.split(".")[0] in allowed
            if not ok:
                wrong.append(f"  {imp.where}: `{imp.text}` imports {target}")
    assert not wrong, "sk_autoencoder/modules/ may import only torch and the stdlib:\n" + "\n".join(
        wrong
    )


def test_plotting_and_demo_are_leaves():
    wrong = []
    for module in modules().values():
        for imp in imports(module):
            target = imported_module(imp)
            for leaf, importers in LEAVES.items():
                if target != leaf and not target.startswith(leaf + "."):
                    continue
                if not any(module.name == p or module.name.startswith(p + ".") for p in importers):
                    wrong.append(f"  {imp.where}: `{imp.text}` imports {target}")
    assert not wrong, (
        "only sk_autoencoder.demo (and plotting's own modules) may import sk_autoencoder."
        "plotting, and nothing imports sk_autoencoder.demo:\n" + "\n".join(wrong)
    )


def _directory_of(name: str) -> Path:
    return modules()[name].directory


def _module_aliases(module: Module) -> dict[str, str]:
    """Local names bound to package modules by the imports of ``module`` (file-wide)."""
    aliases = {}
    for imp in imports(module):
        if imp.name is None:
            if _internal(imp.target):
                if imp.asname:  # import a.b as c
                    aliases[imp.asname] = _existing(imp.target)
                else:  # import a.b binds a
                    aliases[imp.target.split(".")[0]] = imp.target.split(".")[0]
        elif f"{imp.target}.{imp.name}" in modules():  # from P import m
            aliases[imp.asname or imp.name] = f"{imp.target}.{imp.name}"
    return aliases


def _attribute_module(node, aliases) -> str | None:
    """The package module an expression such as ``pkg.sub`` names, or None."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _attribute_module(node.value, aliases)
        if base is not None and f"{base}.{node.attr}" in modules():
            return f"{base}.{node.attr}"
    return None


def test_no_private_names_imported_across_packages():
    """``from X import _y`` only from a module X in the importer's own directory; the same
    for ``module._y`` through an imported module. Private modules themselves are fine."""
    wrong = []
    for module in modules().values():
        for imp in imports(module):
            if imp.name is None or not _private(imp.name) or not _internal(imp.target):
                continue
            if f"{imp.target}.{imp.name}" in modules():
                continue  # a private module, imported by its path
            owner = _existing(imp.target)
            if _directory_of(owner) != module.directory:
                wrong.append(
                    f"  {imp.where}: `{imp.text}` imports private {imp.name} of {owner} "
                    f"({_directory_of(owner).relative_to(ROOT).as_posix()}/)"
                )
        aliases = _module_aliases(module)
        for node in ast.walk(tree(module)):
            if not (isinstance(node, ast.Attribute) and _private(node.attr)):
                continue
            owner = _attribute_module(node.value, aliases)
            if owner is None or f"{owner}.{node.attr}" in modules():
                continue
            if _directory_of(owner) != module.directory:
                wrong.append(
                    f"  {module.rel}:{node.lineno}: uses private {owner}.{node.attr} "
                    f"({_directory_of(owner).relative_to(ROOT).as_posix()}/)"
                )
    assert not wrong, (
        "private names used outside their own package directory (make them public in a "
        "private module, e.g. sk_autoencoder/_core/, or keep them in one package):\n"
        + "\n".join(wrong)
    )


def test_modules_are_short():
    wrong = []
    for module in modules().values():
        n = len(module.path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and module.rel not in LONG_MODULES_ALLOWED:
            wrong.append(f"  {module.rel}: {n} lines")
    assert not wrong, f"modules over {MAX_LINES} lines:\n" + "\n".join(wrong)


def test_long_module_allow_list_is_current():
    for rel, reason in LONG_MODULES_ALLOWED.items():
        assert reason, rel
        assert (ROOT / rel).is_file(), f"{rel} is allowed to be long but no longer exists"


# ------------------------------------------------------------------------------ public API
# sk_autoencoder.__all__ (names are added, never removed; ImageCodec and BitstreamError
# joined after the restructure).
PUBLIC_API = [
    "AutoencoderOutlierDetector",
    "AutoencoderTransformer",
    "BitstreamError",
    "ImageCodec",
    "ImageScaler",
    "ModelFormatError",
    "SeriesOutlierDetector",
    "SlidingWindows",
    "TabularPipeline",
    "TabularPreprocessor",
    "VAEGenerator",
    "__version__",
    "evaluate_detector",
    "load",
    "make_tabular_pipeline",
    "onnx_inputs",
    "privacy_check",
    "report",
    "save",
    "to_onnx",
]

# Names users import from submodules (each module's public names before the restructure).
IMPORT_PATHS = {
    "autoencoder": ["AutoencoderTransformer"],
    "export": ["onnx_inputs", "register_converters", "to_onnx"],
    "vae": ["VAEGenerator"],
    "preprocessing": [
        "ImageScaler",
        "TabularPipeline",
        "TabularPreprocessor",
        "make_tabular_pipeline",
    ],
    "outliers": ["AutoencoderOutlierDetector", "evaluate_detector"],
    "timeseries": [
        "SeriesOutlierDetector",
        "SlidingWindows",
        "choose_window",
        "dominant_period",
        "series_memory",
    ],
    "plotting": [
        "plot_embedding",
        "plot_image_grid",
        "plot_interpolation",
        "plot_loss_curves",
        "plot_rate_distortion",
        "plot_reconstructions",
        "plot_series_anomalies",
        "plot_traversal",
    ],
    "datasets": [
        "IMAGE_EXTENSIONS",
        "WEATHER_COLUMNS",
        "WEATHER_TUTORIAL_DROP",
        "load_digits_images",
        "load_idx",
        "load_image_folder",
        "load_weather_aus",
        "weather_tutorial_matrix",
    ],
    "streaming": ["fit_parquet", "iter_parquet", "transform_parquet"],
    "reports": ["report"],
    "compression": ["BitstreamError", "ImageCodec"],
    "checkpoint": ["LoadTrainingState", "TrainingCheckpoint"],
    "distributed": [
        "DistributedTraining",
        "ShardedBatches",
        "device_for_rank",
        "distributed_env",
        "init_distributed",
        "is_main_process",
        "unwrapped_module",
    ],
    "persistence": [
        "CONFIG_FILE",
        "FORMAT_NAME",
        "FORMAT_VERSION",
        "ModelFormatError",
        "WEIGHTS_FILE",
        "load",
        "save",
    ],
    "modules": [
        "Autoencoder",
        "FeatureBlocks",
        "VariationalAutoencoder",
        "build_conv",
        "build_mlp",
        "contractive_penalty",
        "corrupt",
        "gaussian_kl",
        "kl_sparsity",
        "l1_sparsity",
        "output_activation",
        "per_feature_nll",
    ],
}


def test_public_api_names_are_unchanged():
    import sk_autoencoder

    assert sorted(sk_autoencoder.__all__) == sorted(PUBLIC_API)
    missing = [n for n in PUBLIC_API if not hasattr(sk_autoencoder, n)]
    assert not missing, f"sk_autoencoder lacks {missing}"


def test_import_paths_users_use_still_work():
    missing = []
    for submodule, names in IMPORT_PATHS.items():
        module = importlib.import_module(f"{PACKAGE}.{submodule}")
        missing += [f"{PACKAGE}.{submodule}.{n}" for n in names if not hasattr(module, n)]
        declared = getattr(module, "__all__", None)
        if declared is not None:
            missing += [
                f"{PACKAGE}.{submodule}.__all__ lacks {n}" for n in names if n not in declared
            ]
    assert not missing, "public import paths that no longer work:\n  " + "\n  ".join(missing)
