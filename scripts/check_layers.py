#!/usr/bin/env python3
"""Checks that qac's sources include only downward: each folder of src/ is a layer that may
include its own headers, the public headers (include/qac/) and the layers listed for it below;
include/qac/ includes only itself; the command-line tool and the Python binding include the
public API and the layers listed for them. It also fails on any cycle between headers.

    scripts/check_layers.py [ROOT]      # exit 0: clean; 1: violations (printed); 2: bad tree
    scripts/check_layers.py --self-test # proves that an upward include and a cycle are caught
"""
import os
import re
import sys
import tempfile

# Layer -> layers it may include (besides itself and the public headers "qac").
# Lowest first; the order of this table is the order of docs/design.md's layer diagram.
ALLOWED = {
    "core": set(),
    "onnx": {"core"},
    "graph": {"core", "onnx"},
    "runtime": {"core"},
    "data": {"core", "onnx"},
    "metrics": {"core", "data"},
    "quant": {"core", "onnx", "graph", "runtime"},
    "search": {"core"},
    "evaluation": {"core", "onnx", "runtime", "data", "metrics", "quant", "search"},
    "api": {"core", "onnx", "graph", "runtime", "data", "metrics", "quant", "search",
            "evaluation"},
    "report": {"core", "api"},
}
# The clients: the command-line tool and the Python binding use the public API, plus the layers
# named here.
TOOL_ALLOWED = {"core"}
PYTHON_ALLOWED = set()

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)
SOURCE_SUFFIXES = (".h", ".cc")


def layer_closure_is_acyclic():
    """The table itself must be a DAG; returns a cycle (list) or None."""
    state = {}

    def visit(layer, path):
        if state.get(layer) == "open":
            return path[path.index(layer):] + [layer]
        if state.get(layer) == "done":
            return None
        state[layer] = "open"
        for dep in sorted(ALLOWED.get(layer, ())):
            cycle = visit(dep, path + [layer])
            if cycle:
                return cycle
        state[layer] = "done"
        return None

    for layer in ALLOWED:
        cycle = visit(layer, [])
        if cycle:
            return cycle
    return None


def source_files(root):
    for top in ("src", "include", os.path.join("tools", "qac"), os.path.join("python", "src")):
        base = os.path.join(root, top)
        for folder, _, names in os.walk(base):
            for name in sorted(names):
                if name.endswith(SOURCE_SUFFIXES):
                    yield os.path.join(folder, name)


def owner(root, path):
    """('layer', name) for src/<layer>/..., ('public', 'qac'), ('tool', 'qac') or ('python', 'qac')."""
    rel = os.path.relpath(path, root).split(os.sep)
    if rel[0] == "src":
        return "layer", rel[1]
    if rel[0] == "include":
        return "public", "qac"
    if rel[0] == "python":
        return "python", "qac"
    return "tool", "qac"


def resolve(root, including_file, target):
    """The file an include names, or None when it is outside the project (a system header)."""
    for base in (os.path.join(root, "src"), os.path.join(root, "include"),
                 os.path.dirname(including_file)):
        candidate = os.path.normpath(os.path.join(base, target))
        if os.path.isfile(candidate):
            return candidate
    return None


def check(root):
    errors = []
    cycle = layer_closure_is_acyclic()
    if cycle:
        errors.append("the layer table has a cycle: " + " -> ".join(cycle))
    graph = {}
    for path in source_files(root):
        kind, name = owner(root, path)
        if kind == "layer" and name not in ALLOWED:
            errors.append(f"{os.path.relpath(path, root)}: src/{name} is not a known layer "
                          "(add it to scripts/check_layers.py and docs/design.md)")
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        graph[path] = []
        for target in INCLUDE.findall(text):
            resolved = resolve(root, path, target)
            if resolved is None:
                continue
            graph[path].append(resolved)
            if "/" not in target:
                continue  # a header beside the file: same layer
            folder = target.split("/")[0]
            where = f"{os.path.relpath(path, root)}: #include \"{target}\""
            if kind == "public":
                if folder != "qac":
                    errors.append(f"{where}: a public header includes a library header")
            elif kind in ("tool", "python"):
                allowed = TOOL_ALLOWED if kind == "tool" else PYTHON_ALLOWED
                if folder != "qac" and folder not in allowed:
                    errors.append(f"{where}: the {kind} client may use only the public API"
                                  + (f" and {sorted(allowed)}" if allowed else ""))
            elif folder != "qac" and folder != name and folder not in ALLOWED[name]:
                direction = "up" if folder in ALLOWED and name in closure(folder) else "across"
                errors.append(f"{where}: src/{name} may not include src/{folder} "
                              f"(goes {direction}; allowed: {sorted(ALLOWED[name])})")
    errors.extend(include_cycles(root, graph))
    return errors


def closure(layer):
    seen, todo = set(), [layer]
    while todo:
        for dep in ALLOWED.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def include_cycles(root, graph):
    errors, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == "open":
                loop = stack[stack.index(nxt):] + [nxt]
                errors.append("include cycle: " + " -> ".join(os.path.relpath(p, root) for p in loop))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return errors


def self_test():
    """A tree with one upward include and one header cycle must give exactly those errors."""
    with tempfile.TemporaryDirectory() as root:
        files = {
            "src/core/a.h": '#include "quant/b.h"\n',          # up
            "src/quant/b.h": '#include "quant/c.h"\n',
            "src/quant/c.h": '#include "quant/b.h"\n',         # cycle b <-> c
            "src/quant/ok.h": '#include "core/d.h"\n#include "qac/status.h"\n',
            "src/core/d.h": "",
            "include/qac/status.h": "",
        }
        for rel, text in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
                f.write(text)
        errors = check(root)
        up = [e for e in errors if "src/core may not include src/quant" in e and "goes up" in e]
        cyc = [e for e in errors if e.startswith("include cycle")]
        if len(up) != 1 or len(cyc) != 1 or len(errors) != 2:
            print("self-test failed, errors were:\n  " + "\n  ".join(errors))
            return 1
    print("check_layers self-test: an upward include and a cycle are reported")
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        return self_test()
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    root = os.path.abspath(root)
    if not os.path.isdir(os.path.join(root, "src")):
        print(f"check_layers: {root} has no src/ folder", file=sys.stderr)
        return 2
    errors = check(root)
    for error in errors:
        print(error)
    if errors:
        print(f"check_layers: {len(errors)} violation(s)")
        return 1
    print(f"check_layers: {len(ALLOWED)} layers, no upward include, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
