/* pyobjects: the object shapes of a CPython program, request after request (cyclic).
 *
 * Long-lived part, built first: `modules` module objects in a sys.modules-like dict; each module
 * has a dict (its globals) holding `functions` functions and `classes` classes. Every function
 * refers to its code (an atom) and back to its module's dict (function -> globals -> function:
 * the cycle every Python module has); every class has a dict of `methods` functions, an MRO tuple
 * that starts with the class itself (another cycle), a base (sometimes an earlier class of the
 * module, always `object` at the end) and a tuple of its instances' attribute names. Then a pool
 * of `pool` long-lived instances, held by one list, as a long-running program's caches hold them.
 *
 * Each of `requests` requests then does what a request handler does:
 *  - makes an instance of a random class: instance -> class, instance -> attribute dict (split
 *    table: one slot per attribute of the class). Each attribute is a new atom (str or int), or
 *    with child_fraction a child instance whose own dict refers back to the parent with
 *    backref_fraction (parent -> dict -> child -> dict -> parent, the "self.parent" cycle), or
 *    with shared_fraction an instance of the long-lived pool (a young-to-old reference);
 *  - calls a method through a bound method (function + self), which dies at once; with
 *    method_fraction the bound method is stored in the instance's dict instead (the
 *    "self.callback = self.method" cycle: instance -> dict -> method -> instance);
 *  - with exception_fraction raises and catches an exception whose traceback holds the frame
 *    whose locals hold the exception (exception -> traceback -> frame -> locals -> exception);
 *  - with keep_fraction stores the instance in a random pool entry (an old-to-young store; the
 *    instance it replaces dies), else drops it.
 * Garbage is thus a mix: acyclic (atoms, bound methods, instances without back references),
 * freed by reference counting, and cyclic (back references, stored methods, exceptions, pool
 * instances that had them), which only a cycle collector or a tracing collector reclaims.
 *
 * Sizes follow CPython 3.11 on 64-bit (sys.getsizeof without the GC header), approximately:
 * instance 40, str 49 + length, int 28, function 144, class 904, module 56 bytes.
 *
 * Peak live size (gc_object_size bytes, measured with the census): 15.2 MB after set-up with the
 * defaults (5.5 MB of modules, about 480 bytes per pool instance), growing as kept instances keep
 * older pool instances alive through shared attributes: 18.0 MB after the default run, 19.1 MB
 * after 10,000,000 requests. With m = mean attributes * shared_fraction below 1 the pool holds
 * at most about pool / (1 - m) instances' worth; m >= 1 grows without bound. At the end the
 * modules and the pool stay reachable, so the run's live figures are the long-lived heap and rc's
 * leak is exactly the cyclic garbage the requests made. */
#include "gclab/workload.h"

enum {
    TAG_MODULE = 100, TAG_DICT, TAG_STR, TAG_INT, TAG_CODE, TAG_FUNCTION, TAG_CLASS, TAG_TUPLE, TAG_LIST,
    TAG_INSTANCE, TAG_METHOD, TAG_EXCEPTION, TAG_TRACEBACK, TAG_FRAME,
};

/* Raw bytes after the slots, so that gc_object_size is CPython's size (16-byte header + slots). */
enum {
    RAW_MODULE = 24, RAW_DICT = 32, RAW_INT = 12, RAW_STR = 33, RAW_FUNCTION = 96, RAW_CLASS = 848, RAW_TUPLE = 8,
    RAW_LIST = 24, RAW_INSTANCE = 8, RAW_METHOD = 16, RAW_EXCEPTION = 32, RAW_TRACEBACK = 16, RAW_FRAME = 64,
};

/* Slots of the fixed-layout objects. */
enum { MODULE_DICT = 0, MODULE_NAME, MODULE_SLOTS };
enum { FUNC_CODE = 0, FUNC_GLOBALS, FUNC_NAME, FUNC_DEFAULTS, FUNC_SLOTS };
enum { CLASS_DICT = 0, CLASS_MRO, CLASS_BASES, CLASS_NAME, CLASS_KEYS, CLASS_SLOTS };
enum { INST_CLASS = 0, INST_DICT, INST_SLOTS };
enum { METHOD_FUNC = 0, METHOD_SELF, METHOD_SLOTS };
enum { EXC_ARGS = 0, EXC_TRACEBACK, EXC_CONTEXT, EXC_SLOTS };
enum { TB_FRAME = 0, TB_NEXT, TB_SLOTS };
enum { FRAME_CODE = 0, FRAME_GLOBALS, FRAME_LOCALS, FRAME_BACK, FRAME_SLOTS };
enum { LOCALS_SELF = 0, LOCALS_EXC, LOCALS_SLOTS = 4 };
enum { CHILD_VALUE = 0, CHILD_PARENT, CHILD_ATTRS };

/* The registers of the run: the long-lived roots, then scratch for one request. */
enum {
    R_MODULES, R_POOL, R_OBJECT, R_MOD, R_MDICT, R_CLS, R_CDICT, R_FUNC, R_INST, R_IDICT, R_CHILD, R_CHDICT,
    R_VAL, R_TMP, R_EXC, R_TB, R_FRAME, R_LOCALS, R_METHOD, R_ATOM, NREGS
};

static const gc_param_desc pyobjects_params[] = {
    {"requests", GC_PARAM_INT, "1000000", "requests", 0, 1e12, NULL, "requests handled (the size parameter)"},
    {"modules", GC_PARAM_INT, "40", "modules", 1, 1e5, NULL, "modules, each with its globals dict"},
    {"functions", GC_PARAM_INT, "25", "functions", 0, 1e4, NULL, "functions per module"},
    {"classes", GC_PARAM_INT, "15", "classes", 1, 1e4, NULL, "classes per module"},
    {"methods", GC_PARAM_INT, "8", "functions", 1, 1e4, NULL, "methods per class"},
    {"attrs", GC_PARAM_INT, "5", "attributes", 1, 100, NULL,
     "mean attributes of a class's instances (each class: uniform 1 .. 2*attrs-1)"},
    {"pool", GC_PARAM_INT, "20000", "instances", 1, 1e8, NULL, "long-lived instances, held by one list"},
    {"child_fraction", GC_PARAM_REAL, "0.25", "ratio", 0, 1, NULL, "probability that an attribute is a child instance"},
    {"backref_fraction", GC_PARAM_REAL, "0.2", "ratio", 0, 1, NULL,
     "probability that a child refers back to its parent (a cycle)"},
    {"shared_fraction", GC_PARAM_REAL, "0.1", "ratio", 0, 1, NULL,
     "probability that an attribute refers to a pool instance"},
    {"method_fraction", GC_PARAM_REAL, "0.1", "ratio", 0, 1, NULL,
     "probability that a request stores a bound method in its instance (a cycle)"},
    {"exception_fraction", GC_PARAM_REAL, "0.02", "ratio", 0, 1, NULL,
     "probability that a request raises an exception caught with its traceback (a cycle)"},
    {"keep_fraction", GC_PARAM_REAL, "0.05", "ratio", 0, 1, NULL,
     "probability that a request's instance replaces a pool instance"},
    GC_PARAM_END,
};

typedef struct py {
    gc_heap *h;
    gc_rng *rng;
    uint32_t r; /* first register */
    int64_t modules, functions, classes, methods, attrs, pool;
    double child, backref, shared, method, exception, keep;
    uint8_t *nattrs; /* attributes of class c of module m: nattrs[m * classes + c] */
} py;

static uint32_t R(const py *p, uint32_t reg) { return p->r + reg; }

static bool chance(py *p, double probability) { return gc_rng_real(p->rng) < probability; }

/* Register reg = a new str (of a random identifier length) or int atom. */
static void new_atom(py *p, uint32_t reg, bool str) {
    if (str) gc_new(p->h, R(p, reg), 0, RAW_STR + 4 + (uint32_t)gc_rng_below(p->rng, 13), TAG_STR);
    else gc_new(p->h, R(p, reg), 0, RAW_INT, TAG_INT);
}

/* Slot `slot` of the object in reg = a new atom (made in R_ATOM, which nothing else uses). */
static void set_atom(py *p, uint32_t reg, uint32_t slot, bool str) {
    new_atom(p, R_ATOM, str);
    gc_set(p->h, R(p, reg), slot, R(p, R_ATOM));
    gc_drop(p->h, R(p, R_ATOM));
}

/* Register R_FUNC = a new function whose globals are the dict in R_MDICT. */
static void new_function(py *p) {
    gc_heap *h = p->h;
    gc_new(h, R(p, R_FUNC), FUNC_SLOTS, RAW_FUNCTION, TAG_FUNCTION);
    gc_new(h, R(p, R_TMP), 0, 160 + 16 * (uint32_t)gc_rng_below(p->rng, 40), TAG_CODE); /* code: bytecode, tables */
    gc_set(h, R(p, R_FUNC), FUNC_CODE, R(p, R_TMP));
    gc_set(h, R(p, R_FUNC), FUNC_GLOBALS, R(p, R_MDICT));
    set_atom(p, R_FUNC, FUNC_NAME, true);
    if (chance(p, 0.3)) { /* default argument values */
        gc_new(h, R(p, R_TMP), 1, RAW_TUPLE, TAG_TUPLE);
        set_atom(p, R_TMP, 0, false);
        gc_set(h, R(p, R_FUNC), FUNC_DEFAULTS, R(p, R_TMP));
    }
    gc_drop(h, R(p, R_TMP));
}

/* Register R_CLS = class c of the module whose dict is in R_MDICT; entry `entry` of that dict
 * receives it. Its base is `object` or, sometimes, an earlier class of the module. */
static void new_class(py *p, int64_t m, int64_t c, uint32_t entry) {
    gc_heap *h = p->h;
    uint32_t nattrs = 1 + (uint32_t)gc_rng_below(p->rng, (uint64_t)(2 * p->attrs - 1));
    p->nattrs[m * p->classes + c] = (uint8_t)nattrs; /* attrs <= 100: at most 199 */
    gc_new(h, R(p, R_CLS), CLASS_SLOTS, RAW_CLASS, TAG_CLASS);
    gc_set(h, R(p, R_MDICT), 2 * entry + 1, R(p, R_CLS));
    set_atom(p, R_MDICT, 2 * entry, true);
    set_atom(p, R_CLS, CLASS_NAME, true);

    uint32_t nm = (uint32_t)p->methods; /* the class dict: method name -> function */
    gc_new(h, R(p, R_CDICT), 2 * nm, RAW_DICT + 8 * nm, TAG_DICT);
    gc_set(h, R(p, R_CLS), CLASS_DICT, R(p, R_CDICT));
    for (uint32_t k = 0; k < nm; k++) {
        new_function(p);
        gc_set(h, R(p, R_CDICT), 2 * k + 1, R(p, R_FUNC));
        set_atom(p, R_CDICT, 2 * k, true);
    }

    bool derived = c > 0 && chance(p, 0.3); /* base: an earlier class of this module */
    if (derived) {
        uint32_t base = entry - 1 - (uint32_t)gc_rng_below(p->rng, (uint64_t)c);
        gc_get(h, R(p, R_VAL), R(p, R_MDICT), 2 * base + 1);
    }
    gc_new(h, R(p, R_TMP), 2 + derived, RAW_TUPLE, TAG_TUPLE); /* MRO: (cls, [base,] object) */
    gc_set(h, R(p, R_TMP), 0, R(p, R_CLS));
    if (derived) gc_set(h, R(p, R_TMP), 1, R(p, R_VAL));
    gc_set(h, R(p, R_TMP), 1 + derived, R(p, R_OBJECT));
    gc_set(h, R(p, R_CLS), CLASS_MRO, R(p, R_TMP));
    gc_new(h, R(p, R_TMP), 1, RAW_TUPLE, TAG_TUPLE); /* bases */
    gc_set(h, R(p, R_TMP), 0, derived ? R(p, R_VAL) : R(p, R_OBJECT));
    gc_set(h, R(p, R_CLS), CLASS_BASES, R(p, R_TMP));
    gc_new(h, R(p, R_TMP), nattrs, RAW_TUPLE, TAG_TUPLE); /* the instances' attribute names */
    for (uint32_t k = 0; k < nattrs; k++) set_atom(p, R_TMP, k, true);
    gc_set(h, R(p, R_CLS), CLASS_KEYS, R(p, R_TMP));
    gc_drop(h, R(p, R_TMP));
    gc_drop(h, R(p, R_VAL));
}

/* Module m into entry m of the modules dict: functions first, then classes. */
static void new_module(py *p, int64_t m) {
    gc_heap *h = p->h;
    uint32_t entries = (uint32_t)(p->functions + p->classes);
    gc_new(h, R(p, R_MOD), MODULE_SLOTS, RAW_MODULE, TAG_MODULE);
    gc_set(h, R(p, R_MODULES), 2 * (uint32_t)m + 1, R(p, R_MOD));
    set_atom(p, R_MODULES, 2 * (uint32_t)m, true);
    set_atom(p, R_MOD, MODULE_NAME, true);
    gc_new(h, R(p, R_MDICT), 2 * entries, RAW_DICT + 8 * entries, TAG_DICT);
    gc_set(h, R(p, R_MOD), MODULE_DICT, R(p, R_MDICT));
    for (uint32_t k = 0; k < p->functions; k++) {
        new_function(p);
        gc_set(h, R(p, R_MDICT), 2 * k + 1, R(p, R_FUNC));
        set_atom(p, R_MDICT, 2 * k, true);
    }
    for (int64_t c = 0; c < p->classes; c++) new_class(p, m, c, (uint32_t)(p->functions + c));
}

/* R_MDICT and R_CLS = the dict and a random class of a random module; returns the class's
 * attribute count. Everything is reached from the modules dict, as a program reaches it. */
static uint32_t pick_class(py *p) {
    gc_heap *h = p->h;
    int64_t m = (int64_t)gc_rng_below(p->rng, (uint64_t)p->modules);
    int64_t c = (int64_t)gc_rng_below(p->rng, (uint64_t)p->classes);
    gc_get(h, R(p, R_MOD), R(p, R_MODULES), 2 * (uint32_t)m + 1);
    gc_get(h, R(p, R_MDICT), R(p, R_MOD), MODULE_DICT);
    gc_get(h, R(p, R_CLS), R(p, R_MDICT), 2 * (uint32_t)(p->functions + c) + 1);
    return p->nattrs[m * p->classes + c];
}

/* Attribute k of the instance whose dict is in R_IDICT (the instance in R_INST). */
static void new_attribute(py *p, uint32_t k) {
    gc_heap *h = p->h;
    double u = gc_rng_real(p->rng);
    if (u < p->child) { /* a child instance of the same class, perhaps pointing back */
        gc_new(h, R(p, R_CHILD), INST_SLOTS, RAW_INSTANCE, TAG_INSTANCE);
        gc_set(h, R(p, R_CHILD), INST_CLASS, R(p, R_CLS));
        gc_new(h, R(p, R_CHDICT), CHILD_ATTRS, RAW_DICT, TAG_DICT);
        gc_set(h, R(p, R_CHILD), INST_DICT, R(p, R_CHDICT));
        set_atom(p, R_CHDICT, CHILD_VALUE, chance(p, 0.5));
        if (chance(p, p->backref)) gc_set(h, R(p, R_CHDICT), CHILD_PARENT, R(p, R_INST));
        gc_set(h, R(p, R_IDICT), k, R(p, R_CHILD));
        gc_drop(h, R(p, R_CHDICT));
        gc_drop(h, R(p, R_CHILD));
    } else if (u < p->child + p->shared) { /* a long-lived instance (nil while the pool fills) */
        gc_get(h, R(p, R_VAL), R(p, R_POOL), (uint32_t)gc_rng_below(p->rng, (uint64_t)p->pool));
        gc_set(h, R(p, R_IDICT), k, R(p, R_VAL));
        gc_drop(h, R(p, R_VAL));
    } else {
        set_atom(p, R_IDICT, k, chance(p, 0.6));
    }
}

/* R_INST = a new instance of a random class, R_IDICT its dict (one extra slot for a callback). */
static uint32_t new_instance(py *p) {
    gc_heap *h = p->h;
    uint32_t nattrs = pick_class(p);
    gc_new(h, R(p, R_INST), INST_SLOTS, RAW_INSTANCE, TAG_INSTANCE);
    gc_set(h, R(p, R_INST), INST_CLASS, R(p, R_CLS));
    gc_new(h, R(p, R_IDICT), nattrs + 1, RAW_DICT, TAG_DICT);
    gc_set(h, R(p, R_INST), INST_DICT, R(p, R_IDICT));
    for (uint32_t k = 0; k < nattrs; k++) new_attribute(p, k);
    return nattrs;
}

/* A bound method of the instance in R_INST: dies at once, or is stored in its dict's last slot. */
static void call_method(py *p, uint32_t nattrs) {
    gc_heap *h = p->h;
    gc_get(h, R(p, R_CDICT), R(p, R_CLS), CLASS_DICT);
    gc_get(h, R(p, R_FUNC), R(p, R_CDICT), 2 * (uint32_t)gc_rng_below(p->rng, (uint64_t)p->methods) + 1);
    gc_new(h, R(p, R_METHOD), METHOD_SLOTS, RAW_METHOD, TAG_METHOD);
    gc_set(h, R(p, R_METHOD), METHOD_FUNC, R(p, R_FUNC));
    gc_set(h, R(p, R_METHOD), METHOD_SELF, R(p, R_INST));
    if (chance(p, p->method)) gc_set(h, R(p, R_IDICT), nattrs, R(p, R_METHOD));
    gc_drop(h, R(p, R_METHOD));
}

/* Raise and catch an exception in the method in R_FUNC: the traceback keeps the frame, whose
 * locals keep the exception and the instance. */
static void raise_exception(py *p) {
    gc_heap *h = p->h;
    gc_new(h, R(p, R_EXC), EXC_SLOTS, RAW_EXCEPTION, TAG_EXCEPTION);
    gc_new(h, R(p, R_TMP), 1, RAW_TUPLE, TAG_TUPLE);
    set_atom(p, R_TMP, 0, true);
    gc_set(h, R(p, R_EXC), EXC_ARGS, R(p, R_TMP));
    gc_new(h, R(p, R_FRAME), FRAME_SLOTS, RAW_FRAME, TAG_FRAME);
    gc_get(h, R(p, R_TMP), R(p, R_FUNC), FUNC_CODE);
    gc_set(h, R(p, R_FRAME), FRAME_CODE, R(p, R_TMP));
    gc_get(h, R(p, R_TMP), R(p, R_FUNC), FUNC_GLOBALS);
    gc_set(h, R(p, R_FRAME), FRAME_GLOBALS, R(p, R_TMP));
    gc_new(h, R(p, R_LOCALS), LOCALS_SLOTS, RAW_DICT, TAG_DICT);
    gc_set(h, R(p, R_LOCALS), LOCALS_SELF, R(p, R_INST));
    gc_set(h, R(p, R_LOCALS), LOCALS_EXC, R(p, R_EXC));
    for (uint32_t k = LOCALS_EXC + 1; k < LOCALS_SLOTS; k++) set_atom(p, R_LOCALS, k, k % 2 == 0);
    gc_set(h, R(p, R_FRAME), FRAME_LOCALS, R(p, R_LOCALS));
    gc_new(h, R(p, R_TB), TB_SLOTS, RAW_TRACEBACK, TAG_TRACEBACK);
    gc_set(h, R(p, R_TB), TB_FRAME, R(p, R_FRAME));
    gc_set(h, R(p, R_EXC), EXC_TRACEBACK, R(p, R_TB));
    gc_drop(h, R(p, R_TMP));
    gc_drop(h, R(p, R_LOCALS));
    gc_drop(h, R(p, R_FRAME));
    gc_drop(h, R(p, R_TB));
    gc_drop(h, R(p, R_EXC));
}

/* Drop the request's scratch registers (R_INST last: it may be the last reference). */
static void end_request(py *p) {
    for (uint32_t reg = R_MOD; reg < NREGS; reg++)
        if (reg != R_INST && gc_reg(p->h, R(p, reg)) != NULL) gc_drop(p->h, R(p, reg));
    gc_drop(p->h, R(p, R_INST));
}

static void handle_request(py *p) {
    uint32_t nattrs = new_instance(p);
    call_method(p, nattrs);
    if (chance(p, p->exception)) raise_exception(p);
    if (chance(p, p->keep)) gc_set(p->h, R(p, R_POOL), (uint32_t)gc_rng_below(p->rng, (uint64_t)p->pool), R(p, R_INST));
    end_request(p);
}

static int pyobjects_run(gc_heap *h, const gc_params *params, gc_rng *rng) {
    py p = {.h = h, .rng = rng};
    p.modules = gc_param_int(params, "modules");
    p.functions = gc_param_int(params, "functions");
    p.classes = gc_param_int(params, "classes");
    p.methods = gc_param_int(params, "methods");
    p.attrs = gc_param_int(params, "attrs");
    p.pool = gc_param_int(params, "pool");
    p.child = gc_param_real(params, "child_fraction");
    p.backref = gc_param_real(params, "backref_fraction");
    p.shared = gc_param_real(params, "shared_fraction");
    p.method = gc_param_real(params, "method_fraction");
    p.exception = gc_param_real(params, "exception_fraction");
    p.keep = gc_param_real(params, "keep_fraction");
    if (!(p.nattrs = gc_heap_scratch(h, (size_t)(p.modules * p.classes)))) return -1;
    p.r = gc_frame_push(h, NREGS);

    gc_new(h, R(&p, R_OBJECT), CLASS_SLOTS, RAW_CLASS, TAG_CLASS); /* `object`: a static type */
    gc_new(h, R(&p, R_MODULES), 2 * (uint32_t)p.modules, RAW_DICT + 8 * (uint32_t)p.modules, TAG_DICT);
    for (int64_t m = 0; m < p.modules; m++) new_module(&p, m);
    gc_new(h, R(&p, R_POOL), (uint32_t)p.pool, RAW_LIST, TAG_LIST);
    for (int64_t i = 0; i < p.pool; i++) { /* fill the pool with the instances of p.pool requests */
        new_instance(&p);
        gc_set(h, R(&p, R_POOL), (uint32_t)i, R(&p, R_INST));
        end_request(&p);
    }
    int64_t requests = gc_param_int(params, "requests");
    for (int64_t i = 0; i < requests; i++) handle_request(&p);
    return 0; /* the modules and the pool stay reachable: see the header comment */
}

const gc_workload gc_workload_pyobjects = {
    .name = "pyobjects",
    .summary = "CPython-shaped requests: instances with attribute dicts and back references, bound methods, "
               "exceptions with tracebacks, around long-lived modules and classes (cyclic)",
    .cyclic = true,
    .params = pyobjects_params,
    .test_params = "requests=20000,pool=2000,modules=8",
    .run = pyobjects_run,
};
