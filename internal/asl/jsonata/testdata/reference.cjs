// The judge of conformance_test.go: the reference jsonata package run
// directly, without the worker, on the cases on stdin (a JSON array of
// {expr, bindings}), answering a JSON array of {result} | {undefined: true}
// | {error: {code, message}}.
'use strict';
const path = require('node:path');
const jsonata = require(path.join(process.argv[2], 'node_modules', 'jsonata'));

let text = '';
process.stdin.on('data', (chunk) => { text += chunk; });
process.stdin.on('end', async () => {
  const answers = [];
  for (const { expr, bindings } of JSON.parse(text)) {
    try {
      const result = await jsonata(expr).evaluate(undefined, bindings);
      answers.push(result === undefined ? { undefined: true } : { result });
    } catch (err) {
      answers.push({ error: { code: err.code, message: err.message } });
    }
  }
  process.stdout.write(JSON.stringify(answers));
});
