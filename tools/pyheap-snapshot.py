#!/usr/bin/env python3
"""pyheap-snapshot: write a Python program's object graph to a file gclab's heap-graph workload loads.

Standard library only. Two ways to use it:

  As a command, around any script (the snapshot is taken when the script returns, unless the
  script takes it itself with pyheap_snapshot.snapshot()):

      python3 tools/pyheap-snapshot.py [--out FILE] [--untracked atoms|drop] [--no-collect] \\
          -- script.py [args ...]

  Inside a program, at the moment of its choosing (the file name has a hyphen, so load it by path):

      import importlib.util
      spec = importlib.util.spec_from_file_location("pyheap_snapshot", "tools/pyheap-snapshot.py")
      pyheap_snapshot = importlib.util.module_from_spec(spec)
      spec.loader.exec_module(pyheap_snapshot)
      pyheap_snapshot.snapshot("heap.snap")

What is written (docs/snapshot-format.md has the exact format):
  * every object the cyclic garbage collector tracks (gc.get_objects()) that is reachable from a
    root, with its size (sys.getsizeof, minus CPython's GC header) and its referents
    (gc.get_referents), in breadth-first order from the roots;
  * roots: the tracked objects referenced from outside the tracked graph (C globals, the
    interpreter's stacks, ...). They are found as CPython's own collector finds them: an object
    whose reference count exceeds the references that tracked objects hold to it;
  * untracked referents (ints, strings, tuples of atoms, ...): with --untracked atoms (the
    default) each distinct one is an "atom" record, an object with no referents; with
    --untracked drop they and the edges to them are left out.

Robustness: the walk holds every object it reports (objects cannot die during it), the cyclic
collector is disabled while it runs, output is streamed record by record, and the order is made
deterministic where Python allows: records follow a breadth-first walk from the roots in
gc.get_objects() order, and the referents of sets (whose order follows hashes and addresses) are
sorted. The command sets PYTHONHASHSEED=0 (unless it is already set) so that string hashes, and
with them set and dict layouts, repeat from run to run.
"""

import argparse
import gc
import os
import sys
import types

FORMAT_NAME = "gclab-pyheap-snapshot"
FORMAT_VERSION = 1

# CPython's GC header, which sys.getsizeof adds for objects of GC types; gclab collectors that need
# such a header add their own, so sizes are recorded without it.
_GC_HEADER = sys.getsizeof([]) - [].__sizeof__()
_TPFLAGS_HAVE_GC = 1 << 14  # Py_TPFLAGS_HAVE_GC: instances have the header

# Set by the command: the --out file and options, and whether the script already took its snapshot.
_cli = {"out": None, "untracked": "atoms", "collect": True, "taken": False}


class SnapshotError(RuntimeError):
    """The heap changed during the walk in a way that makes the file inconsistent."""


def _type_name(t):
    """The type's module-qualified name, as one token of printable ASCII."""
    try:
        name = t.__qualname__
        module = t.__module__
        if isinstance(module, str) and module != "builtins":
            name = module + "." + name
    except Exception:  # exotic metaclasses: fall back to the C-level name
        name = type.__dict__["__name__"].__get__(t)
    name = str(name).encode("ascii", "backslashreplace").decode("ascii")
    return "".join(c if " " < c < "\x7f" else "_" for c in name) or "_"


def _size_of(o):
    """sys.getsizeof without CPython's GC header (which it adds for every object of a GC type,
    tracked or not); falls back to the type's basic size."""
    t = type(o)
    try:
        size = sys.getsizeof(o)
    except Exception:
        size = t.__basicsize__ + _GC_HEADER
    if t.__flags__ & _TPFLAGS_HAVE_GC:
        size -= _GC_HEADER
    return max(int(size), 0)


def _atom_key(r):
    """Sort key of an untracked referent inside a set: by type name, then value for simple types."""
    t = type(r)
    if t in (str, int, float, bytes):
        return (1, t.__name__, r)
    return (2, t.__name__, 0)


def _referents(o, index):
    """gc.get_referents(o), with a set's elements in a canonical order (tracked objects by their
    position in gc.get_objects(), then untracked ones by type and value)."""
    rs = gc.get_referents(o)
    if issubclass(type(o), (set, frozenset)):
        def key(r):
            j = index.get(id(r))
            return (0, "", j) if j is not None else _atom_key(r)
        try:
            rs.sort(key=key)
        except TypeError:  # incomparable values (float NaN next to a str, ...): keep hash order
            pass
    return rs


def _external_refs(objs, index, marker_index):
    """For each object, how many references come from outside the tracked graph.

    A reference count minus the references tracked objects hold (what CPython's collector computes
    in update_refs and subtract_refs). The walk's own references (the objs list, the loop variable,
    getrefcount's argument) are measured on `marker`, a list referenced once more than that: by a
    local variable of _snapshot_to()."""
    n = len(objs)
    refcount = [0] * n
    internal = [0] * n
    getrefcount = sys.getrefcount
    for i in range(n):
        o = objs[i]
        refcount[i] = getrefcount(o)
        for r in gc.get_referents(o):
            j = index.get(id(r))
            if j is not None:
                internal[j] += 1
        r = None  # the loop variable must not inflate the next object's count
    o = None
    overhead = refcount[marker_index] - 1 - internal[marker_index]
    return [refcount[i] - overhead - internal[i] for i in range(n)]


def _walk(objs, index, roots, excluded, keep_atoms):
    """Breadth-first from the roots. Returns (order, newid, atoms, atom_ids, edges, missing):
    order lists the records by new id, as an index into objs (>= 0) or ~k for atoms[k]; newid
    maps an objs index to its new id (-1: unreachable), atom_ids an atom's id() to its new id."""
    newid = [-1] * len(objs)
    order, atoms, atom_ids = [], [], {}
    edges = missing = 0
    for i in roots:
        newid[i] = len(order)
        order.append(i)
    head = 0
    while head < len(order):
        k = order[head]
        head += 1
        if k < 0:
            continue
        for r in _referents(objs[k], index):
            j = index.get(id(r))
            if j is not None and j not in excluded:
                edges += 1
                if newid[j] < 0:
                    newid[j] = len(order)
                    order.append(j)
            elif keep_atoms:
                edges += 1
                if id(r) not in atom_ids:
                    if gc.is_tracked(r):
                        missing += 1  # created during the walk, or frozen by gc.freeze()
                    atom_ids[id(r)] = len(order)
                    order.append(~len(atoms))
                    atoms.append(r)
    return order, newid, atoms, atom_ids, edges, missing


def _count_tracked(order):
    return sum(1 for k in order if k >= 0)


def _write(out, objs, index, order, newid, atoms, atom_ids, is_root, excluded, keep_atoms, edges, meta):
    """Stream the file: header, type table, one record per object, `end`."""
    type_ids, type_names, info = {}, [], []
    for k in order:  # sizes and type names first: __sizeof__ may run user code
        o = objs[k] if k >= 0 else atoms[~k]
        t = type(o)
        tid = type_ids.get(t)
        if tid is None:
            tid = type_ids[t] = len(type_names)
            type_names.append(_type_name(t))
        info.append((tid, _size_of(o)))
    nroots = sum(1 for k in order if k >= 0 and is_root[k])
    write = out.write
    write("%s %d\n" % (FORMAT_NAME, FORMAT_VERSION))
    for key, value in meta:
        write("meta %s %s\n" % (key, value))
    write("counts %d %d %d %d\n" % (len(order), edges, nroots, len(type_names)))
    for tid, name in enumerate(type_names):
        write("type %d %s\n" % (tid, name))
    written = 0
    for new, k in enumerate(order):
        tid, size = info[new]
        if k < 0:
            write("a %d %d %d\n" % (new, tid, size))
            continue
        ids = []
        for r in _referents(objs[k], index):
            j = index.get(id(r))
            if j is not None and j not in excluded:
                ids.append(newid[j])
            elif keep_atoms:
                a = atom_ids.get(id(r))
                if a is None:
                    raise SnapshotError("an untracked referent of a %s appeared during the walk"
                                        % _type_name(type(objs[k])))
                ids.append(a)
        written += len(ids)
        kind = "r" if is_root[k] else "o"
        if ids:
            write("%s %d %d %d %s\n" % (kind, new, tid, size, " ".join(map(str, ids))))
        else:
            write("%s %d %d %d\n" % (kind, new, tid, size))
    if written != edges:
        raise SnapshotError("the heap changed during the walk (%d edges written, %d counted)" % (written, edges))
    write("end\n")
    return len(order), edges, nroots, len(type_names)


def snapshot(path=None, untracked=None, collect=None, meta=()):
    """Write the heap's object graph to `path` (under the command: None means its --out file).

    untracked: "atoms" or "drop" (see the module comment); collect: run gc.collect() first, so that
    garbage the collector would free is not reported. Returns a dict of the counts written. The
    cyclic collector is disabled during the walk and restored afterwards."""
    if path is None:
        path = _cli["out"]
        if path is None:
            raise ValueError("snapshot(): no path given (and not running under the pyheap-snapshot command)")
        _cli["taken"] = True
    untracked = _cli["untracked"] if untracked is None else untracked
    collect = _cli["collect"] if collect is None else collect
    if untracked not in ("atoms", "drop"):
        raise ValueError("untracked must be 'atoms' or 'drop', not %r" % (untracked,))
    # Open the file first: opening may import a codec, and the walk must see a heap that no longer
    # changes. The file's objects are left out of the snapshot, like the walk's own marker.
    out = sys.stdout if path == "-" else open(path, "w", encoding="ascii", newline="\n", buffering=1 << 20)
    was_enabled = gc.isenabled()
    try:
        if collect:
            gc.collect()
        gc.disable()
        counts = _snapshot_to(out, untracked == "atoms", meta)
    except BaseException:
        if out is not sys.stdout:
            out.close()
            os.unlink(path)
        raise
    finally:
        if was_enabled:
            gc.enable()
    if out is sys.stdout:
        out.flush()
    else:
        out.close()
    return counts


def _find_roots(external, excluded):
    """Root flags: referenced from outside the tracked graph, and not the walk's own objects."""
    is_root = [e > 0 for e in external]
    for i in excluded:
        is_root[i] = False
    return is_root


def _true_indices(flags):
    return [i for i, f in enumerate(flags) if f]


def _snapshot_to(out, keep_atoms, meta):
    """The walk proper (see snapshot()); the collector is disabled.

    No comprehension or nested function here may refer to a local variable: that would make it a
    cell, created before gc.get_objects() and so reported, holding the walk's own data."""
    marker = [None]  # see _external_refs
    objs = gc.get_objects()
    index = {id(o): i for i, o in enumerate(objs)}
    marker_index = index[id(marker)]
    excluded = {marker_index}
    if out is not sys.stdout:
        for o in (out, out.buffer, out.buffer.raw):
            excluded.add(index.get(id(o), marker_index))
    is_root = _find_roots(_external_refs(objs, index, marker_index), excluded)
    roots = _true_indices(is_root)
    order, newid, atoms, atom_ids, edges, missing = _walk(objs, index, roots, excluded, keep_atoms)
    info = [
        ("python", sys.version.split()[0]),
        ("implementation", sys.implementation.name),
        ("untracked", "atoms" if keep_atoms else "drop"),
        ("tracked_total", len(objs) - len(excluded)),
        ("tracked_unreachable", len(objs) - len(excluded) - _count_tracked(order)),
        ("tracked_missing", missing),
    ]
    info.extend(meta)
    n, e, r, t = _write(out, objs, index, order, newid, atoms, atom_ids, is_root, excluded, keep_atoms, edges, info)
    return {"objects": n, "edges": e, "roots": r, "types": t, "atoms": len(atoms)}


def _run_script(argv):
    """Run argv[0] as __main__ with argv as sys.argv; return its globals (kept alive)."""
    script = argv[0]
    with open(script, "rb") as f:
        code = compile(f.read(), script, "exec")
    main = types.ModuleType("__main__")
    main.__file__ = script
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    sys.argv = list(argv)
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    exec(code, main.__dict__)
    return main


def main(argv=None):
    """The command: run the script, then write the snapshot unless the script took it itself."""
    parser = argparse.ArgumentParser(
        prog="pyheap-snapshot.py",
        description="Run a Python script and write its object graph for gclab's heap-graph workload.",
        epilog="The script may call pyheap_snapshot.snapshot() (no arguments) to choose the moment itself.")
    parser.add_argument("--out", default="pyheap.snap",
                        help="output file ('-' for standard output; default pyheap.snap)")
    parser.add_argument("--untracked", choices=("atoms", "drop"), default="atoms",
                        help="untracked referents (ints, strings, ...): atom records (default) or left out")
    parser.add_argument("--no-collect", action="store_true", help="do not run gc.collect() before the walk")
    parser.add_argument("script", nargs=argparse.REMAINDER, help="-- script.py [args ...]")
    args = parser.parse_args(argv)
    script = args.script[1:] if args.script[:1] == ["--"] else args.script
    if not script:
        parser.error("no script given (usage: pyheap-snapshot.py [options] -- script.py [args ...])")
    if not os.path.isfile(script[0]):
        parser.error("cannot read script %s" % script[0])
    if os.environ.get("PYTHONHASHSEED") is None:  # repeatable hashes; see the module comment
        env = dict(os.environ, PYTHONHASHSEED="0")
        cmd = getattr(sys, "orig_argv", None) or [sys.executable] + sys.argv
        os.execve(sys.executable, [sys.executable] + cmd[1:], env)
    _cli.update(out=args.out, untracked=args.untracked, collect=not args.no_collect)
    sys.modules.setdefault("pyheap_snapshot", sys.modules[__name__])
    code = 0
    try:
        module = _run_script(script)
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        module = None
        if code != 0:
            return code
    if not _cli["taken"]:
        try:
            counts = snapshot(meta=[("argv", " ".join(script).replace("\n", " "))])
        except (OSError, SnapshotError) as e:
            print("pyheap-snapshot: %s" % e, file=sys.stderr)
            return 1
        print("pyheap-snapshot: %(objects)d objects (%(atoms)d atoms), %(edges)d edges, %(roots)d roots, "
              "%(types)d types" % counts, "->", args.out, file=sys.stderr)
    del module
    return code


if __name__ == "__main__":
    sys.exit(main())
