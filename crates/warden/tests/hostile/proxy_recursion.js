// Recursion through the engine's Proxy machinery: a get trap that reads from
// its own proxy, so every level goes handler -> C proxy code -> trap again.
function handler() {
  const p = new Proxy(
    {},
    {
      get(target, key) {
        return p[key];
      },
    },
  );
  return p.anything;
}
