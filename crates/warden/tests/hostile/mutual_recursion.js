// Two functions calling each other without end, through a getter and a
// method call so the frames differ.
const ping = {
  get next() {
    return pong.go();
  },
};
const pong = {
  go() {
    return ping.next + 1;
  },
};
function handler() {
  return pong.go();
}
