// Tries every module specifier that could bring in I/O (QuickJS-libc's `std`
// and `os`, Node's built-ins, URLs, files, data: URLs) or reach another
// handler's module, with dynamic `import()`, and reports what happened to
// each. With `uncaught` set, the first rejection is left to propagate.
const SPECIFIERS = [
  "fs", "node:fs", "std", "os", "qjs:std", "qjs:os", "child_process",
  "net", "http", "process", "./secret.js", "/etc/passwd", "file:///etc/passwd",
  "https://example.com/x.js", "data:text/javascript,export default 1",
  "secret", "dynamic_import", "host:", "host:fs", "host:../secret",
  "wasi:filesystem", "",
];
async function handler(event) {
  if (event.uncaught) {
    return await import(event.uncaught);
  }
  const results = {};
  for (const specifier of SPECIFIERS) {
    try {
      const module = await import(specifier);
      results[specifier] = "LOADED: " + Object.keys(module).join(",");
    } catch (e) {
      results[specifier] = "rejected: " + e.name;
    }
  }
  return results;
}
