// Installs toJSON methods on the shared prototypes, or changes the date
// methods a date's toJSON calls. JSON serialization asks every object (and
// array) for a `toJSON`, and every handler of a sandbox shares one set of
// prototypes, so these would change how LATER results of OTHER handlers are
// serialized unless the runtime guards against it. (The runtime refuses the
// first three: each throws a TypeError.)
function handler(event) {
  const replaced = { hijacked: true };
  switch (event.how) {
    case "method":
      Object.prototype.toJSON = function () {
        return replaced;
      };
      break;
    case "array":
      Array.prototype.toJSON = function () {
        return "hijacked";
      };
      break;
    case "getter-throws":
      Object.defineProperty(Object.prototype, "toJSON", {
        get() {
          throw new Error("hijacked");
        },
        configurable: true,
      });
      break;
    case "date":
      // The date methods a pristine Date.prototype.toJSON calls.
      Date.prototype.toISOString = function () {
        return "hijacked";
      };
      // Read-only but configurable: redefined rather than assigned.
      Object.defineProperty(Date.prototype, Symbol.toPrimitive, {
        value() {
          throw new Error("hijacked");
        },
        configurable: true,
      });
      break;
    default:
      throw new Error("unknown mode");
  }
  return "tampered";
}
