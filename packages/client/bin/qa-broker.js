#!/usr/bin/env node
// Checks the Node version before loading anything that needs a newer one.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `qa-broker needs Node >= 22.12 but found Node ${process.versions.node}: use Node 24, or in the qa-broker repo run \`pnpm exec node packages/client/bin/qa-broker.js …\` (or \`pnpm exec qa-broker …\` where the bin is linked).\n`,
  );
  process.exit(1);
}
// No top-level await: an old Node must get as far as the message above.
import('../dist/cli.js').then(async ({ run }) => {
  process.exitCode = await run(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  });
});
