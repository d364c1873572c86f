// Tries to survive a kill by catching it and looping again: a kill is not a
// JavaScript exception, so neither `catch` nor `finally { continue }` sees it.
function handler() {
  for (;;) {
    try {
      for (;;) {}
    } catch (e) {
      // swallow whatever was thrown
    } finally {
      continue;
    }
  }
}
