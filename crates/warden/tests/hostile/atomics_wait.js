// Tries to block the guest thread forever inside the engine's C code, where
// no JavaScript runs: Atomics.wait on a shared buffer nobody will notify,
// without a timeout or with an enormous one. Reached through globalThis and
// through indirect eval, in case the binding is merely hidden.
function handler(event) {
  const atomics = globalThis.Atomics ?? (0, eval)("typeof Atomics === 'undefined' ? undefined : Atomics");
  if (atomics === undefined) return "no Atomics";
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return atomics.wait(cell, 0, 0, event.timeout === undefined ? undefined : event.timeout);
}
