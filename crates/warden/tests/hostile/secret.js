// Another handler in the same sandbox; its module scope must stay private.
const SECRET = "top secret";
export const leaked = SECRET;
function handler() {
  return SECRET.length;
}
