// Throws an error whose message is far larger than the result size limit
// and the error text limit.
function handler() {
  throw new Error("E".repeat(8 * 1024 * 1024));
}
