/* warden: JSON.parse makes every event, and most of what it reads is keys
   and short strings of plain ASCII. */

/* The string `str` (`len` bytes of ASCII, no escapes): the string of the
   property name it spells when there is one (no copy, and a key that is
   already its own atom), else a new string of exactly its length. Names
   that start with a digit may be indices, which are not string atoms. */
static JSValue warden_json_ascii(JSContext *ctx, const char *str, size_t len)
{
    JSAtom atom;
    JSValue name;

    if (len > 0 && len <= 64 && !is_digit(*str)) {
        atom = __JS_FindAtom(ctx->rt, str, len, JS_ATOM_TYPE_STRING);
        if (atom != JS_ATOM_NULL) {
            name = JS_AtomToString(ctx, atom);
            JS_FreeAtom(ctx, atom);
            return name;
        }
    }
    return js_new_string8_len(ctx, str, len);
}

/* Defines member `atom` of `obj`, an object JSON.parse has just made, as
   `val` (owned). A key it does not have yet is added as it is: the object
   is ordinary and extensible, so defining it would do just that. A
   repeated key is defined again, the last one winning. */
static int warden_json_define(JSContext *ctx, JSValueConst obj, JSAtom atom,
                              JSValue val)
{
    JSObject *p = JS_VALUE_GET_OBJ(obj);
    JSProperty *pr;

    if (p->class_id == JS_CLASS_OBJECT && !p->is_exotic && p->extensible &&
        !find_own_property1(p, atom)) {
        pr = add_property(ctx, p, atom, JS_PROP_C_W_E);
        if (!pr) {
            JS_FreeValue(ctx, val);
            return -1;
        }
        pr->u.value = val;
        return 0;
    }
    return JS_DefinePropertyValue(ctx, obj, atom, val, JS_PROP_C_W_E);
}

