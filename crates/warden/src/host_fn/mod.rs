//! Host functions: Rust closures that handlers call through
//! `import * as m from "host:<module>"`.
//!
//! Arguments cross the boundary as a JSON array. Typed closures receive each
//! argument deserialized with serde (a missing argument reads as `null`, so
//! `Option<T>` parameters may be omitted in JavaScript) and return any
//! `Serialize` value; raw closures see the JSON text itself.

use std::collections::BTreeMap;
use std::fmt::{self, Display};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

mod asynchronous;
pub(crate) mod calls;
mod runtime;

use crate::error::{Error, Result};
use asynchronous::RawAsyncHostFn;
pub use asynchronous::{AsyncHostFunction, FallibleAsyncHostFunction};

/// The uniform shape every host function is stored in: JSON arguments in,
/// JSON result or error message out.
pub(crate) type RawHostFn = Arc<dyn Fn(&str) -> std::result::Result<String, String> + Send + Sync>;

/// A closure usable as a host function whose result cannot fail.
///
/// Implemented for `Fn(A1, ..., An) -> R` with up to 8 arguments, where
/// every `Ai: DeserializeOwned` and `R: Serialize`.
pub trait HostFunction<Args>: Send + Sync + 'static {
    /// Wraps the closure into its JSON form.
    #[doc(hidden)]
    fn into_raw(self) -> RawHostFn;
}

/// A closure usable as a host function that may fail.
///
/// Implemented for `Fn(A1, ..., An) -> Result<T, E>` with up to 8 arguments,
/// where every `Ai: DeserializeOwned`, `T: Serialize` and `E: Display`. An
/// `Err` is thrown in JavaScript as an `Error` carrying its message.
pub trait FallibleHostFunction<Args>: Send + Sync + 'static {
    /// Wraps the closure into its JSON form.
    #[doc(hidden)]
    fn into_raw(self) -> RawHostFn;
}

/// Splits a JSON array of arguments into `arity` values, padding with null.
fn split_args(json: &str, arity: usize) -> std::result::Result<Vec<serde_json::Value>, String> {
    let mut args: Vec<serde_json::Value> =
        serde_json::from_str(json).map_err(|e| format!("arguments are not a JSON array: {e}"))?;
    if args.len() > arity {
        return Err(format!(
            "expected at most {arity} arguments, got {}",
            args.len()
        ));
    }
    args.resize(arity, serde_json::Value::Null);
    Ok(args)
}

fn arg<T: DeserializeOwned>(
    value: serde_json::Value,
    index: usize,
) -> std::result::Result<T, String> {
    serde_json::from_value(value).map_err(|e| format!("argument {}: {e}", index + 1))
}

fn to_json<T: Serialize>(value: &T) -> std::result::Result<String, String> {
    serde_json::to_string(value).map_err(|e| format!("result is not serializable: {e}"))
}

macro_rules! impl_host_functions {
    ($($arg:ident),*) => {
        impl<F, R, $($arg,)*> HostFunction<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> R + Send + Sync + 'static,
            R: Serialize,
            $($arg: DeserializeOwned,)*
        {
            #[allow(non_snake_case, reason = "the type parameters name the arguments")]
            fn into_raw(self) -> RawHostFn {
                // An infallible function is a fallible one that never fails.
                let fallible = move |$($arg: $arg),*| {
                    Ok::<R, std::convert::Infallible>(self($($arg),*))
                };
                FallibleHostFunction::<($($arg,)*)>::into_raw(fallible)
            }
        }

        impl<F, T, E, $($arg,)*> FallibleHostFunction<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> std::result::Result<T, E> + Send + Sync + 'static,
            T: Serialize,
            E: Display,
            $($arg: DeserializeOwned,)*
        {
            #[allow(
                non_snake_case,
                unused_mut,
                unused_variables,
                reason = "the type parameters name the arguments, of which there may be none"
            )]
            fn into_raw(self) -> RawHostFn {
                Arc::new(move |json: &str| {
                    let arity = <[&str]>::len(&[$(stringify!($arg)),*]);
                    let mut values = split_args(json, arity)?.into_iter().enumerate();
                    $(let (i, v) = values.next().unwrap(); let $arg: $arg = arg(v, i)?;)*
                    match self($($arg),*) {
                        Ok(value) => to_json(&value),
                        Err(e) => Err(e.to_string()),
                    }
                })
            }
        }
    };
}

impl_host_functions!();
impl_host_functions!(A1);
impl_host_functions!(A1, A2);
impl_host_functions!(A1, A2, A3);
impl_host_functions!(A1, A2, A3, A4);
impl_host_functions!(A1, A2, A3, A4, A5);
impl_host_functions!(A1, A2, A3, A4, A5, A6);
impl_host_functions!(A1, A2, A3, A4, A5, A6, A7);
impl_host_functions!(A1, A2, A3, A4, A5, A6, A7, A8);

/// A host function as stored: one that returns its answer, or one that
/// returns a future of it.
#[derive(Clone)]
pub(crate) enum HostFn {
    /// Called on the guest's thread; the guest waits for its answer.
    Sync(RawHostFn),
    /// Its future runs on the host runtime; the guest gets a promise.
    Async(RawAsyncHostFn),
}

/// Every host function of a sandbox, by module and name.
#[derive(Clone, Default)]
pub(crate) struct HostFunctions {
    modules: BTreeMap<String, BTreeMap<String, HostFn>>,
}

impl HostFunctions {
    fn insert(&mut self, module: &str, name: &str, function: HostFn) -> Result<()> {
        // Any text is an export name; handlers reach names that are not
        // identifiers through the namespace: `host["no-op"]()`.
        check_name(name, "function", |c| !c.is_control())?;
        let functions = self.modules.entry(module.to_owned()).or_default();
        if functions.contains_key(name) {
            return Err(Error::InvalidHostFunction(format!(
                "{module}.{name} is already registered"
            )));
        }
        functions.insert(name.to_owned(), function);
        Ok(())
    }

    /// The function `module.name`.
    pub(crate) fn get(&self, module: &str, name: &str) -> Option<&HostFn> {
        self.modules.get(module)?.get(name)
    }

    /// Every `(module, function, is_async)`, in order of module then
    /// function.
    pub(crate) fn names(&self) -> impl Iterator<Item = (&str, &str, bool)> {
        self.modules.iter().flat_map(|(m, fs)| {
            fs.iter()
                .map(move |(f, kind)| (m.as_str(), f.as_str(), matches!(kind, HostFn::Async(_))))
        })
    }

    /// Identifies the set of names and kinds: guest state made with one
    /// set is only meaningful with the same set.
    pub(crate) fn fingerprint(&self) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for name in self.names() {
            name.hash(&mut hasher);
        }
        hasher.finish()
    }
}

fn check_name(name: &str, what: &str, allowed: impl Fn(char) -> bool) -> Result<()> {
    if name.is_empty() {
        return Err(Error::InvalidHostFunction(format!("{what} name is empty")));
    }
    if name.len() > 128 {
        return Err(Error::InvalidHostFunction(format!(
            "{what} name {name:?} is longer than 128 characters"
        )));
    }
    if let Some(bad) = name.chars().find(|&c| !allowed(c)) {
        return Err(Error::InvalidHostFunction(format!(
            "{what} name {name:?} contains {bad:?}"
        )));
    }
    Ok(())
}

/// The functions of one host module, as handlers see it through
/// `import * as m from "host:<name>"`. Function names are 1 to 128 bytes
/// without control characters, unique in their module; a name that is not
/// an identifier is reached through the namespace (`m["no-op"]()`).
/// Obtained from
/// [`ProtoJSSandbox::host_module`](crate::ProtoJSSandbox::host_module).
pub struct HostModule<'a> {
    functions: &'a mut HostFunctions,
    module: String,
}

impl fmt::Debug for HostModule<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostModule")
            .field("module", &self.module)
            .finish_non_exhaustive()
    }
}

impl<'a> HostModule<'a> {
    pub(crate) fn new(functions: &'a mut HostFunctions, module: &str) -> Result<Self> {
        check_name(module, "module", |c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
        })?;
        Ok(Self {
            functions,
            module: module.to_owned(),
        })
    }

    /// Registers a typed function that cannot fail.
    ///
    /// ```
    /// # fn main() -> warden::Result<()> {
    /// let mut proto = warden::SandboxBuilder::new().build()?;
    /// proto.host_module("math")?.register("add", |a: f64, b: f64| a + b)?;
    /// # Ok(()) }
    /// ```
    pub fn register<Args>(
        &mut self,
        name: &str,
        function: impl HostFunction<Args>,
    ) -> Result<&mut Self> {
        self.functions
            .insert(&self.module, name, HostFn::Sync(function.into_raw()))?;
        Ok(self)
    }

    /// Registers a typed function whose `Err` is thrown in JavaScript.
    pub fn register_fallible<Args>(
        &mut self,
        name: &str,
        function: impl FallibleHostFunction<Args>,
    ) -> Result<&mut Self> {
        self.functions
            .insert(&self.module, name, HostFn::Sync(function.into_raw()))?;
        Ok(self)
    }

    /// Registers a typed asynchronous function: in JavaScript it returns a
    /// promise at once, which the future's output resolves. Many calls can
    /// be in flight together; see [`SandboxBuilder`](crate::SandboxBuilder)
    /// for where the futures run, and the crate documentation for how they
    /// count toward budgets and are dropped when a call ends.
    ///
    /// ```
    /// # fn main() -> warden::Result<()> {
    /// let mut proto = warden::SandboxBuilder::new().build()?;
    /// proto.host_module("db")?.register_async("get", |id: u32| async move {
    ///     format!("row {id}")
    /// })?;
    /// # Ok(()) }
    /// ```
    pub fn register_async<Args>(
        &mut self,
        name: &str,
        function: impl AsyncHostFunction<Args>,
    ) -> Result<&mut Self> {
        self.functions
            .insert(&self.module, name, HostFn::Async(function.into_raw()))?;
        Ok(self)
    }

    /// Registers a typed asynchronous function whose `Err` rejects the
    /// handler's promise with an `Error` carrying its message.
    pub fn register_async_fallible<Args>(
        &mut self,
        name: &str,
        function: impl FallibleAsyncHostFunction<Args>,
    ) -> Result<&mut Self> {
        self.functions
            .insert(&self.module, name, HostFn::Async(function.into_raw()))?;
        Ok(self)
    }

    /// Registers an asynchronous function that receives the arguments as a
    /// JSON array and whose future returns its result as JSON text (an
    /// empty string means `undefined`), or an error message that rejects
    /// the handler's promise.
    pub fn register_async_raw<Fut>(
        &mut self,
        name: &str,
        function: impl Fn(String) -> Fut + Send + Sync + 'static,
    ) -> Result<&mut Self>
    where
        Fut: std::future::Future<Output = std::result::Result<String, String>> + Send + 'static,
    {
        let raw: RawAsyncHostFn = Arc::new(move |args| Box::pin(function(args)));
        self.functions
            .insert(&self.module, name, HostFn::Async(raw))?;
        Ok(self)
    }

    /// Registers a function that receives the arguments as a JSON array and
    /// returns its result as JSON text (an empty string means `undefined`),
    /// or an error message that is thrown in JavaScript.
    pub fn register_raw(
        &mut self,
        name: &str,
        function: impl Fn(&str) -> std::result::Result<String, String> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.functions
            .insert(&self.module, name, HostFn::Sync(Arc::new(function)))?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw<Args>(f: impl HostFunction<Args>) -> RawHostFn {
        f.into_raw()
    }

    #[test]
    fn typed_functions_decode_arguments_and_encode_results() {
        let add = raw(|a: i64, b: i64| a + b);
        assert_eq!(add("[2,3]").unwrap(), "5");
        assert!(add("[2,\"x\"]").unwrap_err().contains("argument 2"));
        assert!(add("[1,2,3]").unwrap_err().contains("at most 2"));
        assert!(add("{}").unwrap_err().contains("JSON array"));
        let greet = raw(|name: Option<String>| format!("hi {}", name.unwrap_or_default()));
        assert_eq!(greet("[]").unwrap(), "\"hi \"");
        let nothing = raw(|| ());
        assert_eq!(nothing("[]").unwrap(), "null");
    }

    #[test]
    fn fallible_functions_turn_errors_into_messages() {
        let f = FallibleHostFunction::into_raw(|n: u32| {
            if n > 0 {
                Ok(n)
            } else {
                Err("must be positive")
            }
        });
        assert_eq!(f("[1]").unwrap(), "1");
        assert_eq!(f("[0]").unwrap_err(), "must be positive");
    }

    #[test]
    fn names_are_validated_and_unique() {
        fn refused<T: std::fmt::Debug>(result: Result<T>, says: &str) {
            match result {
                Err(Error::InvalidHostFunction(reason)) if reason.contains(says) => {}
                other => panic!("expected InvalidHostFunction saying {says:?}, got {other:?}"),
            }
        }
        let mut functions = HostFunctions::default();
        refused(HostModule::new(&mut functions, ""), "is empty");
        refused(HostModule::new(&mut functions, "a/b"), "contains '/'");
        let mut m = HostModule::new(&mut functions, "math").unwrap();
        m.register("add", |a: f64, b: f64| a + b).unwrap();
        refused(
            m.register("add", |a: f64| a),
            "math.add is already registered",
        );
        refused(m.register("line\nbreak", || 9), "contains '\\n'");
        refused(m.register("nul\0", || 1), "contains '\\0'");
        m.register("$ok_1", || 1).unwrap();
        m.register("no-op/😊", || 1).unwrap();
        m.register_async("later", || async { 1 }).unwrap();
        let names: Vec<_> = functions.names().collect();
        assert_eq!(
            names,
            [
                ("math", "$ok_1", false),
                ("math", "add", false),
                ("math", "later", true),
                ("math", "no-op/😊", false)
            ]
        );
    }

    #[test]
    fn fingerprints_differ_with_names() {
        let mut a = HostFunctions::default();
        let empty = a.fingerprint();
        HostModule::new(&mut a, "m")
            .unwrap()
            .register("f", || 1)
            .unwrap();
        assert_ne!(a.fingerprint(), empty);
    }
}
