#!/usr/bin/env python3
"""Checks the size limits of src/: no file over 500 lines and no function over 80 lines, unless a
line `// size: <reason>` stands in the file (for a file) or on the line before the function's
signature (for a function).

    scripts/check_code_size.py [ROOT]      # exit 0: within limits; 1: violations (printed)
    scripts/check_code_size.py --self-test # proves that a long function and a long file are caught

Functions are found lexically: a `{` at namespace level whose statement is not a namespace,
class, struct, enum, union or initializer opens a function body; its length runs from the first
line of the signature to the closing brace. Comments, strings and character literals are blanked
first, so braces inside them do not count.
"""
import os
import re
import sys
import tempfile

MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80
WAIVER = re.compile(r"//\s*size:\s*\S")
NOT_A_FUNCTION = re.compile(r"^\s*(?:template\s*<[^>]*>\s*)?(namespace|class|struct|enum|union|extern)\b")


def blank_comments_and_literals(text):
    """Same length, same line breaks; comments, strings and char literals become spaces."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            end = text.find(")" + m.group(1) + '"', i)
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def long_functions(text):
    """[(first_line, length, signature)] of function bodies longer than the limit (1-based)."""
    code = blank_comments_and_literals(text)
    lines_of = text.split("\n")
    found = []
    depth_stack = []  # for each open brace: "ns" (transparent), "fn", "other"
    statement_start = 0  # offset where the current namespace-level statement began
    fn_start_line = None
    for offset, ch in enumerate(code):
        at_namespace_level = all(kind == "ns" for kind in depth_stack)
        if ch == "{":
            if at_namespace_level:
                statement = code[statement_start:offset]
                if NOT_A_FUNCTION.match(statement) and statement.lstrip().startswith("namespace"):
                    depth_stack.append("ns")
                elif NOT_A_FUNCTION.match(statement) or "=" in statement.split("(")[0] \
                        or "(" not in statement:
                    depth_stack.append("other")
                else:
                    depth_stack.append("fn")
                    leading = len(statement) - len(statement.lstrip())
                    fn_start_line = code.count("\n", 0, statement_start + leading) + 1
                statement_start = offset + 1
            else:
                depth_stack.append("other")
        elif ch == "}":
            kind = depth_stack.pop() if depth_stack else "ns"
            if kind == "fn" and all(k == "ns" for k in depth_stack):
                end_line = code.count("\n", 0, offset) + 1
                length = end_line - fn_start_line + 1
                waived = fn_start_line >= 2 and WAIVER.search(lines_of[fn_start_line - 2])
                if length > MAX_FUNCTION_LINES and not waived:
                    found.append((fn_start_line, length, lines_of[fn_start_line - 1].strip()))
            if all(k == "ns" for k in depth_stack):
                statement_start = offset + 1
        elif ch == ";" and at_namespace_level:
            statement_start = offset + 1
        elif ch == "#" and at_namespace_level and (offset == 0 or code[offset - 1] == "\n"):
            statement_start = code.find("\n", offset) + 1 or len(code)
    return found


def check(root):
    errors = []
    for folder, _, names in os.walk(os.path.join(root, "src")):
        for name in sorted(names):
            if not name.endswith((".cc", ".h")):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            line_count = text.count("\n")
            if line_count > MAX_FILE_LINES and not WAIVER.search(text):
                errors.append(f"{rel}: {line_count} lines (limit {MAX_FILE_LINES})")
            for line, length, signature in long_functions(text):
                errors.append(f"{rel}:{line}: function of {length} lines (limit {MAX_FUNCTION_LINES}): "
                              f"{signature[:80]}")
    return errors


def self_test():
    body = "\n".join(f"  x += {i};" for i in range(MAX_FUNCTION_LINES))
    files = {
        "src/a/long.cc": f"namespace qac {{\nint f(int x) {{\n{body}\n  return x;\n}}\n}}\n",
        "src/a/waived.cc": f"namespace qac {{\n// size: a table\nint g(int x) {{\n{body}\n  return x;\n}}\n}}\n",
        "src/a/short.cc": "namespace qac {\nstruct S { int a; };\nint h() {\n  const char* s = \"{{{\";\n"
                          "  return s[0];  // }\n}\n}\n",
        "src/a/big.h": "\n" * (MAX_FILE_LINES + 1),
    }
    with tempfile.TemporaryDirectory() as root:
        for rel, text in files.items():
            os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
                f.write(text)
        errors = check(root)
    wanted = [e for e in errors if e.startswith("src/a/long.cc:2: function of 83 lines")]
    big = [e for e in errors if e.startswith("src/a/big.h:")]
    if len(wanted) != 1 or len(big) != 1 or len(errors) != 2:
        print("self-test failed, errors were:\n  " + "\n  ".join(errors))
        return 1
    print("check_code_size self-test: a long function and a long file are reported, a waiver is honoured")
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--self-test":
        return self_test()
    root = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    errors = check(root)
    for error in errors:
        print(error)
    if errors:
        print(f"check_code_size: {len(errors)} violation(s)")
        return 1
    print(f"check_code_size: no file over {MAX_FILE_LINES} lines, no function over {MAX_FUNCTION_LINES} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
