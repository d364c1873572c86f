//! Asynchronous host functions: Rust futures that handlers await.
//!
//! A handler's call to one returns a promise at once; the future runs on
//! Warden's host runtime ([`super::runtime`]) while the handler goes on, so many
//! calls can be in flight together. When the guest has nothing left to run
//! it waits, without using CPU, for the next call to finish (or its next
//! timer, or a kill). The waiting counts toward wall-clock budgets and not
//! toward CPU-time budgets. When the handler's call ends, or is killed, the
//! futures still running are dropped ([`super::calls`]), and answers that arrive
//! later are ignored.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{arg, decode_args, decode_tuple, split_args, to_value, Answer, HostArgs};

/// A future that makes an [`Answer`].
pub(crate) type AnswerFuture = Pin<Box<dyn Future<Output = Answer> + Send + 'static>>;

/// The uniform shape every asynchronous host function is stored in: the
/// arguments in, a future of the answer out.
pub(crate) type RawAsyncHostFn = Arc<dyn Fn(HostArgs) -> AnswerFuture + Send + Sync>;

/// A closure usable as an asynchronous host function whose result cannot
/// fail.
///
/// Implemented for `Fn(A1, ..., An) -> Fut` with up to 8 arguments, where
/// every `Ai: DeserializeOwned` and `Fut: Future + Send + 'static` with a
/// `Serialize` output.
pub trait AsyncHostFunction<Args>: Send + Sync + 'static {
    /// Wraps the closure into its JSON form.
    #[doc(hidden)]
    fn into_raw(self) -> RawAsyncHostFn;
}

/// A closure usable as an asynchronous host function that may fail.
///
/// Implemented for `Fn(A1, ..., An) -> Fut` with up to 8 arguments, where
/// every `Ai: DeserializeOwned` and `Fut: Future<Output = Result<T, E>> +
/// Send + 'static`, `T: Serialize` and `E: Display`. An `Err` rejects the
/// handler's promise with an `Error` carrying its message.
pub trait FallibleAsyncHostFunction<Args>: Send + Sync + 'static {
    /// Wraps the closure into its JSON form.
    #[doc(hidden)]
    fn into_raw(self) -> RawAsyncHostFn;
}

macro_rules! impl_async_host_functions {
    ($($arg:ident),*) => {
        impl<F, Fut, R, $($arg,)*> AsyncHostFunction<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = R> + Send + 'static,
            R: Serialize + 'static,
            $($arg: DeserializeOwned,)*
        {
            #[allow(non_snake_case, reason = "the type parameters name the arguments")]
            fn into_raw(self) -> RawAsyncHostFn {
                // An infallible function is a fallible one that never fails.
                let fallible = move |$($arg: $arg),*| {
                    let future = self($($arg),*);
                    async move { Ok::<R, std::convert::Infallible>(future.await) }
                };
                FallibleAsyncHostFunction::<($($arg,)*)>::into_raw(fallible)
            }
        }

        impl<F, Fut, T, E, $($arg,)*> FallibleAsyncHostFunction<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = std::result::Result<T, E>> + Send + 'static,
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
            fn into_raw(self) -> RawAsyncHostFn {
                Arc::new(move |args: HostArgs| -> AnswerFuture {
                    // Arguments are decoded before the future starts: a bad
                    // one rejects without running any of it.
                    let decoded = decode_args(args, |json| decode_tuple!(json; $($arg),*))
                        .map(|($($arg,)*)| self($($arg),*));
                    Box::pin(async move {
                        match decoded?.await {
                            Ok(value) => to_value(value),
                            Err(e) => Err(e.to_string()),
                        }
                    })
                })
            }
        }
    };
}

impl_async_host_functions!();
impl_async_host_functions!(A1);
impl_async_host_functions!(A1, A2);
impl_async_host_functions!(A1, A2, A3);
impl_async_host_functions!(A1, A2, A3, A4);
impl_async_host_functions!(A1, A2, A3, A4, A5);
impl_async_host_functions!(A1, A2, A3, A4, A5, A6);
impl_async_host_functions!(A1, A2, A3, A4, A5, A6, A7);
impl_async_host_functions!(A1, A2, A3, A4, A5, A6, A7, A8);

#[cfg(test)]
mod tests {
    use super::super::runtime;
    use super::*;

    fn answer(f: RawAsyncHostFn, json: &str) -> std::result::Result<String, String> {
        let args = HostArgs {
            json: json.to_owned(),
            blobs: Vec::new(),
        };
        match runtime::handle().unwrap().block_on(f(args))? {
            crate::HostValue::Json(json) => Ok(json),
            crate::HostValue::Bytes(_) => panic!("bytes, not JSON"),
        }
    }

    #[test]
    fn typed_functions_decode_arguments_and_encode_results() {
        let add = AsyncHostFunction::into_raw(|a: i64, b: i64| async move { a + b });
        assert_eq!(answer(add.clone(), "[2,3]").unwrap(), "5");
        assert!(answer(add, "[2,\"x\"]").unwrap_err().contains("argument 2"));
        let positive = FallibleAsyncHostFunction::into_raw(|n: i64| async move {
            if n > 0 {
                Ok(n)
            } else {
                Err("must be positive")
            }
        });
        assert_eq!(answer(positive.clone(), "[1]").unwrap(), "1");
        assert_eq!(answer(positive, "[0]").unwrap_err(), "must be positive");
    }
}
