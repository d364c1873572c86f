// Doubles an array until something gives. With `catch` set, catches the
// failure and reports it.
function handler(event) {
  let a = [1, "two", { three: 3 }];
  try {
    for (;;) a = a.concat(a);
  } catch (e) {
    a = null;
    if (!event.catch) throw e;
    return { caught: e.name, message: String(e.message) };
  }
}
