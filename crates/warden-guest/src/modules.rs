//! What handlers import: host modules and user modules.
//!
//! * Built-in modules: `crypto`, `io`, `console`, `require` (see
//!   [`builtins`](crate::builtins)), whatever else is declared.
//! * Host modules: `import * as m from "host:name"`, or `"name"` alone when
//!   a host module of that name is declared. The host declares its
//!   functions before handlers are added; the loader builds a native module
//!   whose exports forward their arguments, as a JSON array, to
//!   [`Host::call`], or for asynchronous functions to [`Host::start`] and
//!   return a promise (see [`host_calls`](crate::host_calls)). Only
//!   declared modules resolve.
//! * User modules: any other specifier, resolved against the importing
//!   module's directory (a handler's own directory is set when it is added)
//!   into a module path, whose source [`Host::load_module`] provides. Each
//!   is named by its resolved path, so the engine loads it once and its own
//!   relative imports start from its directory. Handlers cannot import each
//!   other: their names never start with `/`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use rquickjs::function::Rest;
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::{Declarations, Declared, Exports, ModuleDef};
use rquickjs::{Ctx, Exception, Function, JsLifetime, Module, Value};
use warden_abi::{BYTES_MARKER, HOST_MODULE_PREFIX};

use crate::host::{CallArgs, Host, HostValue};
use crate::{builtins, host_calls};

/// A declared host function: its name, and whether it is asynchronous.
type Declaration = (String, bool);

/// The host and the functions it declared, shared by the loader and the
/// module definitions (which find it in the context's user data).
pub(crate) struct HostBridge {
    host: Rc<dyn Host>,
    /// Each module's functions.
    modules: RefCell<BTreeMap<String, Vec<Declaration>>>,
    /// The longest JSON arguments one call may pass, in bytes.
    max_args: Cell<usize>,
    /// Each handler's directory, by handler name.
    directories: RefCell<BTreeMap<String, String>>,
    /// Sources of resolved user modules the engine has not loaded yet.
    sources: RefCell<BTreeMap<String, String>>,
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
            directories: RefCell::default(),
            sources: RefCell::default(),
        }
    }

    /// Sets the directory handler `handler`'s relative imports start from.
    pub(crate) fn set_directory(&self, handler: &str, directory: &str) {
        self.directories
            .borrow_mut()
            .insert(handler.to_owned(), directory.to_owned());
    }

    /// Forgets the sources of a finished load: a module the engine already
    /// had was resolved again but never loaded.
    pub(crate) fn loaded(&self) {
        self.sources.borrow_mut().clear();
    }

    /// The directory imports from module `base` start from.
    fn directory_of(&self, base: &str) -> String {
        if base.starts_with('/') {
            return warden_abi::module_directory(base).to_owned();
        }
        let directories = self.directories.borrow();
        directories.get(base).cloned().unwrap_or_else(|| "/".into())
    }

    /// Resolves user module `name` imported from `base`, fetching its source.
    fn resolve_user(&self, base: &str, name: &str) -> Result<String, String> {
        if name.len() > MAX_SPECIFIER {
            return Err(format!(
                "it is {} bytes long, over the limit of {MAX_SPECIFIER}",
                name.len()
            ));
        }
        let path = warden_abi::join_module_path(&self.directory_of(base), name)
            .map_err(|reason| format!("it is not a module path: {reason}"))?;
        let (resolved, source) = self.host.load_module(&path)?;
        self.sources.borrow_mut().insert(resolved.clone(), source);
        Ok(resolved)
    }

    /// Bounds the JSON arguments of one call (0: no bound).
    pub(crate) fn set_max_args(&self, limit: usize) {
        self.max_args
            .set(if limit == 0 { usize::MAX } else { limit });
    }

    /// Declares `function` in host module `module`, asynchronous or not
    /// (idempotent: a second declaration changes nothing).
    pub(crate) fn declare(&self, module: &str, function: &str, is_async: bool) {
        let mut modules = self.modules.borrow_mut();
        let functions = modules.entry(module.to_owned()).or_default();
        if !functions.iter().any(|(f, _)| f == function) {
            functions.push((function.to_owned(), is_async));
        }
    }

    fn functions(&self, specifier: &str) -> Option<Vec<Declaration>> {
        let module = specifier.strip_prefix(HOST_MODULE_PREFIX)?;
        self.modules.borrow().get(module).cloned()
    }
}

/// Resolves and loads built-in, host and user modules.
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
        let refuse = |message: String| {
            Err(rquickjs::Error::new_resolving_message(
                base,
                shown(name),
                message,
            ))
        };
        let Some(bridge) = ctx.userdata::<HostBridge>() else {
            return refuse("the runtime has no module bridge".into());
        };
        if name.starts_with(HOST_MODULE_PREFIX) {
            return match bridge.functions(name) {
                Some(_) => Ok(name.to_owned()),
                None => refuse(format!(
                    "no host module of that name was declared (the built-in modules are {})",
                    builtins::NAMES.join(", ")
                )),
            };
        }
        // A bare name of a declared host module names it, as in
        // hyperlight-js: `import * as math from "math"`.
        let host_module = format!("{HOST_MODULE_PREFIX}{name}");
        if bridge.functions(&host_module).is_some() {
            return Ok(host_module);
        }
        bridge.resolve_user(base, name).or_else(|message| {
            // A bare name may have meant a built-in or a host module.
            if name.starts_with(['.', '/']) {
                return refuse(message);
            }
            refuse(format!(
                "{message}; the built-in modules are {}, and host modules are \
                 imported as \"{HOST_MODULE_PREFIX}<name>\"",
                builtins::NAMES.join(", ")
            ))
        })
    }
}

/// The most of a refused specifier that its error shows, in bytes. The
/// engine keeps only the first 255 bytes of the message anyway, so a huge
/// specifier is never copied into memory the heap limit does not count.
const SHOWN_SPECIFIER: usize = 256;

/// The longest specifier of a user module (or name `require` takes), in
/// bytes: longer ones are refused before the host is asked.
pub(crate) const MAX_SPECIFIER: usize = 4096;

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
        if name.starts_with(HOST_MODULE_PREFIX) {
            return Module::declare_def::<HostModule, _>(ctx.clone(), name);
        }
        let source = ctx
            .userdata::<HostBridge>()
            .and_then(|bridge| bridge.sources.borrow_mut().remove(name));
        match source {
            Some(source) => Module::declare(ctx.clone(), name, source),
            None => Err(rquickjs::Error::new_loading(name)),
        }
    }
}

struct HostModule;

impl HostModule {
    fn functions(
        ctx: &Ctx<'_>,
        module: &Module<'_>,
    ) -> rquickjs::Result<(Rc<dyn Host>, String, Vec<Declaration>)> {
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
        for (function, _) in functions {
            decl.declare(function)?;
        }
        Ok(())
    }

    fn evaluate<'js>(ctx: &Ctx<'js>, exports: &Exports<'js>) -> rquickjs::Result<()> {
        let (host, module, functions) = Self::functions(ctx, exports.module())?;
        for (function, is_async) in functions {
            let (host, module, name) = (host.clone(), module.clone(), function.clone());
            let forward =
                Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
                    if is_async {
                        host_calls::start(&ctx, &*host, (&module, &name), args.0, answer_value)
                    } else {
                        call_host(&ctx, &*host, &module, &name, args.0)
                    }
                })?
                .with_name(&function)?;
            exports.export(function, forward)?;
        }
        Ok(())
    }
}

/// The arguments of a call to `module.function`: a JSON array, in which a
/// binary argument is a marker for its bytes beside it. Refused (thrown)
/// past the sandbox's limit, which counts the JSON and the bytes.
pub(crate) fn call_args<'js>(
    ctx: &Ctx<'js>,
    module: &str,
    function: &str,
    args: Vec<Value<'js>>,
) -> rquickjs::Result<CallArgs> {
    let max_args = ctx
        .userdata::<HostBridge>()
        .map_or(usize::MAX, |bridge| bridge.max_args.get());
    let too_large = |size: usize| {
        Exception::throw_message(
            ctx,
            &format!(
                "host function {module}.{function} failed: its arguments are {size} \
                 bytes, over the limit of {max_args} (the sandbox's result size limit)"
            ),
        )
    };
    let array = rquickjs::Array::new(ctx.clone())?;
    let mut blobs = Vec::new();
    let mut blob_bytes = 0usize;
    for (i, arg) in args.into_iter().enumerate() {
        match crate::web::copy_if_buffer_source(ctx, &arg)? {
            Some(bytes) => {
                blob_bytes = blob_bytes.saturating_add(bytes.len());
                if blob_bytes > max_args {
                    return Err(too_large(blob_bytes));
                }
                // Parsed, not built: no setter a handler defined runs.
                let marker: Value =
                    ctx.json_parse(format!("{{\"{BYTES_MARKER}\":{}}}", blobs.len()))?;
                blobs.push(bytes);
                array.set(i, marker)?;
            }
            None => array.set(i, arg)?,
        }
    }
    let json = match ctx.json_stringify(array)? {
        // Refused before it leaves the engine's heap.
        Some(json) => crate::text::whole_within(ctx, &json, max_args.saturating_sub(blob_bytes))
            .map_err(|size| too_large(size.saturating_add(blob_bytes)))?,
        None => "[]".to_owned(),
    };
    Ok(CallArgs { json, blobs })
}

/// The value of a host function's answer: its JSON result parsed (empty
/// means `undefined`), its bytes as a `Uint8Array`, or its error message
/// thrown as an `Error`.
pub(crate) fn answer_value<'js>(
    ctx: &Ctx<'js>,
    module: &str,
    function: &str,
    answer: Result<HostValue, String>,
) -> rquickjs::Result<Value<'js>> {
    match answer {
        Ok(HostValue::Bytes(bytes)) => {
            Ok(rquickjs::TypedArray::<u8>::new(ctx.clone(), bytes)?.into_value())
        }
        Ok(HostValue::Json(result)) if result.is_empty() => Ok(Value::new_undefined(ctx.clone())),
        // The engine takes JSON as a C string; valid JSON has no raw NUL.
        Ok(HostValue::Json(result)) if result.contains('\0') => Err(Exception::throw_syntax(
            ctx,
            &format!("host function {module}.{function} returned JSON with a raw NUL byte"),
        )),
        Ok(HostValue::Json(result)) => ctx.json_parse(result),
        Err(message) => Err(Exception::throw_message(
            ctx,
            &format!("host function {module}.{function} failed: {message}"),
        )),
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
    let args = call_args(ctx, module, function, args)?;
    answer_value(ctx, module, function, host.call(module, function, &args))
}
