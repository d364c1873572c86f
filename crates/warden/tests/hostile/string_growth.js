// Doubles a string until something gives. With `catch` set, catches the
// failure and reports it, proving it is an ordinary JavaScript error.
function handler(event) {
  let s = "hostile";
  try {
    for (;;) {
      s = s + s;
      // Flatten, so the engine cannot keep the string as a cheap rope.
      s.charCodeAt(s.length - 1);
      s = s.slice(1) + "!";
    }
  } catch (e) {
    if (!event.catch) throw e;
    s = "";
    return { caught: e.name, message: String(e.message) };
  }
}
