/* warden: JSON.stringify without a replacer or an indent, which is how the
   runtime serializes every result. It follows the same
   steps as the general serializer below it (SerializeJSONProperty and its
   object and array steps), in the same order and with the same errors, but
   reads keys as atoms instead of making a string of each, writes quoted
   strings and numbers straight into the output, makes the key string only
   for a toJSON method that takes it, and keeps the objects it is inside in
   a C array instead of a JavaScript one. */

typedef struct WardenJson {
    JSContext *ctx;
    StringBuffer *b;
    /* The objects and arrays being written, outermost first. */
    JSObject **open;
    uint32_t depth;
    uint32_t room;
    JSObject *first_open[16];
} WardenJson;

static int warden_json_property(WardenJson *w, JSValue val, JSAtom key,
                                int64_t index);

static const char warden_json_hex[] = "0123456789abcdef";

/* Writes `c`, which JSON escapes, as its escape. */
static int warden_json_escape(StringBuffer *b, uint32_t c)
{
    uint8_t out[6];
    switch (c) {
    case '\b': c = 'b'; break;
    case '\t': c = 't'; break;
    case '\n': c = 'n'; break;
    case '\f': c = 'f'; break;
    case '\r': c = 'r'; break;
    case '"':
    case '\\':
        break;
    default:
        out[0] = '\\';
        out[1] = 'u';
        out[2] = warden_json_hex[(c >> 12) & 15];
        out[3] = warden_json_hex[(c >> 8) & 15];
        out[4] = warden_json_hex[(c >> 4) & 15];
        out[5] = warden_json_hex[c & 15];
        return string_buffer_write8(b, out, 6);
    }
    out[0] = '\\';
    out[1] = c;
    return string_buffer_write8(b, out, 2);
}

/* Writes flat string `p` quoted: control characters, quotes, backslashes
   and lone surrogates escaped, everything else as it is. */
static int warden_json_quote(StringBuffer *b, JSString *p)
{
    uint32_t i, run, c;
    int at;

    if (string_buffer_putc8(b, '"'))
        return -1;
    if (!p->is_wide_char) {
        const uint8_t *s = str8(p);
        for (i = run = 0; i < p->len; i++) {
            c = s[i];
            if (c >= 0x20 && c != '"' && c != '\\')
                continue;
            if (string_buffer_write8(b, s + run, i - run) ||
                warden_json_escape(b, c))
                return -1;
            run = i + 1;
        }
        if (string_buffer_write8(b, s + run, p->len - run))
            return -1;
    } else {
        for (at = 0; at < p->len;) {
            c = string_getc(p, &at);
            if (c < 0x20 || c == '"' || c == '\\' || is_surrogate(c)) {
                if (warden_json_escape(b, c))
                    return -1;
            } else if (string_buffer_putc(b, c)) {
                return -1;
            }
        }
    }
    return string_buffer_putc8(b, '"');
}

/* Writes property key `atom` (a string or an index) quoted. */
static int warden_json_key(WardenJson *w, JSAtom atom)
{
    char digits[16];
    size_t len;

    if (__JS_AtomIsTaggedInt(atom)) {
        len = u32toa(digits, __JS_AtomToUInt32(atom));
        return string_buffer_putc8(w->b, '"') ||
               string_buffer_write8(w->b, (uint8_t *)digits, len) ||
               string_buffer_putc8(w->b, '"');
    }
    return warden_json_quote(w->b, w->ctx->rt->atom_array[atom]);
}

/* Writes a number: finite ones as Number.prototype.toString does, others as
   null. Kept out of line so its buffer is not in every nesting level. */
static no_inline int warden_json_number(WardenJson *w, JSValue val)
{
    char digits[128];
    JSDTOATempMem scratch;
    double d;
    int len;

    if (JS_VALUE_GET_TAG(val) == JS_TAG_INT) {
        len = i32toa(digits, JS_VALUE_GET_INT(val));
        return string_buffer_write8(w->b, (uint8_t *)digits, len);
    }
    d = JS_VALUE_GET_FLOAT64(val);
    if (!isfinite(d))
        return string_buffer_write8(w->b, (const uint8_t *)"null", 4);
    if (js_dtoa_max_len(d, 10, 0, JS_DTOA_FORMAT_FREE) >= (int)sizeof(digits))
        return string_buffer_concat_value_free(w->b, val);
    len = js_dtoa(digits, d, 10, 0, JS_DTOA_FORMAT_FREE, &scratch);
    return string_buffer_write8(w->b, (uint8_t *)digits, len);
}

/* Notes that `p` is being written, so that finding it inside itself is a
   circular reference. */
static int warden_json_enter(WardenJson *w, JSObject *p)
{
    JSObject **grown;
    uint32_t i;

    for (i = 0; i < w->depth; i++) {
        if (w->open[i] == p) {
            JS_ThrowTypeError(w->ctx, "circular reference");
            return -1;
        }
    }
    if (w->depth == w->room) {
        grown = js_realloc(w->ctx, w->open == w->first_open ? NULL : w->open,
                           sizeof(w->open[0]) * w->room * 2);
        if (!grown)
            return -1;
        if (w->open == w->first_open)
            memcpy(grown, w->first_open, sizeof(w->first_open));
        w->open = grown;
        w->room *= 2;
    }
    w->open[w->depth++] = p;
    return 0;
}

/* The members of object `val` (not an array) that have a JSON form. */
static int warden_json_members(WardenJson *w, JSValueConst val)
{
    JSContext *ctx = w->ctx;
    JSObject *p = JS_VALUE_GET_OBJ(val);
    JSPropertyEnum *keys;
    uint32_t count, i, mark;
    int flags, res, ret = -1;
    bool written = false;
    JSValue v;

    /* EnumerableOwnProperties: every key, then which are enumerable. An
       ordinary object's shape already tells, and nothing has run since it
       was read; other objects are asked. */
    if (JS_GetOwnPropertyNamesInternal(ctx, &keys, &count, p,
                                       JS_GPN_STRING_MASK))
        return -1;
    if (p->class_id != JS_CLASS_OBJECT || p->is_exotic) {
        for (i = 0; i < count; i++) {
            res = JS_GetOwnPropertyFlagsInternal(ctx, &flags, p, keys[i].atom);
            if (res < 0)
                goto done;
            keys[i].is_enumerable = res && (flags & JS_PROP_ENUMERABLE);
        }
    }
    if (string_buffer_putc8(w->b, '{'))
        goto done;
    for (i = 0; i < count; i++) {
        if (!keys[i].is_enumerable)
            continue;
        v = JS_GetProperty(ctx, val, keys[i].atom);
        if (JS_IsException(v))
            goto done;
        /* the member is written before its value is known to have a JSON
           form, and taken back if it has none */
        mark = w->b->len;
        if ((written && string_buffer_putc8(w->b, ',')) ||
            warden_json_key(w, keys[i].atom) ||
            string_buffer_putc8(w->b, ':')) {
            JS_FreeValue(ctx, v);
            goto done;
        }
        res = warden_json_property(w, v, keys[i].atom, 0);
        if (res < 0 || w->b->error_status)
            goto done;
        if (res == 0)
            w->b->len = mark;
        else
            written = true;
    }
    ret = string_buffer_putc8(w->b, '}');
done:
    js_free_prop_enum(ctx, keys, count);
    return ret;
}

/* The elements of array `val`, null for those without a JSON form. */
static int warden_json_elements(WardenJson *w, JSValueConst val)
{
    JSObject *p = JS_VALUE_GET_OBJ(val);
    int64_t len, i;
    JSValue v;
    int res;

    if (js_get_length64(w->ctx, &len, val) || string_buffer_putc8(w->b, '['))
        return -1;
    for (i = 0; i < len; i++) {
        if (i > 0 && string_buffer_putc8(w->b, ','))
            return -1;
        /* a dense array's element is its value: no getter can be there */
        if (p->class_id == JS_CLASS_ARRAY && p->fast_array &&
            i < p->u.array.count)
            v = js_dup(p->u.array.u.values[i]);
        else
            v = JS_GetPropertyInt64(w->ctx, val, i);
        if (JS_IsException(v))
            return -1;
        res = warden_json_property(w, v, JS_ATOM_NULL, i);
        if (res < 0)
            return -1;
        if (res == 0 &&
            string_buffer_write8(w->b, (const uint8_t *)"null", 4))
            return -1;
    }
    return string_buffer_putc8(w->b, ']');
}

/* Writes object `val` (owned), which is not a function. */
static int warden_json_object(WardenJson *w, JSValue val)
{
    WARDEN_STACK_COST(768);
    JSContext *ctx = w->ctx;
    JSObject *p = JS_VALUE_GET_OBJ(val);
    int res, ret = -1;

    if (js_check_stack_overflow(ctx->rt, 0)) {
        JS_ThrowStackOverflow(ctx);
        goto done;
    }
    if (warden_json_enter(w, p))
        goto done;
    res = js_is_array(ctx, val);
    if (res >= 0)
        ret = res ? warden_json_elements(w, val) : warden_json_members(w, val);
    w->depth--;
done:
    JS_FreeValue(ctx, val);
    return ret < 0 ? -1 : 1;
}

/* Writes `val` (owned), a value toJSON has been applied to: 1 if written,
   0 if it has no JSON form (undefined, a function, a symbol), -1 on an
   exception. */
static int warden_json_write(WardenJson *w, JSValue val)
{
    JSContext *ctx = w->ctx;
    JSObject *p;
    JSValue v;
    int res;

    switch (JS_VALUE_GET_NORM_TAG(val)) {
    case JS_TAG_OBJECT:
        p = JS_VALUE_GET_OBJ(val);
        switch (p->class_id) {
        case JS_CLASS_NUMBER:
            val = JS_ToNumberFree(ctx, val);
            if (JS_IsException(val))
                return -1;
            return warden_json_write(w, val);
        case JS_CLASS_STRING:
            val = JS_ToStringFree(ctx, val);
            if (JS_IsException(val))
                return -1;
            return warden_json_write(w, val);
        case JS_CLASS_BOOLEAN:
        case JS_CLASS_BIG_INT:
            v = js_dup(p->u.object_data);
            JS_FreeValue(ctx, val);
            return warden_json_write(w, v);
        case JS_CLASS_RAWJSON:
            v = JS_GetProperty(ctx, val, JS_ATOM_rawJSON);
            JS_FreeValue(ctx, val);
            if (JS_IsException(v))
                return -1;
            return string_buffer_concat_value_free(w->b, v) ? -1 : 1;
        default:
            if (JS_IsFunction(ctx, val))
                break;
            return warden_json_object(w, val);
        }
        break;
    case JS_TAG_STRING:
        res = warden_json_quote(w->b, JS_VALUE_GET_STRING(val));
        JS_FreeValue(ctx, val);
        return res ? -1 : 1;
    case JS_TAG_STRING_ROPE:
        val = JS_ToStringFree(ctx, val);
        if (JS_IsException(val))
            return -1;
        return warden_json_write(w, val);
    case JS_TAG_INT:
    case JS_TAG_FLOAT64:
        return warden_json_number(w, val) ? -1 : 1;
    case JS_TAG_BOOL:
        return string_buffer_puts8(w->b, JS_VALUE_GET_BOOL(val) ? "true" : "false") ? -1 : 1;
    case JS_TAG_NULL:
        return string_buffer_puts8(w->b, "null") ? -1 : 1;
    case JS_TAG_SHORT_BIG_INT:
    case JS_TAG_BIG_INT:
        JS_FreeValue(ctx, val);
        JS_ThrowTypeError(ctx, "BigInt are forbidden in JSON.stringify");
        return -1;
    default:
        break;
    }
    JS_FreeValue(ctx, val);
    return 0;
}

/* SerializeJSONProperty for `val` (owned), the value at `key`, or at
   `index` when `key` is JS_ATOM_NULL: its toJSON applied, then written. */
static int warden_json_property(WardenJson *w, JSValue val, JSAtom key,
                                int64_t index)
{
    JSContext *ctx = w->ctx;
    JSValue to_json, name, v;

    if (JS_IsObject(val) || JS_IsBigInt(val)) {
        to_json = JS_GetProperty(ctx, val, JS_ATOM_toJSON);
        if (JS_IsException(to_json)) {
            JS_FreeValue(ctx, val);
            return -1;
        }
        if (JS_IsFunction(ctx, to_json)) {
            name = key != JS_ATOM_NULL ? JS_AtomToString(ctx, key)
                                       : JS_ToStringFree(ctx, js_int64(index));
            if (JS_IsException(name)) {
                JS_FreeValue(ctx, to_json);
                JS_FreeValue(ctx, val);
                return -1;
            }
            v = JS_CallFree(ctx, to_json, val, 1, vc(&name));
            JS_FreeValue(ctx, name);
            JS_FreeValue(ctx, val);
            if (JS_IsException(v))
                return -1;
            val = v;
        } else {
            JS_FreeValue(ctx, to_json);
        }
    }
    return warden_json_write(w, val);
}

/* Writes the JSON text of `val` (owned) to `b`: 1 if written, 0 if it has
   none, -1 on an exception. */
static int warden_json_stringify(JSContext *ctx, StringBuffer *b, JSValue val)
{
    WardenJson w;
    int res;

    w.ctx = ctx;
    w.b = b;
    w.open = w.first_open;
    w.depth = 0;
    w.room = countof(w.first_open);
    /* most results are short: start with room for one */
    if (b->size < 64 && string_buffer_realloc(b, 64, 0)) {
        JS_FreeValue(ctx, val);
        return -1;
    }
    res = warden_json_property(&w, val, JS_ATOM_empty_string, 0);
    if (w.open != w.first_open)
        js_free(ctx, w.open);
    return res;
}

