// An error whose `message` getter never returns: the runtime's own attempt
// to describe the exception becomes the runaway. It must still be killable.
function handler() {
  const e = new Error("x");
  Object.defineProperty(e, "message", {
    get() {
      for (;;) {}
    },
  });
  throw e;
}
