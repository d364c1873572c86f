// An endless chain of promise jobs: the handler's promise never settles, but
// there is always another job queued, so the job queue never drains.
function loop() {
  return Promise.resolve().then(loop);
}
function handler() {
  return loop();
}
