//! Host modules: `import * as m from "host:name"` inside a handler.
//!
//! The host declares its functions before handlers are added. The resolver
//! accepts only the built-in modules (see [`builtins`](crate::builtins)) and
//! `host:` specifiers of declared modules (handlers cannot import each other
//! or anything else); for a host module the loader builds a native module
//! whose exports forward their arguments, as a JSON array, to [`Host::call`].

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use rquickjs::function::Rest;
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::{Declarations, Declared, Exports, ModuleDef};
use rquickjs::{Ctx, Exception, Function, JsLifetime, Module, Value};
use warden_abi::HOST_MODULE_PREFIX;

use crate::builtins;
use crate::host::Host;

/// The host and the functions it declared, shared by the loader and the
/// module definitions (which find it in the context's user data).
pub(crate) struct HostBridge {
    host: Rc<dyn Host>,
    modules: RefCell<BTreeMap<String, Vec<String>>>,
    /// The longest JSON arguments one call may pass, in bytes.
    max_args: Cell<usize>,
}

// SAFETY: `HostBridge` holds no JavaScript values, so it does not depend on
// the context lifetime.
unsafe impl<'js> JsLifetime<'js> for HostBridge {
    type Changed<'to> = HostBridge;
}

impl HostBridge {
    pub(crate) fn new(host: Rc<dyn Host>) -> Self {
        Self {
            host,
            modules: RefCell::default(),
            max_args: Cell::new(usize::MAX),
        }
    }

    /// Bounds the JSON arguments of one call (0: no bound).
    pub(crate) fn set_max_args(&self, limit: usize) {
        self.max_args
            .set(if limit == 0 { usize::MAX } else { limit });
    }

    /// Declares `function` in host module `module` (idempotent).
    pub(crate) fn declare(&self, module: &str, function: &str) {
        let mut modules = self.modules.borrow_mut();
        let functions = modules.entry(module.to_owned()).or_default();
        if !functions.iter().any(|f| f == function) {
            functions.push(function.to_owned());
        }
    }

    fn functions(&self, specifier: &str) -> Option<Vec<String>> {
        let module = specifier.strip_prefix(HOST_MODULE_PREFIX)?;
        self.modules.borrow().get(module).cloned()
    }
}

/// Resolves and loads built-in and `host:` modules; refuses every other
/// import.
pub(crate) struct HostModuleLoader;

impl Resolver for HostModuleLoader {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        if let Some(module) = builtins::resolve(name) {
            return Ok(module);
        }
        let known = ctx
            .userdata::<HostBridge>()
            .is_some_and(|bridge| bridge.functions(name).is_some());
        if known {
            Ok(name.to_owned())
        } else {
            Err(rquickjs::Error::new_resolving_message(
                base,
                shown(name),
                format!(
                    "only the built-in modules ({}) and declared host modules \
                     (\"{HOST_MODULE_PREFIX}<name>\") can be imported",
                    builtins::NAMES.join(", ")
                ),
            ))
        }
    }
}

/// The most of a refused specifier that its error shows, in bytes. The
/// engine keeps only the first 255 bytes of the message anyway, so a huge
/// specifier is never copied into memory the heap limit does not count.
const SHOWN_SPECIFIER: usize = 256;

/// The start of `name`, at most [`SHOWN_SPECIFIER`] bytes of it.
fn shown(name: &str) -> &str {
    let mut end = name.len().min(SHOWN_SPECIFIER);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

impl Loader for HostModuleLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        if builtins::is_builtin(name) {
            return builtins::declare(ctx, name);
        }
        Module::declare_def::<HostModule, _>(ctx.clone(), name)
    }
}

struct HostModule;

impl HostModule {
    fn functions(
        ctx: &Ctx<'_>,
        module: &Module<'_>,
    ) -> rquickjs::Result<(Rc<dyn Host>, String, Vec<String>)> {
        let specifier: String = module.name()?;
        let bridge = ctx
            .userdata::<HostBridge>()
            .ok_or_else(|| rquickjs::Error::new_loading(specifier.as_str()))?;
        let functions = bridge
            .functions(&specifier)
            .ok_or_else(|| rquickjs::Error::new_loading(specifier.as_str()))?;
        let module = specifier[HOST_MODULE_PREFIX.len()..].to_owned();
        Ok((bridge.host.clone(), module, functions))
    }
}

impl ModuleDef for HostModule {
    fn declare<'js>(decl: &Declarations<'js>) -> rquickjs::Result<()> {
        let module = decl.module();
        let (_, _, functions) = Self::functions(module.ctx(), module)?;
        for function in functions {
            decl.declare(function)?;
        }
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> rquickjs::Result<()> {
        let (host, module, functions) = Self::functions(ctx, exports.module())?;
        for function in functions {
            let (host, module, name) = (host.clone(), module.clone(), function.clone());
            let forward =
                Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
                    call_host(&ctx, &*host, &module, &name, args.0)
                })?
                .with_name(&function)?;
            exports.export(function, forward)?;
        }
        Ok(())
    }
}

/// Sends the arguments to the host as JSON and parses its answer; a host
/// error is thrown as an `Error` with the host's message.
fn call_host<'js>(
    ctx: &Ctx<'js>,
    host: &dyn Host,
    module: &str,
    function: &str,
    args: Vec<Value<'js>>,
) -> rquickjs::Result<Value<'js>> {
    let array = rquickjs::Array::new(ctx.clone())?;
    for (i, arg) in args.into_iter().enumerate() {
        array.set(i, arg)?;
    }
    let max_args = ctx
        .userdata::<HostBridge>()
        .map_or(usize::MAX, |bridge| bridge.max_args.get());
    let args_json = match ctx.json_stringify(array)? {
        // Refused before it leaves the engine's heap.
        Some(json) => match crate::text::whole_within(ctx, &json, max_args) {
            Ok(json) => json,
            Err(size) => {
                return Err(Exception::throw_message(
                    ctx,
                    &format!(
                        "host function {module}.{function} failed: its arguments are {size} \
                         bytes of JSON, over the limit of {max_args} (the sandbox's result size limit)"
                    ),
                ))
            }
        },
        None => "[]".to_owned(),
    };
    match host.call(module, function, &args_json) {
        Ok(result) if result.is_empty() => Ok(Value::new_undefined(ctx.clone())),
        // The engine takes JSON as a C string; valid JSON has no raw NUL.
        Ok(result) if result.contains('\0') => Err(Exception::throw_syntax(
            ctx,
            &format!("host function {module}.{function} returned JSON with a raw NUL byte"),
        )),
        Ok(result) => ctx.json_parse(result),
        Err(message) => Err(Exception::throw_message(
            ctx,
            &format!("host function {module}.{function} failed: {message}"),
        )),
    }
}
