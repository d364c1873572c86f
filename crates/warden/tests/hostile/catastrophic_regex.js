// Catastrophic backtracking: all the time goes into the engine's regular
// expression matcher (C code), never back to JavaScript.
function handler() {
  return /^(a+)+$/.test("a".repeat(64) + "!");
}
