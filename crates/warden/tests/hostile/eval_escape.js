// Tries to climb out through code generation: indirect eval, the Function,
// AsyncFunction and GeneratorFunction constructors, `this` in sloppy code,
// and constructor chains. Every road must lead back to the same global
// object, which has no I/O.
function handler() {
  const out = {};
  const sameGlobal = (g) => g === globalThis;
  out.indirectEval = sameGlobal((0, eval)("this"));
  out.functionCtor = sameGlobal(Function("return this")());
  out.constructorChain = sameGlobal([].constructor.constructor("return this")());
  const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
  const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;
  out.asyncFunctionCtor = typeof AsyncFunction("return 1");
  out.generatorCtor = typeof GeneratorFunction("yield 1");
  // Warden's global `require` reaches only what `import` reaches.
  out.evalRequiresFs = (0, eval)("try { require('fs'); 'REACHED' } catch (e) { e.name }");
  out.functionSeesProcess = Function("return typeof process")();
  out.functionSeesStd = Function("return typeof std + typeof os")();
  // Reaching `process` through the Function constructor throws a ReferenceError.
  try {
    Function("return process.env")();
    out.processEnv = "REACHED";
  } catch (e) {
    out.processEnv = e.name;
  }
  // A module's private bindings are not globals.
  out.secretVisible = typeof SECRET;
  out.evalSecret = (0, eval)("typeof SECRET");
  // import.meta has nothing interesting.
  out.importMetaKeys = Object.keys(import.meta).sort();
  return out;
}
