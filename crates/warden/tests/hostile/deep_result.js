// A result nested so deeply that serializing it recurses past the stack limit.
function handler(event) {
  let v = [];
  for (let i = 0; i < event.depth; i++) v = [v];
  return v;
}
