// Returns a result far over the result size limit, in one of three shapes.
function handler(event) {
  const mib = 1024 * 1024;
  switch (event.shape) {
    case "string":
      return "x".repeat(4 * mib);
    case "array":
      return Array.from({ length: 300000 }, (_, i) => i);
    case "escapes":
      // Each control character becomes six bytes once escaped.
      return "\u0001".repeat(mib / 2);
    default:
      throw new Error("unknown shape");
  }
}
