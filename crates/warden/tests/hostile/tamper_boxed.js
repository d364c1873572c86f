// Changes how boxed numbers and strings turn into primitives. JSON
// serialization converts `new Number(1)` and `new String("x")` through
// `Symbol.toPrimitive`, `valueOf` or `toString`, found on the prototypes
// every handler of a sandbox shares, so these would change how LATER
// results of OTHER handlers are serialized unless the runtime guards
// against it. (The runtime refuses the assignments: each throws a
// TypeError. Defining `Symbol.toPrimitive` on `Object.prototype` is
// allowed, but the guarded prototypes hide it.)
function handler(event) {
  switch (event.how) {
    case "valueOf":
      Number.prototype.valueOf = () => 666;
      break;
    case "toString":
      String.prototype.toString = () => "hijacked";
      break;
    case "toPrimitive":
      Object.defineProperty(Number.prototype, Symbol.toPrimitive, {
        value: () => 666,
        configurable: true,
      });
      break;
    case "inherited-toPrimitive":
      Object.defineProperty(Object.prototype, Symbol.toPrimitive, {
        value() {
          for (;;) {}
        },
        configurable: true,
      });
      break;
    default:
      throw new Error("unknown mode");
  }
  return "tampered";
}
