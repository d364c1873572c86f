// A handler that never returns: the plainest runaway.
function handler() {
  let n = 0;
  for (;;) {
    n++;
  }
}
