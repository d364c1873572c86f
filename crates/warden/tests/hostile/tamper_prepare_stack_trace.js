// QuickJS-ng calls `Error.prepareStackTrace`, when it is a function, every
// time an error object is created anywhere in the context - including the
// errors the runtime itself creates while parsing an invalid event or
// serializing a result that has no JSON form. Installing a spinning hook
// would make those later plumbing errors hang (or, monitored, end as a kill).
// `Error.stackTraceLimit` is converted to a number at the same moment.
function handler(event) {
  switch (event.how) {
    case "spin":
      Error.prepareStackTrace = function () {
        for (;;) {}
      };
      break;
    case "rewrite":
      Error.prepareStackTrace = function (error) {
        error.message = "rewritten by a hostile hook";
        return "hijacked stack";
      };
      break;
    case "limit":
      // Converted to a number whenever an error is created.
      Error.stackTraceLimit = {
        valueOf() {
          for (;;) {}
        },
      };
      break;
    default:
      throw new Error("unknown mode");
  }
  return "tampered";
}
