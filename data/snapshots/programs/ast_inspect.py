"""The heap of a program holding the abstract syntax tree of a large standard-library module.

ast.parse of inspect.py (about 3,400 lines): tens of thousands of small node objects, each with
its attribute dict and lists of children, held by one reference. A large, young, mostly acyclic
tree of the kind compilers, linters and formatters build, next to the interpreter's own
long-lived start-up heap. (The module is only parsed, never imported.)"""
import ast
import importlib.util

source_path = importlib.util.find_spec("inspect").origin
with open(source_path, encoding="utf-8") as f:
    tree = ast.parse(f.read(), filename="inspect.py")
