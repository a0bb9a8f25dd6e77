#!/usr/bin/env python3
"""CPython as the oracle: replay gclab traces in this very interpreter and check, collection by
collection, that gclab's rc-gen collector made the same collections.

For every trace this script
  1. replays it in CPython twice, each time in a fresh interpreter: once with a gc.callbacks hook
     that logs (allocation index, generation, collected) for each collection, once without any
     hook, taking gc.get_stats() and gc.get_count() before and after;
  2. replays it with `gclab replay --collector rc-gen --param model=3.X` and reads events.csv and
     summary.json;
  3. requires the three to agree exactly: the same list of collections, the same per-generation
     statistics (collections, collected, uncollectable), the same final counts.

How a trace maps onto Python (facts found by experiment on CPython 3.11.7 and 3.12.1):
  - an object with N slots is an instance of a class with __slots__ = ('s0', ..., 's{N-1}'),
    created with no arguments: exactly one counted GC allocation; its slots are then set to None
    so that reading a nil slot never raises (an exception object would be a GC allocation);
  - an atomic object (no slots) is an object(): not a GC object, never counted, like gclab's
    untracked atomic objects (a class with __slots__ = () would still be GC-tracked);
  - roots are a preallocated list; every operation is a list store, a setattr or a getattr, none
    of which allocates; the trace is parsed into preallocated lists before measuring; the loop
    allocates nothing else (no for-loop iterators, no tuples: set_threshold gets a prebuilt tuple
    through *args);
  - the measurement starts from gc.collect(); gc.freeze(); gc.collect(): the interpreter's own
    objects are permanent, generations and counts are empty, long_lived_* are zero;
  - the 'stop' info dict of a full collection is a fresh GC allocation (full collections empty
    the dict free list) that CPython counts and never uncounts: it would shift every later
    trigger by one. The hook compensates by freeing one spare GC object, allocated before the
    freeze, which takes generation 0's count back to zero. The run without hooks checks that the
    compensation is exact;
  - `unfreeze` is refused: CPython's permanent generation also holds the interpreter's own ten
    thousand objects, which would join generation 2.
CPython 3.12 runs an automatic collection at the next eval-breaker check after the allocation
rather than inside it; rc-gen models that with --param model=3.12.

usage: cpython_oracle.py [--gclab PATH] [--standard] [--keep DIR] TRACE...
       [--gen KIND,SEED,SCALE]...
       (negative controls: --model 3.X, --other-model, --gclab-param NAME=VALUE)
Exit status: 0 all identical (with --expect-different: all different), 1 otherwise (each
difference described), 2 bad usage, or a trace that could not be replayed, 77 skipped (not
CPython 3.11 or 3.12).
"""
import argparse
import csv
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
OPS = {"alloc": 0, "set": 1, "get": 2, "copy": 3, "drop": 4, "collect": 5, "disable": 6, "enable": 7,
       "freeze": 8, "threshold": 9}


class TraceError(Exception):
    pass


def parse_trace(path):
    """The trace as parallel lists K (operation), A, B, C (arguments), plus the number of roots and
    the threshold tuples. gclab validates traces thoroughly; this only needs what replay uses."""
    K, A, B, C, thresholds = [], [], [], [], []
    nroots = None
    header = False
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if not header:
                if words != ["gclab-trace", "1"]:
                    raise TraceError(f"{path}:{lineno}: missing 'gclab-trace 1' header")
                header = True
                continue
            if nroots is None:
                if words[0] != "roots" or len(words) != 2:
                    raise TraceError(f"{path}:{lineno}: missing 'roots N'")
                nroots = int(words[1])
                continue
            op = words[0]
            if op == "unfreeze":
                raise TraceError(f"{path}:{lineno}: 'unfreeze' cannot be compared: CPython's permanent "
                                 "generation also holds the interpreter's own objects")
            if op not in OPS:
                raise TraceError(f"{path}:{lineno}: unknown operation '{op}'")
            args = words[1:]
            a = b = c = 0
            if op == "threshold":
                thresholds.append(tuple(int(x) for x in args))
                a = len(thresholds) - 1
            elif op == "set":
                a, b, c = int(args[0]), int(args[1]), (-1 if args[2] == "-" else int(args[2]))
            elif args:
                vals = [int(x) for x in args] + [0, 0]
                a, b, c = vals[0], vals[1], vals[2]
            K.append(OPS[op])
            A.append(a)
            B.append(b)
            C.append(c)
    if nroots is None:
        raise TraceError(f"{path}: missing header or 'roots N'")
    return K, A, B, C, nroots, thresholds


# ---------------------------------------------------------------- the child: one replay in CPython

IDX = 0  # allocations so far: what the hook reads as a collection's allocation index
NLOG = 0
SPARE = 0
LOG_IDX = LOG_GEN = LOG_COL = SPARES = None


class Spare:
    """A GC-tracked object whose death takes one from generation 0's count."""
    __slots__ = ()


def hook(phase, info):
    """gc.callbacks entry: log each collection; after a full one, compensate the info dict."""
    global NLOG, SPARE
    if phase == "start":
        LOG_IDX[NLOG] = IDX
        LOG_GEN[NLOG] = info["generation"]
    else:
        LOG_COL[NLOG] = info["collected"]
        NLOG += 1
        if info["generation"] == 2:
            SPARES[SPARE] = None
            SPARE += 1


def replay(K, A, B, C, roots, classes, names, thresholds):
    """The measured loop. It must allocate nothing CPython counts but the trace's own objects."""
    global IDX
    # One name per statement: `a, b = x, y` may build a tuple, and a tuple is a counted allocation.
    collect = gc.collect
    disable = gc.disable
    enable = gc.enable
    freeze = gc.freeze
    set_threshold = gc.set_threshold
    setattr_ = setattr
    getattr_ = getattr
    atom = object
    n = len(K)
    i = 0
    while i < n:
        k = K[i]
        a = A[i]
        if k == 0:  # alloc R NSLOTS NBYTES
            IDX += 1
            m = B[i]
            if m == 0:
                roots[a] = atom()
            else:
                o = classes[m]()
                j = 0
                while j < m:
                    setattr_(o, names[j], None)
                    j += 1
                roots[a] = o
                o = None
        elif k == 1:  # set R S R2
            c = C[i]
            setattr_(roots[a], names[B[i]], None if c < 0 else roots[c])
        elif k == 4:  # drop R
            roots[a] = None
        elif k == 3:  # copy R R2
            roots[a] = roots[B[i]]
        elif k == 2:  # get R R2 S
            roots[a] = getattr_(roots[B[i]], names[C[i]])
        elif k == 5:
            collect(a)
        elif k == 6:
            disable()
        elif k == 7:
            enable()
        elif k == 8:
            freeze()
        else:
            set_threshold(*thresholds[a])
        i += 1


def child(path, with_hook):
    """Replay one trace in this interpreter; print what CPython did as JSON."""
    global LOG_IDX, LOG_GEN, LOG_COL, SPARES
    K, A, B, C, nroots, thresholds = parse_trace(path)
    widths = sorted({B[i] for i in range(len(K)) if K[i] == 0 and B[i] > 0})
    top = max([0] + widths + [B[i] + 1 for i in range(len(K)) if K[i] == 1] + [C[i] + 1 for i in range(len(K)) if K[i] == 2])
    names = tuple(sys.intern(f"s{j}") for j in range(top))
    classes = [None] * (top + 1)
    for w in widths:
        classes[w] = type(f"Obj{w}", (), {"__slots__": names[:w]})
    roots = [None] * nroots
    bound = sum(1 for k in K if k in (0, 5)) + 2  # collections cannot outnumber allocations + collects
    LOG_IDX, LOG_GEN, LOG_COL = [0] * bound, [0] * bound, [0] * bound
    SPARES = [Spare() for _ in range(bound)] if with_hook else []
    gc.collect()
    before = gc.get_stats()
    gc.freeze()
    setup_collected = gc.collect()
    if with_hook:
        gc.callbacks.append(hook)
    replay(K, A, B, C, roots, classes, names, thresholds)
    if with_hook:
        gc.callbacks.remove(hook)
    count = gc.get_count()
    after = gc.get_stats()
    stats = []
    for g in range(3):
        d = {key: after[g][key] - before[g][key] for key in ("collections", "collected", "uncollectable")}
        if g == 2:  # the setup's last gc.collect()
            d["collections"] -= 1
            d["collected"] -= setup_collected
        stats.append(d)
    events = [[LOG_IDX[j], LOG_GEN[j], LOG_COL[j]] for j in range(NLOG)]
    json.dump({"events": events if with_hook else None, "stats": stats, "count": list(count), "allocs": IDX},
              sys.stdout)


# ---------------------------------------------------------------- the parent: compare

def python_version_ok():
    impl = sys.implementation.name
    ver = sys.version_info[:2]
    if impl != "cpython" or ver not in ((3, 11), (3, 12)):
        return None
    return f"{ver[0]}.{ver[1]}"


def start_child(path, with_hook):
    """A fresh interpreter replaying the trace (see child()); the two replays run side by side."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "hook" if with_hook else "plain", path]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_child(proc, path):
    out, err = proc.communicate()
    if proc.returncode != 0:
        last = err.strip().splitlines()[-1] if err.strip() else f"exit status {proc.returncode}"
        raise TraceError(f"CPython replay of {path} failed: {last}")
    return json.loads(out)


def run_gclab(gclab, model, params, path, out):
    cmd = [gclab, "replay", "--collector", "rc-gen", "--param", f"model={model}", path, "--out", out, "--quiet",
           "--sample-every", "0"]
    for p in params:
        cmd += ["--param", p]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise TraceError(f"gclab replay of {path} failed ({p.returncode}): {p.stderr.strip()}")
    with open(os.path.join(out, "events.csv")) as f:
        events = [[int(r["alloc_index"]), int(r["generation"]), int(r["collected"])]
                  for r in csv.DictReader(f) if r["kind"] == "gen"]
    with open(os.path.join(out, "summary.json")) as f:
        summary = json.load(f)
    gens = summary["collector_stats"]["generations"]
    stats = [{k: gens[str(g)][k] for k in ("collections", "collected", "uncollectable")} for g in range(3)]
    count = [gens[str(g)]["count"] for g in range(3)]
    return {"events": events, "stats": stats, "count": count, "allocs": summary["mutator"]["allocations"],
            "deferrals": summary["collector_stats"].get("long_lived_deferrals", 0)}


def first_difference(ours, theirs):
    for j, (x, y) in enumerate(zip(ours, theirs)):
        if x != y:
            return j
    return min(len(ours), len(theirs))


def compare(gclab, model, params, path, keep):
    """Returns (ok, one-line description)."""
    name = os.path.basename(path)
    procs = [start_child(path, True), start_child(path, False)]
    try:
        out = tempfile.mkdtemp(prefix="oracle-", dir=keep)
        ours = run_gclab(gclab, model, params, path, out)
    finally:
        hooked, plain = (finish_child(p, path) for p in procs)
    problems = []
    if hooked["events"] != ours["events"]:
        j = first_difference(ours["events"], hooked["events"])
        show = lambda ev: ", ".join(f"(alloc {e[0]}, gen {e[1]}, collected {e[2]})" for e in ev[max(0, j - 1):j + 2])
        problems.append(f"collections differ from #{j} on: CPython {len(hooked['events'])} [{show(hooked['events'])}] "
                        f"vs gclab {len(ours['events'])} [{show(ours['events'])}]")
    for label, cp in (("with the hook", hooked), ("without the hook", plain)):
        if cp["stats"] != ours["stats"]:
            problems.append(f"gc.get_stats() deltas {label} {cp['stats']} != gclab's {ours['stats']}")
        if cp["count"] != ours["count"]:
            problems.append(f"gc.get_count() {label} {cp['count']} != gclab's {ours['count']}")
    if hooked["allocs"] != ours["allocs"]:
        problems.append(f"allocations: CPython {hooked['allocs']} vs gclab {ours['allocs']}")
    if problems:
        return False, f"{name}: DIFFERENT\n    " + "\n    ".join(problems)
    per_gen = [s["collections"] for s in ours["stats"]]
    collected = sum(s["collected"] for s in ours["stats"])
    return True, (f"{name}: identical: {ours['allocs']} allocations, {len(ours['events'])} collections "
                  f"(generations 0/1/2: {per_gen[0]}/{per_gen[1]}/{per_gen[2]}), {collected} objects collected, "
                  f"final counts {ours['count']}, full collections deferred by the 25% rule: {ours['deferrals']}")


STANDARD = [("trees", 1, 1), ("cycles", 1, 1), ("growing", 1, 1), ("mix", 1, 1),
            ("random", 1, 1), ("random", 2, 1), ("random", 3, 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("traces", nargs="*", help="trace files to compare")
    ap.add_argument("--gclab", default=os.environ.get("GCLAB_EXE", "gclab"), help="the gclab program")
    ap.add_argument("--standard", action="store_true",
                    help="also generate and compare the standard traces (tools/gen_trace.py: trees, cycles, "
                         "growing, mix, three random seeds)")
    ap.add_argument("--model", choices=("3.11", "3.12"),
                    help="rc-gen's model (default: this interpreter's version; another one is a negative control)")
    ap.add_argument("--other-model", action="store_true",
                    help="give rc-gen the model of the other supported version (a negative control)")
    ap.add_argument("--expect-different", action="store_true",
                    help="succeed only if every trace differs (for the negative controls)")
    ap.add_argument("--gclab-param", action="append", default=[], metavar="NAME=VALUE",
                    help="an extra rc-gen parameter (a deliberate deviation: a negative control)")
    ap.add_argument("--gen", action="append", default=[], metavar="KIND,SEED,SCALE",
                    help="also generate and compare this trace (tools/gen_trace.py KIND --seed SEED --scale SCALE)")
    ap.add_argument("--keep", help="directory for gclab's results and generated traces (default: a temporary one)")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "TRACE"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        try:
            child(a.child[1], a.child[0] == "hook")
        except TraceError as e:
            sys.exit(str(e))
        return 0
    model = python_version_ok()
    if model is None:
        print(f"cpython_oracle.py: skipped: needs CPython 3.11 or 3.12, this is {sys.implementation.name} "
              f"{sys.version.split()[0]}")
        return SKIP
    model = a.model or model
    if a.other_model:
        model = "3.12" if model == "3.11" else "3.11"
    generate = list(STANDARD) if a.standard else []
    for spec in a.gen:
        try:
            kind, seed, scale = spec.split(",")
            generate.append((kind, int(seed), float(scale)))
        except ValueError:
            ap.error(f"--gen {spec}: expected KIND,SEED,SCALE such as cycles,1,0.05")
    if not a.traces and not generate:
        ap.error("no traces given (and no --standard)")
    work = a.keep or tempfile.mkdtemp(prefix="gclab-oracle-")
    os.makedirs(work, exist_ok=True)
    traces = list(a.traces)
    if generate:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import gen_trace
        for kind, seed, scale in generate:
            path = os.path.join(work, f"{kind}-{seed}-{scale:g}.trace")
            t = gen_trace.generate(kind, seed, scale)
            with open(path, "w") as out:
                t.write(out, f"tools/gen_trace.py {kind} --seed {seed} --scale {scale}")
            traces.append(path)
    extra = "".join(f", {p}" for p in a.gclab_param)
    print(f"CPython {sys.version.split()[0]} against {a.gclab} (rc-gen, model={model}{extra})")
    identical = different = errors = 0
    for path in traces:
        try:
            ok, line = compare(a.gclab, model, a.gclab_param, path, work)
            identical += ok
            different += not ok
        except (TraceError, OSError, ValueError) as e:
            line = f"{os.path.basename(path)}: ERROR: {e}"
            errors += 1
        print(line, flush=True)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{identical} of {len(traces)} traces identical, {different} different, {errors} could not be compared")
    if errors:
        return 2
    if a.expect_different:
        return 0 if identical == 0 else 1
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
