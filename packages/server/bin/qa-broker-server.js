#!/usr/bin/env node
// Checks the Node version before loading anything that needs a newer one, so an old Node
// prints one useful line instead of a syntax error. Kept to syntax every Node can parse.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `qa-broker-server needs Node.js >= 22.12 but found ${process.versions.node}: from the repo run it with the project's Node ("pnpm exec node packages/server/bin/qa-broker-server.js ..." or "pnpm start"), or install Node 24.\n`,
  );
  process.exit(1);
}
// First re-execute with the broker's V8 heap settings (same PID), then load the CLI.
import('../dist/node-flags.js')
  .then(({ applyBrokerNodeFlags }) => applyBrokerNodeFlags())
  .then(() => import('../dist/cli.js'))
  .then(({ run }) =>
    run(process.argv.slice(2), {
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
    }),
  )
  .then((code) => process.exit(code));
