// Unbounded recursion. The `try` around the call does not help: running out
// of stack traps the guest.
function down(n) {
  try {
    return down(n + 1) + 1;
  } catch (e) {
    return down(n + 1);
  }
}
function handler() {
  return down(0);
}
