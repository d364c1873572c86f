//! Host functions: Rust closures that handlers call through
//! `import * as m from "host:<module>"`.
//!
//! Arguments cross the boundary as a JSON array. Typed closures receive each
//! argument deserialized with serde (a missing argument reads as `null`, so
//! `Option<T>` parameters may be omitted in JavaScript) and return any
//! `Serialize` value; raw closures see the JSON text itself.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt::{self, Display};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

mod asynchronous;
mod bytes;
pub(crate) mod calls;
mod runtime;

use crate::error::{Error, Result};
pub(crate) use asynchronous::RawAsyncHostFn;
pub use asynchronous::{AsyncHostFunction, FallibleAsyncHostFunction};
pub use bytes::Bytes;

/// The arguments of a host-function call as they cross the boundary: a JSON
/// array in which each binary argument is a `{"$warden.bytes": i}` marker,
/// and the binary arguments' bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostArgs {
    /// The JSON array of arguments.
    pub json: String,
    /// The bytes of the binary arguments, in the order their markers name.
    pub blobs: Vec<Vec<u8>>,
}

/// A host function's result as it crosses the boundary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostValue {
    /// JSON text (empty for `undefined`).
    Json(String),
    /// Bytes, which the handler gets as a `Uint8Array`.
    Bytes(Vec<u8>),
}

/// The answer of a host call: its result, or an error message that is
/// thrown (or rejects) in JavaScript as an `Error`.
pub(crate) type Answer = std::result::Result<HostValue, String>;

/// The uniform shape every synchronous host function is stored in.
pub(crate) type RawHostFn = Arc<dyn Fn(HostArgs) -> Answer + Send + Sync>;

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

/// A typed function's result as it crosses the boundary: a whole
/// [`Bytes`] as bytes, anything else as JSON.
fn to_value<T: Serialize + 'static>(value: T) -> Answer {
    let mut slot = Some(value);
    if let Some(bytes) = (&mut slot as &mut dyn Any).downcast_mut::<Option<Bytes>>() {
        return Ok(HostValue::Bytes(bytes.take().unwrap_or_default().0));
    }
    serde_json::to_string(&slot)
        .map(HostValue::Json)
        .map_err(|e| format!("result is not serializable: {e}"))
}

/// Decodes a typed function's arguments: each of the JSON array's values
/// with `decode`, the binary ones from `args.blobs`.
fn decode_args<T>(
    args: HostArgs,
    decode: impl FnOnce(&str) -> std::result::Result<T, String>,
) -> std::result::Result<T, String> {
    bytes::with_blobs(args.blobs, || decode(&args.json))
}

/// Decodes a JSON array of arguments into a tuple of the types `$arg`,
/// within a function returning `Result<_, String>`.
macro_rules! decode_tuple {
    ($json:expr; $($arg:ident),*) => {{
        let arity = <[&str]>::len(&[$(stringify!($arg)),*]);
        let mut values = split_args($json, arity)?.into_iter().enumerate();
        Ok(($({
            let (i, v) = values.next().unwrap();
            arg::<$arg>(v, i)?
        },)*))
    }};
}
use decode_tuple;

macro_rules! impl_host_functions {
    ($($arg:ident),*) => {
        impl<F, R, $($arg,)*> HostFunction<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> R + Send + Sync + 'static,
            R: Serialize + 'static,
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
            T: Serialize + 'static,
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
                Arc::new(move |args: HostArgs| {
                    let ($($arg,)*) = decode_args(args, |json| decode_tuple!(json; $($arg),*))?;
                    match self($($arg),*) {
                        Ok(value) => to_value(value),
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
    Async {
        /// Makes the future.
        run: RawAsyncHostFn,
        /// The most calls one handler call may start (`None`: no limit).
        per_call: Option<u32>,
    },
}

impl HostFn {
    /// An asynchronous function without a per-call limit.
    fn unlimited(run: RawAsyncHostFn) -> Self {
        Self::Async {
            run,
            per_call: None,
        }
    }
}

/// Every host function of a sandbox, by module and name.
#[derive(Clone, Default)]
pub(crate) struct HostFunctions {
    modules: BTreeMap<String, BTreeMap<String, HostFn>>,
    /// Functions of Warden's own (behind `fetch`), which handlers reach
    /// only through the globals that use them: not declared as modules.
    builtins: BTreeMap<(&'static str, &'static str), HostFn>,
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

    /// Adds Warden's own function `module.name` (see `warden_abi`).
    pub(crate) fn insert_builtin(
        &mut self,
        (module, name): (&'static str, &'static str),
        function: HostFn,
    ) {
        self.builtins.insert((module, name), function);
    }

    /// The function `module.name`.
    pub(crate) fn get(&self, module: &str, name: &str) -> Option<&HostFn> {
        match self
            .modules
            .get(module)
            .and_then(|functions| functions.get(name))
        {
            Some(function) => Some(function),
            None => self
                .builtins
                .iter()
                .find(|((m, n), _)| *m == module && *n == name)
                .map(|(_, function)| function),
        }
    }

    /// Every `(module, function, is_async)`, in order of module then
    /// function.
    pub(crate) fn names(&self) -> impl Iterator<Item = (&str, &str, bool)> {
        self.modules.iter().flat_map(|(m, fs)| {
            fs.iter().map(move |(f, kind)| {
                (m.as_str(), f.as_str(), matches!(kind, HostFn::Async { .. }))
            })
        })
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
            .insert(&self.module, name, HostFn::unlimited(function.into_raw()))?;
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
            .insert(&self.module, name, HostFn::unlimited(function.into_raw()))?;
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
        let raw: RawAsyncHostFn = Arc::new(move |args: HostArgs| {
            let answer = function(args.json);
            Box::pin(async move { answer.await.map(HostValue::Json) })
        });
        self.functions
            .insert(&self.module, name, HostFn::unlimited(raw))?;
        Ok(self)
    }

    /// Like [`register_async_raw`](Self::register_async_raw), with binary
    /// arguments and results: the function gets the [`HostArgs`] and its
    /// future returns a [`HostValue`].
    pub fn register_async_raw_args<Fut>(
        &mut self,
        name: &str,
        function: impl Fn(HostArgs) -> Fut + Send + Sync + 'static,
    ) -> Result<&mut Self>
    where
        Fut: std::future::Future<Output = std::result::Result<HostValue, String>> + Send + 'static,
    {
        let raw: RawAsyncHostFn = Arc::new(move |args| Box::pin(function(args)));
        self.functions
            .insert(&self.module, name, HostFn::unlimited(raw))?;
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
        let raw: RawHostFn =
            Arc::new(move |args: HostArgs| function(&args.json).map(HostValue::Json));
        self.functions
            .insert(&self.module, name, HostFn::Sync(raw))?;
        Ok(self)
    }

    /// Like [`register_raw`](Self::register_raw), with binary arguments and
    /// results: the function gets the [`HostArgs`] and returns a
    /// [`HostValue`].
    pub fn register_raw_args(
        &mut self,
        name: &str,
        function: impl Fn(HostArgs) -> std::result::Result<HostValue, String> + Send + Sync + 'static,
    ) -> Result<&mut Self> {
        self.functions
            .insert(&self.module, name, HostFn::Sync(Arc::new(function)))?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `f` as a function of JSON text (its result must be JSON).
    fn raw<Args>(
        f: impl HostFunction<Args>,
    ) -> impl Fn(&str) -> std::result::Result<String, String> {
        json_fn(f.into_raw())
    }

    fn json_fn(f: RawHostFn) -> impl Fn(&str) -> std::result::Result<String, String> {
        move |json| match f(HostArgs {
            json: json.to_owned(),
            blobs: Vec::new(),
        })? {
            HostValue::Json(json) => Ok(json),
            HostValue::Bytes(_) => panic!("bytes, not JSON"),
        }
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
        let f = json_fn(FallibleHostFunction::into_raw(|n: u32| {
            if n > 0 {
                Ok(n)
            } else {
                Err("must be positive")
            }
        }));
        assert_eq!(f("[1]").unwrap(), "1");
        assert_eq!(f("[0]").unwrap_err(), "must be positive");
    }

    #[test]
    fn bytes_cross_as_blobs_and_come_back_as_bytes() {
        let reverse = HostFunction::into_raw(|input: Bytes, n: u32| {
            Bytes(input.0.into_iter().rev().chain([n as u8]).collect())
        });
        let args = HostArgs {
            json: r#"[{"$warden.bytes":0},7]"#.into(),
            blobs: vec![vec![1, 2, 3]],
        };
        assert_eq!(reverse(args), Ok(HostValue::Bytes(vec![3, 2, 1, 7])));
        let missing = HostArgs {
            json: r#"[{"$warden.bytes":1},7]"#.into(),
            blobs: vec![vec![1]],
        };
        assert!(reverse(missing).unwrap_err().contains("argument 1"));
        // Nested, bytes are an array of numbers.
        let nested = json_fn(HostFunction::into_raw(|| vec![Bytes(vec![1, 2])]));
        assert_eq!(nested("[]").unwrap(), "[[1,2]]");
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
}
