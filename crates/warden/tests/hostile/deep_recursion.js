// Unbounded recursion that catches the stack overflow and recurses again
// from where it caught it: each level retries, so the work doubles with
// every level unwound, and only a time budget can end it.
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
