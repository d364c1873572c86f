// The smallest useful Warden program: one handler, one call.
// Run from the repository root after building the addon (see README):
//   node examples/node/basic.js

const { SandboxBuilder } = require('../../bindings/node');

async function main() {
  const proto = await new SandboxBuilder().build();
  const sandbox = await proto.loadRuntime();
  await sandbox.addHandler('greet', 'export function handler(event) { return { hello: event.name }; }');
  const loaded = await sandbox.getLoadedSandbox();
  const result = await loaded.callHandler('greet', { name: 'world' });
  console.log(result); // { hello: 'world' }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
