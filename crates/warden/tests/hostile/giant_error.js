// Throws an error whose message (and so its stack line) is far larger than
// the result size limit.
function handler() {
  throw new Error("E".repeat(8 * 1024 * 1024));
}
