// Promises that can never settle, in several shapes. None of them leaves a
// job queued, so the runtime can tell they are stuck without any monitor.
let keep;
async function handler(event) {
  switch (event.shape) {
    case "executor":
      return new Promise(() => {});
    case "await":
      await new Promise(() => {});
      return "unreachable";
    case "kept-resolver":
      // The resolver is kept alive but nothing will ever call it.
      return new Promise((resolve) => {
        keep = resolve;
      });
    case "chain":
      await null;
      await Promise.resolve(1).then(() => new Promise(() => {}));
      return "unreachable";
    case "all":
      return Promise.all([1, Promise.resolve(2), new Promise(() => {})]);
    default:
      throw new Error("unknown shape");
  }
}
