// Looks for anything that could reach files, the network, the environment,
// other processes or the host: Node, Deno, Bun and QuickJS-libc globals,
// browser I/O, WebAssembly, and whatever is hanging off globalThis
// (own and inherited names, including non-enumerable ones); and tries a
// fetch, which the default sandbox refuses.
async function handler() {
  const probes = {};
  const names = [
    "require", "process", "module", "exports", "__dirname", "__filename",
    "Buffer", "global", "Deno", "Bun", "std", "os", "bjson", "scriptArgs",
    "print", "load", "read", "readFile", "write", "quit", "exit",
    "fetch", "XMLHttpRequest", "WebSocket", "EventSource", "navigator",
    "location", "document", "window", "self", "importScripts", "Worker",
    "SharedArrayBuffer", "Atomics", "WebAssembly", "setTimeout",
    "setInterval", "setImmediate", "clearTimeout", "os_exec", "system",
    "__wasi", "wasi", "WASI", "env", "host", "warden", "__warden",
    "gc", "FinalizationRegistry",
  ];
  for (const name of names) {
    let type;
    try {
      // `typeof` of an undeclared name is "undefined", never a throw.
      type = (0, eval)("typeof " + name);
    } catch (e) {
      type = "threw " + e.name;
    }
    probes[name] = type;
  }
  const own = Object.getOwnPropertyNames(globalThis);
  const inherited = [];
  for (let p = Object.getPrototypeOf(globalThis); p; p = Object.getPrototypeOf(p)) {
    for (const key of Object.getOwnPropertyNames(p)) inherited.push(key);
  }
  const symbols = Object.getOwnPropertySymbols(globalThis).map(String);
  const console = Object.getOwnPropertyNames(globalThis.console).sort();
  const agent = globalThis.navigator;
  const navigator = [];
  for (let p = agent; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const key of Object.getOwnPropertyNames(p)) navigator.push(key);
  }
  const fetched = await fetch("http://127.0.0.1:1/").then(
    () => "fetched",
    (e) => `${e.name}: ${e.message}`,
  );
  return { fetched, probes, own: own.sort(), inherited: inherited.sort(), symbols, console, navigator: navigator.sort() };
}
