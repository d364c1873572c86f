//! The host side of the guest ABI, generated from `warden_abi`'s
//! declarations: typed handles to every guest export, and the trait that
//! implements every host import.

use wasmtime::{Caller, Instance, Linker, Store, TypedFunc};

use super::StoreData;

macro_rules! define_export_handles {
    ($( $(#[$meta:meta])* fn $name:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty; )*) => {
        /// Typed handles to the guest's exports.
        #[derive(Clone)]
        pub(crate) struct GuestExports {
            $( $(#[$meta])* pub(crate) $name: TypedFunc<($($ty,)*), $ret>, )*
        }

        impl GuestExports {
            /// Looks every export up, checking its signature.
            pub(crate) fn new(store: &mut Store<StoreData>, instance: &Instance) -> wasmtime::Result<Self> {
                Ok(Self {
                    $( $name: instance.get_typed_func(&mut *store, stringify!($name))?, )*
                })
            }
        }
    };
}
warden_abi::guest_exports!(define_export_handles);

macro_rules! define_import_trait {
    ($module:literal; $( $(#[$meta:meta])* fn $name:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty; )*) => {
        /// The host's implementation of the guest's imports.
        #[allow(
            clippy::too_many_arguments,
            reason = "wasm imports take flat lists of numbers"
        )]
        pub(crate) trait HostImports {
            $( $(#[$meta])* fn $name(caller: &mut Caller<'_, StoreData>, $($arg: $ty),*) -> wasmtime::Result<$ret>; )*
        }

        /// Defines every import of `H` in the linker.
        pub(crate) fn link_imports<H: HostImports>(linker: &mut Linker<StoreData>) -> wasmtime::Result<()> {
            $(
                linker.func_wrap(
                    $module,
                    stringify!($name),
                    |mut caller: Caller<'_, StoreData>, $($arg: $ty),*| H::$name(&mut caller, $($arg),*),
                )?;
            )*
            Ok(())
        }
    };
}
warden_abi::host_imports!(define_import_trait);
