//! Build-time changes to QuickJS for the guest, applied by a compiler shim.
//!
//! `rquickjs-sys` compiles the QuickJS sources it ships, with settings meant
//! for a generic WASI program. Some of them do not suit a sandbox, and no
//! build option reaches them, so the guest build points the C compiler for
//! wasm32 at this build script itself: run with [`SHIM_ENV`] set, it acts as
//! the compiler, applies the edits below to `quickjs.c`, writes the result
//! beside the original (so its includes resolve) and compiles that instead.
//! Every edit must match exactly as often as it expects, or the build fails
//! and names it, so a QuickJS update can never drop an edit silently.
//!
//! The edits:
//!
//! 1. **Stack checks on WASI.** QuickJS turns its stack-overflow check off
//!    for WASI, so deep recursion runs the guest's shadow stack out and
//!    traps. With the check on, recursion past the limit the runtime sets is
//!    a catchable `RangeError`, as in every browser and Node.
//! 2. **A keyed string hash.** Atoms (property names) are found through a
//!    hash table keyed by an unkeyed multiplicative hash, so an event whose
//!    keys collide makes parsing quadratic. The hash becomes a keyed mix; the
//!    key comes from host entropy when the runtime is created
//!    (`warden_hash_key`).
//! 3. **Recursion that costs stack.** The engine's stack limit bounds the
//!    guest's shadow stack, but some recursions take far more native stack
//!    than shadow stack per level: the JSON parser and serializer, the
//!    source parser on nested expressions and statements, and
//!    `Array.prototype.flat`. Unchecked, they would run the native stack
//!    out first (a trap that poisons), and the serializer, whose cycle
//!    check is linear in the depth, could spend minutes on 200,000 levels.
//!    Each of their levels now reserves shadow stack (768 bytes for JSON,
//!    512 for the parser, 256 for `flat`), which keeps every path's
//!    native-to-shadow ratio below the share the runtime allows (see
//!    `NATIVE_PER_JS_STACK`), so they end in a catchable `RangeError` at a
//!    depth of the order of JavaScript recursion (about 11,600 levels of
//!    `JSON.parse` and 14,000 of `JSON.stringify` by default).
//! 4. **Out of memory without corruption.** When growing an object's
//!    property table fails, the table's shape has been taken off the
//!    collector's list, and reporting the failure allocates the error
//!    object, which may run the collector: it then finds the shape through
//!    the object while the shape is on no list, and the list ends up
//!    corrupted (the collector later reads through a null link, a trap). The
//!    shape goes back on its list before the error is thrown.
//! 5. **Out of memory is always an error object.** At the heap limit the
//!    engine could not allocate its own `InternalError: out of memory` and
//!    threw `null` (or nothing) instead. Creating that error may now use a
//!    small reserve past the limit (`warden_oom_reserve`, in the guest's
//!    allocator), and an error that cannot be created leaves the
//!    out-of-memory error pending rather than replacing it with `null`. An
//!    atom (property name) the atom table has no room for is that error
//!    too, where the engine used to return no atom and throw nothing.
//! 6. **A parse that runs out of stack says so.** The parser looks ahead
//!    (to tell an arrow function or a destructuring assignment from an
//!    expression) and then seeks back, reading the token it started from
//!    again. When that read hits the stack limit, the engine ignores the
//!    failure and parses on from the wrong place, so the program fails on
//!    some token it misread and the syntax error replaces the `RangeError`.
//!    The parser now remembers that it ran out of stack, and any syntax
//!    error after that is reported as the stack overflow it is.
//! 7. **Old objects are not collected again and again.** The cycle
//!    collector visits every object on each run, so its cost grows with
//!    everything that lives as long as the sandbox: the built-ins and web
//!    globals (several hundred objects), and whatever libraries the
//!    handlers loaded (tens of thousands for mathjs). `warden_gc_pin` runs
//!    a full collection, then *pins* every object left: they move to a list
//!    of their own, which the collector does not visit, and it neither
//!    lowers nor restores their reference counts. A pinned object is then a
//!    root: what it references stays alive while it does, and a cycle of
//!    objects made later is still found and freed unless a pinned object
//!    holds on to it. A pinned object that loses its last reference is freed
//!    as any other (when that happens while a collection runs, it may wait
//!    as well); pinned objects cut off from everything while they reference
//!    each other wait for the next `warden_gc_pin`, which unpins everything
//!    before it collects. The runtime pins once it is set up, and again at
//!    the end of loading or after a call once the heap has doubled since,
//!    among other conditions (see `GuestRuntime::collect` in the guest): a
//!    generational collector's minor and major collections. A loading that
//!    grew the heap less ends with `warden_gc_promote`, which collects the
//!    unpinned objects alone and pins those left. When the runtime is freed
//!    it unpins everything first.
//! 8. **No copies of the runtime's own source.** The engine keeps the source
//!    text of every function it compiles, for `Function.prototype.toString`:
//!    for a nested function that is a copy of its text within its parent's,
//!    so the scripts that define the built-ins written in JavaScript would
//!    be held several times over in every sandbox. While
//!    `warden_keep_source` is 0 (the runtime sets it so while it sets
//!    itself up), a function's source is `function () { [native code] }`,
//!    what a browser shows for a built-in. Handlers' functions keep theirs.
//! 9. **Computed-goto dispatch.** `rquickjs-sys` defines `EMSCRIPTEN` for
//!    WASI targets, and QuickJS dispatches its bytecode through a `switch`
//!    under `EMSCRIPTEN`. clang compiles the interpreter's label table for
//!    wasm32 as well (one indirect branch per opcode, which wasm expresses
//!    as a jump table the engine compiles natively), and dispatching through
//!    it runs plain JavaScript about a third faster. Only the dispatch
//!    condition changes; everything else `EMSCRIPTEN` selects stays.
//! 10. **A direct serializer for results.** `JSON.stringify(value)` (no
//!     replacer, or `null`, and no indent: how every result is serialized)
//!     goes through `json_stringify.c`: the same steps, in the same order
//!     and with the same errors, as the general serializer, which makes a
//!     string of every key and every number and keeps the objects it is
//!     inside in a JavaScript array. Calls with a replacer or an indent still
//!     go the general way.
//! 11. **Direct JSON parsing of plain text.** A string of plain ASCII with
//!     no escapes is made at once, at its length (the parser starts a
//!     growable buffer for every string), and is the property name's own
//!     string when it spells one, so that a key is its atom without a second
//!     lookup; a key an object does not have yet is added to it without the
//!     general definition's checks, none of which can apply to the fresh
//!     ordinary object the parser made (`json_parse.c`). Strings that are
//!     property names' own strings, which `Object.keys` returned before and
//!     `JSON.parse` now returns too, are never appended to in place (when
//!     the allocator leaves room), which would rename the atom under its
//!     hash.
//! 12. **Sealed arenas.** The engine serves small blocks from arenas of
//!     4 KiB, one list per block size, and takes a new block from the first
//!     arena with room. Every sandbox maps the runtime as it is once set
//!     up, copy-on-write, and the set-up leaves room in arenas all over its
//!     heap: a sandbox's first blocks of each size would go there, and
//!     adding an arena to a list writes the arena it is linked next to, so
//!     each few bytes would cost a page of its own. `warden_arena_seal`,
//!     which the guest calls when its set-up is done, moves every arena to
//!     a list of its own, which no new block or arena comes from: an arena
//!     goes back on its size's list when one of its blocks is freed (which
//!     wrote its page anyway), or when no memory for a new arena is left
//!     (`warden_arena_unseal`), so that sealing costs no room a guest at
//!     its limit could have used. Arenas made after the seal start at 512
//!     bytes and double up to 4 KiB, so that the first blocks of a dozen
//!     sizes share a few pages instead of taking one each.
//! 13. **A spare arena.** An arena whose last block is freed is freed too,
//!     so a call that makes a few objects of a size and lets them go (an
//!     echo, collected after the call) made and freed an arena of that size
//!     every time: its header and the free chain of all its blocks written
//!     anew. An arena that empties while it is the only one of its size with
//!     room now stays, so there is at most one empty arena per size (31
//!     sizes, at most 4 KiB each), which the heap limit counts.
//! 14. **An inline reference drop.** `JS_FreeValue`, which the engine calls
//!     wherever it lets a value go (about 1,500 places), is a function of
//!     its own that drops a reference and frees the value when it was the
//!     last; clang folded the freeing into it, which made it too large to
//!     inline, so every drop of a number or a still-referenced object was a
//!     call, and a call in wasm costs a stack check and an epoch check on
//!     entry. The freeing stays out of line now, and the drop is inlined:
//!     `fib(25)` takes 0.87 of the time it took (`JS_FreeValueRT` was 8.5%
//!     of its samples).

use std::ffi::OsString;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::{Command, ExitCode};

/// Set to the real compiler when this build script runs as the shim.
pub(crate) const SHIM_ENV: &str = "WARDEN_QUICKJS_CC";

/// The file the edits apply to.
const TARGET_FILE: &str = "quickjs.c";

/// One edit: replace `find` by `replace`, which must occur `count` times.
struct Edit {
    what: &'static str,
    find: &'static str,
    replace: &'static str,
    count: usize,
}

const EDITS: &[Edit] = &[
    Edit {
        what: "stack checks on WASI",
        find: "#if defined(__wasi__)\n    rt->stack_limit = 0;",
        replace: "#if 0 /* warden: check the shadow stack on WASI too */\n    rt->stack_limit = 0;",
        count: 1,
    },
    Edit {
        what: "keyed string hash (definition)",
        find: "static inline uint32_t hash_string8(",
        replace: "/* warden: a keyed mix, so that colliding keys cannot be chosen without \
                  the key. Set by the runtime before the first atom is made. */\n\
                  uint32_t warden_hash_key = 0x9e3779b9;\n\
                  static inline uint32_t warden_hash_step(uint32_t h, uint32_t c)\n\
                  {\n    h = (h ^ c) * (warden_hash_key | 1);\n    return h ^ (h >> 15);\n}\n\n\
                  static inline uint32_t hash_string8(",
        count: 1,
    },
    Edit {
        what: "keyed string hash (8- and 16-bit strings)",
        find: "h = h * 263 + str[i];",
        replace: "h = warden_hash_step(h, str[i]);",
        count: 2,
    },
    Edit {
        what: "recursion costs stack (definition)",
        find: "static inline uint32_t warden_hash_step(",
        replace: "/* warden: shadow stack taken by one level of a recursion that costs \
                  little shadow stack but much native stack */\n\
                  #define WARDEN_STACK_COST(bytes) char warden_level[bytes]; \
                  __asm__ volatile(\"\" : : \"r\"(warden_level))\n\n\
                  static inline uint32_t warden_hash_step(",
        count: 1,
    },
    Edit {
        what: "recursion costs stack (JSON parser)",
        find: "static JSValue json_parse_value(JSParseState *s, JSONParseRecord *pr)\n{\n",
        replace: "static JSValue json_parse_value(JSParseState *s, JSONParseRecord *pr)\n{\n    WARDEN_STACK_COST(768);\n",
        count: 1,
    },
    Edit {
        what: "recursion costs stack (JSON serializer)",
        find: "JSValueConst indent)\n{\n",
        replace: "JSValueConst indent)\n{\n    WARDEN_STACK_COST(768);\n",
        count: 1,
    },
    Edit {
        what: "recursion costs stack (operands in source)",
        find: "static __exception int js_parse_unary(JSParseState *s, int parse_flags)\n{\n",
        replace: "static __exception int js_parse_unary(JSParseState *s, int parse_flags)\n{\n    WARDEN_STACK_COST(512);\n",
        count: 1,
    },
    Edit {
        what: "recursion costs stack (assignments in source)",
        find: "static __exception int js_parse_assign_expr2(JSParseState *s, int parse_flags)\n{\n",
        replace: "static __exception int js_parse_assign_expr2(JSParseState *s, int parse_flags)\n{\n    WARDEN_STACK_COST(512);\n",
        count: 1,
    },
    Edit {
        what: "recursion costs stack (statements in source)",
        find: "                                                  int decl_mask)\n{\n",
        replace: "                                                  int decl_mask)\n{\n    WARDEN_STACK_COST(512);\n",
        count: 1,
    },
    Edit {
        what: "recursion costs stack (Array.prototype.flat)",
        find: "                                   JSValueConst thisArg)\n{\n    JSValue element;\n",
        replace: "                                   JSValueConst thisArg)\n{\n    WARDEN_STACK_COST(256);\n    JSValue element;\n",
        count: 1,
    },
    Edit {
        what: "a parse out of stack says so (state)",
        find: "    bool allow_html_comments;\n} JSParseState;",
        replace: "    bool allow_html_comments;\n    /* warden: set once the parser has hit the stack limit */\n    bool warden_out_of_stack;\n} JSParseState;",
        count: 1,
    },
    Edit {
        what: "a parse out of stack says so (noted)",
        find: "    if (js_check_stack_overflow(s->ctx->rt, 1000)) {\n        JS_ThrowStackOverflow(s->ctx);\n        return -1;\n    }\n\n    free_token(s, &s->token);",
        replace: "    if (js_check_stack_overflow(s->ctx->rt, 1000)) {\n        s->warden_out_of_stack = true;\n        JS_ThrowStackOverflow(s->ctx);\n        return -1;\n    }\n\n    free_token(s, &s->token);",
        count: 1,
    },
    Edit {
        what: "a parse out of stack says so (reported)",
        find: "    va_list ap;\n    int backtrace_flags;\n\n    va_start(ap, fmt);\n    JS_ThrowError2(ctx, JS_SYNTAX_ERROR, false, fmt, ap);",
        replace: "    va_list ap;\n    int backtrace_flags;\n\n    /* warden: after the stack ran out, the parser may have misread the\n       source; the overflow is the error */\n    if (s->warden_out_of_stack) {\n        JS_ThrowStackOverflow(ctx);\n        return -1;\n    }\n    va_start(ap, fmt);\n    JS_ThrowError2(ctx, JS_SYNTAX_ERROR, false, fmt, ap);",
        count: 1,
    },
    Edit {
        what: "pinned objects (flag)",
        find: "    uint8_t  gc_obj_type : 7; /* JSGCObjectTypeEnum for GC objects */",
        replace: "    uint8_t  gc_obj_type : 6; /* JSGCObjectTypeEnum for GC objects */\n    uint8_t  warden_pinned : 1; /* warden: made before any handler ran */",
        count: 1,
    },
    Edit {
        what: "pinned objects (relocated blocks keep the flag)",
        find: "            nb->gc_obj_type = b->gc_obj_type;\n            nb->mark = b->mark;",
        replace: "            nb->gc_obj_type = b->gc_obj_type;\n            nb->warden_pinned = b->warden_pinned;\n            nb->mark = b->mark;",
        count: 1,
    },
    Edit {
        what: "pinned objects (resized shapes go on the collector's list unpinned)",
        find: "JS_GC_MARK(sh) = JS_GC_MARK(old_sh);",
        replace: "JS_GC_MARK(sh) = JS_GC_MARK(old_sh); js_rc(sh)->warden_pinned = 0;",
        count: 2,
    },
    Edit {
        what: "pinned objects (list)",
        find: "    struct list_head gc_obj_list;\n",
        replace: "    struct list_head gc_obj_list;\n    /* warden: the pinned GC objects that the collector does not visit */\n    struct list_head warden_pinned_list;\n",
        count: 1,
    },
    Edit {
        what: "pinned objects (list made)",
        find: "    init_list_head(&rt->gc_obj_list);\n",
        replace: "    init_list_head(&rt->gc_obj_list);\n    init_list_head(&rt->warden_pinned_list);\n",
        count: 1,
    },
    Edit {
        what: "pinned objects (new objects are not)",
        find: "    JS_GC_MARK(h) = 0;\n    JS_GC_TYPE(h) = type;\n",
        replace: "    JS_GC_MARK(h) = 0;\n    js_rc(h)->warden_pinned = 0;\n    JS_GC_TYPE(h) = type;\n",
        count: 1,
    },
    Edit {
        what: "pinned objects (pin and unpin)",
        find: "void JS_FreeRuntime(JSRuntime *rt)\n{",
        replace: "/* warden: every pinned object back on the collector's list */\nstatic void warden_gc_unpin(JSRuntime *rt)\n{\n    struct list_head *el, *el1;\n    list_for_each_safe(el, el1, &rt->gc_obj_list) {\n        js_rc(list_entry(el, JSGCObjectHeader, link))->warden_pinned = 0;\n    }\n    list_for_each_safe(el, el1, &rt->warden_pinned_list) {\n        JSGCObjectHeader *p = list_entry(el, JSGCObjectHeader, link);\n        js_rc(p)->warden_pinned = 0;\n        list_del(&p->link);\n        list_add_tail(&p->link, &rt->gc_obj_list);\n    }\n}\n\n/* warden: collects the unpinned objects, then pins every one left */\nvoid warden_gc_promote(JSRuntime *rt)\n{\n    struct list_head *el, *el1;\n    JS_RunGC(rt);\n    list_for_each_safe(el, el1, &rt->gc_obj_list) {\n        JSGCObjectHeader *p = list_entry(el, JSGCObjectHeader, link);\n        js_rc(p)->warden_pinned = 1;\n        list_del(&p->link);\n        list_add_tail(&p->link, &rt->warden_pinned_list);\n    }\n}\n\n/* warden: collects everything, pinned objects too, then pins every GC object left */\nvoid warden_gc_pin(JSRuntime *rt)\n{\n    warden_gc_unpin(rt);\n    warden_gc_promote(rt);\n}\n\nvoid JS_FreeRuntime(JSRuntime *rt)\n{",
        count: 1,
    },
    Edit {
        what: "pinned objects (unpinned before the runtime is freed)",
        find: "    init_list_head(&rt->job_list);\n\n    JS_RunGC(rt);",
        replace: "    init_list_head(&rt->job_list);\n\n    warden_gc_unpin(rt);\n    JS_RunGC(rt);",
        count: 1,
    },
    Edit {
        what: "pinned objects (not counted down)",
        find: "static void gc_decref_child(JSRuntime *rt, JSGCObjectHeader *p)\n{\n",
        replace: "static void gc_decref_child(JSRuntime *rt, JSGCObjectHeader *p)\n{\n    if (js_rc(p)->warden_pinned)\n        return;\n",
        count: 1,
    },
    Edit {
        what: "pinned objects (not counted up)",
        find: "static void gc_scan_incref_child(JSRuntime *rt, JSGCObjectHeader *p)\n{\n",
        replace: "static void gc_scan_incref_child(JSRuntime *rt, JSGCObjectHeader *p)\n{\n    if (js_rc(p)->warden_pinned)\n        return;\n",
        count: 1,
    },
    Edit {
        what: "pinned objects (not restored)",
        find: "static void gc_scan_incref_child2(JSRuntime *rt, JSGCObjectHeader *p)\n{\n",
        replace: "static void gc_scan_incref_child2(JSRuntime *rt, JSGCObjectHeader *p)\n{\n    if (js_rc(p)->warden_pinned)\n        return;\n",
        count: 1,
    },
    Edit {
        what: "no copies of the runtime's source (definition)",
        find: "static __exception int js_parse_object_literal(JSParseState *s)\n{",
        replace: "/* warden: 0 while the runtime compiles its own scripts */\nint warden_keep_source = 1;\n\n/* warden: the source a function keeps, and its length in *len */\nstatic char *warden_source(JSContext *ctx, const char *source, int *len)\n{\n    static const char native[] = \"function () { [native code] }\";\n    if (warden_keep_source)\n        return js_strndup(ctx, source, *len);\n    *len = sizeof(native) - 1;\n    return js_strndup(ctx, native, *len);\n}\n\nstatic __exception int js_parse_object_literal(JSParseState *s)\n{",
        count: 1,
    },
    Edit {
        what: "no copies of the runtime's source (functions)",
        find: "fd->source = js_strndup(ctx, (const char *)ptr, fd->source_len);",
        replace: "fd->source = warden_source(ctx, (const char *)ptr, &fd->source_len);",
        count: 2,
    },
    Edit {
        what: "no copies of the runtime's source (classes)",
        find: "ctor_fd->source = js_strndup(ctx, (const char *)class_start_ptr, ctor_fd->source_len);",
        replace: "ctor_fd->source = warden_source(ctx, (const char *)class_start_ptr, &ctor_fd->source_len);",
        count: 1,
    },
    Edit {
        what: "shape back on the collector's list before an out-of-memory error",
        find: "sh_alloc = js_realloc(ctx, get_alloc_from_shape(sh),",
        replace: "sh_alloc = js_realloc_rt(ctx->rt, get_alloc_from_shape(sh),",
        count: 1,
    },
    Edit {
        what: "shape back on the collector's list before an out-of-memory error (throw)",
        find: "            list_add_tail(&sh->header.link, &ctx->rt->gc_obj_list);\n            return -1;",
        replace: "            list_add_tail(&sh->header.link, &ctx->rt->gc_obj_list);\n            JS_ThrowOutOfMemory(ctx);\n            return -1;",
        count: 1,
    },
    Edit {
        what: "a reserve for the out-of-memory error",
        find: "        rt->in_out_of_memory = true;\n        JS_ThrowInternalError(ctx, \"out of memory\");\n        rt->in_out_of_memory = false;",
        replace: "        rt->in_out_of_memory = true;\n        warden_oom_reserve(1);\n        JS_ThrowInternalError(ctx, \"out of memory\");\n        warden_oom_reserve(0);\n        rt->in_out_of_memory = false;",
        count: 1,
    },
    Edit {
        what: "a reserve for the out-of-memory error (declaration)",
        find: "JSValue JS_ThrowOutOfMemory(JSContext *ctx)\n{",
        replace: "/* warden: opens and closes the guest allocator's reserve */\nvoid warden_oom_reserve(int open);\n\nJSValue JS_ThrowOutOfMemory(JSContext *ctx)\n{",
        count: 1,
    },
    Edit {
        what: "keep the out-of-memory error instead of throwing null",
        find: "        /* out of memory: throw JS_NULL to avoid recursing */\n        obj = JS_NULL;",
        replace: "        /* warden: the allocation failure left its out-of-memory error */\n        if (JS_HasException(ctx))\n            return JS_EXCEPTION;\n        obj = JS_NULL;",
        count: 1,
    },
    Edit {
        what: "an atom that could not be made is an out-of-memory error",
        find: "    /* XXX: should generate an exception */\n    return __JS_NewAtom(rt, p, JS_ATOM_TYPE_STRING);",
        replace: "    /* warden: growing the atom table can fail, and must then throw */\n    JSAtom atom = __JS_NewAtom(rt, p, JS_ATOM_TYPE_STRING);\n    if (atom == JS_ATOM_NULL)\n        JS_ThrowOutOfMemory(ctx);\n    return atom;",
        count: 1,
    },
    Edit {
        what: "a direct serializer (definition)",
        find: "JSValue JS_JSONStringify(JSContext *ctx, JSValueConst obj,\n",
        replace: concat!(
            include_str!("json_stringify.c"),
            "JSValue JS_JSONStringify(JSContext *ctx, JSValueConst obj,\n"
        ),
        count: 1,
    },
    Edit {
        what: "a direct serializer (used)",
        find: "    string_buffer_init(ctx, jsc->b, 0);\n    jsc->stack = JS_NewArray(ctx);\n",
        replace: "    string_buffer_init(ctx, jsc->b, 0);\n\
                  /* warden: no replacer and no indent */\n\
                  if ((JS_IsUndefined(replacer) || JS_IsNull(replacer)) && JS_IsUndefined(space0)) {\n\
                  res = warden_json_stringify(ctx, jsc->b, js_dup(obj));\n\
                  if (res < 0)\n\
                  goto exception;\n\
                  if (res == 0) {\n\
                  ret = JS_UNDEFINED;\n\
                  goto done1;\n\
                  }\n\
                  ret = string_buffer_end(jsc->b);\n\
                  goto done;\n\
                  }\n\
                  jsc->stack = JS_NewArray(ctx);\n",
        count: 1,
    },
    Edit {
        what: "direct JSON parsing (definitions)",
        find: "static int json_parse_string(JSParseState *s, const uint8_t **pp)\n{\n",
        replace: concat!(
            include_str!("json_parse.c"),
            "static int json_parse_string(JSParseState *s, const uint8_t **pp)\n{\n"
        ),
        count: 1,
    },
    Edit {
        what: "direct JSON parsing (plain strings)",
        find: "    if (string_buffer_init(s->ctx, b, 48))\n        goto fail;\n\n    p = *pp;\n",
        replace: "    /* warden: plain ASCII up to the closing quote is made at once */\n\
                  p = *pp;\n\
                  while (p < s->buf_end && *p != '\"' && *p != '\\\\' && *p >= 0x20 && *p < 0x80)\n\
                  p++;\n\
                  if (p < s->buf_end && *p == '\"') {\n\
                  JSValue plain = warden_json_ascii(s->ctx, (const char *)*pp, p - *pp);\n\
                  if (JS_IsException(plain))\n\
                  return -1;\n\
                  s->token.val = TOK_STRING;\n\
                  s->token.u.str.sep = '\"';\n\
                  s->token.u.str.str = plain;\n\
                  *pp = p + 1;\n\
                  return 0;\n\
                  }\n\
                  if (string_buffer_init(s->ctx, b, 48))\n        goto fail;\n\n    p = *pp;\n",
        count: 1,
    },
    Edit {
        what: "direct JSON parsing (members)",
        find: "                    ret = JS_DefinePropertyValue(ctx, val, prop_name,\n                                                 prop_val, JS_PROP_C_W_E);\n",
        replace: "                    ret = warden_json_define(ctx, val, prop_name, prop_val);\n",
        count: 1,
    },
    Edit {
        what: "no appending in place to a property name's string",
        find: "    if (JS_REF_COUNT(p1) == 1 && p1->is_wide_char == p2->is_wide_char\n",
        replace: "    /* warden: not to an atom's string, whose name would change under it */\n\
                  if (JS_REF_COUNT(p1) == 1 && p1->atom_type == 0 && p1->is_wide_char == p2->is_wide_char\n",
        count: 1,
    },
    Edit {
        what: "computed-goto dispatch",
        find: "#if defined(EMSCRIPTEN) || defined(_MSC_VER)\n#define DIRECT_DISPATCH  0",
        replace: "#if defined(_MSC_VER) /* warden: computed goto on WASI too */\n#define DIRECT_DISPATCH  0",
        count: 1,
    },
    Edit {
        what: "sealed arenas (state)",
        find: "    _Alignas(JS_ARENA_ALIGN) uint8_t zero_size_block[sizeof(JSMallocBlockHeader)];\n} JSArenaState;",
        replace: "    _Alignas(JS_ARENA_ALIGN) uint8_t zero_size_block[sizeof(JSMallocBlockHeader)];\n\
                  \x20   /* warden: the arenas of before the seal, whether sealed, and the\n\
                  \x20      arenas of each size made since */\n\
                  \x20   struct list_head warden_sealed_list;\n\
                  \x20   uint8_t warden_sealed;\n\
                  \x20   uint8_t warden_made[JS_ARENA_BLOCK_SIZE_COUNT];\n\
                  } JSArenaState;",
        count: 1,
    },
    Edit {
        what: "sealed arenas (list made)",
        find: "    arena_zero_block(rt)->u.block_idx = JS_ARENA_FREE_NIL;\n",
        replace: "    arena_zero_block(rt)->u.block_idx = JS_ARENA_FREE_NIL;\n\
                  \x20   init_list_head(&s->warden_sealed_list);\n",
        count: 1,
    },
    Edit {
        what: "sealed arenas (new arenas start small)",
        find: "    n_blocks = (JS_ARENA_SIZE - sizeof(JSArena)) / block_size;\n",
        replace: "    n_blocks = (warden_arena_size(rt, block_size_idx, block_size) - sizeof(JSArena)) / block_size;\n",
        count: 1,
    },
    Edit {
        what: "sealed arenas (arena size)",
        find: "static no_inline JSArena *arena_new(JSRuntime *rt, int block_size_idx)\n{",
        replace: "/* warden: whether an arena is sealed: its free link points at itself */\n\
                  static inline int warden_arena_is_sealed(const JSArena *ar)\n{\n\
                  \x20   return ar->free_link.next == &ar->free_link;\n}\n\n\
                  /* warden: the bytes of a new arena: after the seal, 512 for the first of\n\
                  \x20  a size, doubling up to JS_ARENA_SIZE, and at least two blocks */\n\
                  static size_t warden_arena_size(JSRuntime *rt, int idx, int block_size)\n{\n\
                  \x20   JSArenaState *s = &rt->arena_state;\n\
                  \x20   size_t size;\n\
                  \x20   if (!s->warden_sealed)\n\
                  \x20       return JS_ARENA_SIZE;\n\
                  \x20   size = (size_t)512 << s->warden_made[idx];\n\
                  \x20   if (size < JS_ARENA_SIZE)\n\
                  \x20       s->warden_made[idx]++;\n\
                  \x20   else\n\
                  \x20       size = JS_ARENA_SIZE;\n\
                  \x20   if (size < sizeof(JSArena) + 2 * (size_t)block_size)\n\
                  \x20       size = sizeof(JSArena) + 2 * (size_t)block_size;\n\
                  \x20   return size;\n}\n\n\
                  static no_inline JSArena *arena_new(JSRuntime *rt, int block_size_idx)\n{",
        count: 1,
    },
    Edit {
        what: "sealed arenas (out of memory, a sealed arena with room will do)",
        find: "            ar = arena_new(rt, block_size_idx);\n            if (!ar)\n                return NULL;\n",
        replace: "            ar = arena_new(rt, block_size_idx);\n\
                  \x20           /* warden: out of memory, a sealed arena with room will do */\n\
                  \x20           if (!ar)\n\
                  \x20               ar = warden_arena_unseal(rt, block_size_idx);\n\
                  \x20           if (!ar)\n\
                  \x20               return NULL;\n",
        count: 1,
    },
    Edit {
        what: "sealed arenas (unsealed for lack of memory)",
        find: "static no_inline void *arena_malloc_large(JSRuntime *rt, size_t size)\n{",
        replace: "/* warden: a sealed arena of blocks of size idx with room, put back on\n\
                  \x20  its list, or NULL */\n\
                  static no_inline JSArena *warden_arena_unseal(JSRuntime *rt, int idx)\n{\n\
                  \x20   struct list_head *el;\n\
                  \x20   list_for_each(el, &rt->arena_state.warden_sealed_list) {\n\
                  \x20       JSArena *ar = list_entry(el, JSArena, link);\n\
                  \x20       if (ar->block_size_idx == idx && warden_arena_is_sealed(ar)) {\n\
                  \x20           list_add(&ar->free_link, &rt->arena_state.free_arena_list[idx]);\n\
                  \x20           return ar;\n\
                  \x20       }\n\
                  \x20   }\n\
                  \x20   return NULL;\n}\n\n\
                  static no_inline void *arena_malloc_large(JSRuntime *rt, size_t size)\n{",
        count: 1,
    },
    Edit {
        what: "sealed arenas (seal)",
        find: "static void js_arena_free(JSRuntime *rt, void *ptr)\n{",
        replace: "/* warden: takes every arena off the lists that new small blocks and new\n\
                  \x20  arenas go to; a sealed arena's free link points at itself */\n\
                  void warden_arena_seal(JSRuntime *rt)\n{\n\
                  \x20   JSArenaState *s = &rt->arena_state;\n\
                  \x20   struct list_head *el, *el1;\n\
                  \x20   int i;\n\
                  \x20   s->warden_sealed = 1;\n\
                  \x20   for (i = 0; i < JS_ARENA_BLOCK_SIZE_COUNT; i++) {\n\
                  \x20       s->warden_made[i] = 0;\n\
                  \x20       list_for_each_safe(el, el1, &s->free_arena_list[i]) {\n\
                  \x20           init_list_head(el);\n\
                  \x20       }\n\
                  \x20       init_list_head(&s->free_arena_list[i]);\n\
                  \x20       list_for_each_safe(el, el1, &s->arena_list[i]) {\n\
                  \x20           list_del(el);\n\
                  \x20           list_add_tail(el, &s->warden_sealed_list);\n\
                  \x20       }\n\
                  \x20   }\n}\n\n\
                  static void js_arena_free(JSRuntime *rt, void *ptr)\n{",
        count: 1,
    },
    Edit {
        what: "sealed arenas (a free unseals)",
        find: "        if (unlikely(ar->n_used_blocks == ar->n_blocks))\n            list_add(&ar->free_link,",
        replace: "        /* warden: or sealed, now that this wrote its page anyway */\n\
                  \x20       if (unlikely(ar->n_used_blocks == ar->n_blocks ||\n\
                  \x20                    warden_arena_is_sealed(ar)))\n\
                  \x20           list_add(&ar->free_link,",
        count: 1,
    },
    Edit {
        what: "a spare arena",
        find: "        ar->n_used_blocks--;\n        if (unlikely(ar->n_used_blocks == 0)) {\n",
        replace: "        ar->n_used_blocks--;\n\
                  \x20       /* warden: kept when it is its size's only arena with room */\n\
                  \x20       if (unlikely(ar->n_used_blocks == 0) &&\n\
                  \x20           ar->free_link.next != ar->free_link.prev) {\n",
        count: 1,
    },
    Edit {
        what: "sealed arenas (freed with the runtime)",
        find: "static void js_arena_free_all(JSRuntime *rt)\n{\n    JSArenaState *s = &rt->arena_state;\n    struct list_head *el, *el1;\n    int i;\n",
        replace: "static void js_arena_free_all(JSRuntime *rt)\n{\n    JSArenaState *s = &rt->arena_state;\n    struct list_head *el, *el1;\n    int i;\n\
                  \x20   list_for_each_safe(el, el1, &s->warden_sealed_list) {\n\
                  \x20       rt->mf.js_free(rt->malloc_state.opaque, list_entry(el, JSArena, link));\n\
                  \x20   }\n\
                  \x20   init_list_head(&s->warden_sealed_list);\n",
        count: 1,
    },
    Edit {
        what: "an inline reference drop",
        find: "static void js_free_value_rt(JSRuntime *rt, JSValue v)\n{",
        replace: "/* warden: out of line, so that the reference drop in front of it is\n\
                  \x20  small enough to inline where a value is freed */\n\
                  static no_inline void js_free_value_rt(JSRuntime *rt, JSValue v)\n{",
        count: 1,
    },
];

/// A fingerprint of the edits, passed to the C build as a define so that a
/// change to them rebuilds QuickJS.
pub(crate) fn fingerprint() -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for edit in EDITS {
        (edit.find, edit.replace, edit.count).hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

/// Runs as the C compiler: `real` is the compiler, the arguments are its
/// arguments. `quickjs.c` is swapped for its edited copy.
pub(crate) fn run_shim(real: OsString) -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    for arg in &mut args {
        let path = Path::new(arg.as_os_str());
        if path.file_name().is_some_and(|name| name == TARGET_FILE) {
            match edited_copy(path) {
                Ok(copy) => *arg = copy.into_os_string(),
                Err(message) => {
                    eprintln!("warden: cannot patch {}: {message}", path.display());
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    match Command::new(&real).args(&args).status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(status.code().map_or(1, |c| c.clamp(1, 255) as u8)),
        Err(e) => {
            eprintln!("warden: cannot run {}: {e}", real.to_string_lossy());
            ExitCode::FAILURE
        }
    }
}

fn edited_copy(path: &Path) -> Result<std::path::PathBuf, String> {
    let mut source = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    for edit in EDITS {
        let found = source.matches(edit.find).count();
        if found != edit.count {
            return Err(format!(
                "edit \"{}\" expects {} match(es) and found {found}: QuickJS changed, \
                 update crates/warden/build/quickjs_patches.rs",
                edit.what, edit.count
            ));
        }
        source = source.replace(edit.find, edit.replace);
    }
    let copy = path.with_file_name("quickjs.warden.c");
    std::fs::write(&copy, source).map_err(|e| e.to_string())?;
    Ok(copy)
}
