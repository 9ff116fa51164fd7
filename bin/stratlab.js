#!/usr/bin/env node
'use strict';
// The CLI runs the compiled library; `npm run setup` (or npm start / npm test) builds it.
let cli;
try {
  cli = require('../dist/cli/main');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && /dist[\\/]cli[\\/]main/.test(e.message)) {
    process.stderr.write('stratlab: the library is not built yet (run `npm run setup` in the stratlab folder)\n');
    process.exit(1);
  }
  throw e;
}
cli.main(process.argv.slice(2));
