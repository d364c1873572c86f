// Installs toJSON methods on the shared prototypes. JSON serialization asks
// every object (and array) for a `toJSON`, and every handler of a sandbox
// shares one set of prototypes, so these would change how LATER results of
// OTHER handlers are serialized unless the runtime guards against it.
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
    default:
      throw new Error("unknown mode");
  }
  return "tampered";
}
