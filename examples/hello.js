// A Warden handler: takes a JSON event, returns a JSON result.
// Run it with:  cargo run --release -p warden-cli -- run examples/hello.js --event '{"name":"Ada"}'

function greeting(name) {
  const hour = new Date().getUTCHours();
  const part = hour < 12 ? "morning" : hour < 18 ? "afternoon" : "evening";
  return `Good ${part}, ${name}!`;
}

export async function handler(event) {
  const name = typeof event?.name === "string" && event.name.length > 0 ? event.name : "stranger";
  console.log(`greeting ${name}`);
  // Handlers may be async: the sandbox awaits the returned promise.
  const message = await Promise.resolve(greeting(name));
  return { message, length: message.length, at: new Date().toISOString() };
}
