// Throws real Error objects whose fields fight back when the runtime reads
// them: getters that throw, fields that are not strings, fields whose string
// conversion throws, a `stack` that is an object.
function handler(event) {
  const e = new RangeError("original message");
  const boom = () => {
    throw new Error("reading this field throws");
  };
  switch (event.how) {
    case "message-getter-throws":
      Object.defineProperty(e, "message", { get: boom });
      break;
    case "name-getter-throws":
      Object.defineProperty(e, "name", { get: boom });
      break;
    case "stack-getter-throws":
      Object.defineProperty(e, "stack", { get: boom });
      break;
    case "all-getters-throw":
      for (const key of ["name", "message", "stack"]) Object.defineProperty(e, key, { get: boom });
      break;
    case "non-strings":
      Object.defineProperty(e, "name", { value: 42 });
      Object.defineProperty(e, "message", { value: { toString: () => "from toString" } });
      Object.defineProperty(e, "stack", { value: ["not", "a", "string"] });
      break;
    case "conversion-throws":
      Object.defineProperty(e, "name", { value: { toString: boom, valueOf: boom } });
      Object.defineProperty(e, "message", { value: { [Symbol.toPrimitive]: boom } });
      Object.defineProperty(e, "stack", { value: Symbol("stack") });
      break;
    default:
      throw new Error("unknown mode");
  }
  throw e;
}
