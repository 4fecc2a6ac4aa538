// The JSONata worker: the reference jsonata package evaluating the requests
// of internal/asl/jsonata, one JSON object per line on stdin, answered one per
// line on stdout in completion order, so many evaluations are in flight at
// once (jsonata's evaluate is async).
//
//   {"id": 1, "expr": "...", "bindings": {...}, "now": <ms>, "timeoutMs": <ms>}
//   {"id": 2, "expr": "...", "validate": true}
//   -> {"id": 1, "result": <JSON>} | {"id": 1, "undefined": true}
//      | {"id": 1, "error": {"code": "T0410", "message": "..."}}
//   each with "cached": true when the expression was compiled before; a
//   validation's reply lists the variables the expression names, as
//   "variables": ["states", ...].
//
// The first line out is {"ready": true}, once jsonata has loaded: the Go
// side counts an evaluation's time from then.
//
// argv: the directory holding node_modules, then an optional integer seed
// that makes $random() and $uuid() repeatable (tests).
'use strict';

const crypto = require('node:crypto');
const path = require('node:path');
const readline = require('node:readline');

const jsonata = require(path.join(process.argv[2], 'node_modules', 'jsonata'));
const seeded = process.argv[3] === undefined ? null : mulberry32(Number(process.argv[3]));

// Step Functions' functions ("JSONata functions provided by Step
// Functions"), each with a JSONata signature so jsonata checks argument
// types and answers a wrong one with T0410, as Step Functions does. What
// the guide leaves open follows what was measured on AWS by others
// (docs/engine-jsonata.md): numbers are truncated towards zero, and
// arguments that describe nothing give undefined rather than an error.
const stepFunctions = {
  partition: ['<an:a>', (array, size) => {
    if (array === undefined || size === undefined) return undefined;
    const chunk = Math.trunc(size);
    if (array.length === 0 || !(chunk >= 1)) return undefined;
    const chunks = [];
    for (let i = 0; i < array.length; i += chunk) chunks.push(array.slice(i, i + chunk));
    return chunks;
  }],
  range: ['<nnn?:a>', (startArg, endArg, stepArg) => {
    if (startArg === undefined || endArg === undefined || stepArg === undefined) return undefined;
    const [start, end, step] = [startArg, endArg, stepArg].map(Math.trunc);
    if (step === 0 || (step > 0 && start > end) || (step < 0 && start < end)) return undefined;
    const count = Math.floor((end - start) / step) + 1;
    // The longest range AWS answers, as measured there by another
    // emulator (Floci); one more element is refused with AWS's words.
    if (count > 360145) throw { message: 'Expression evaluation memory limit exceeded' };
    if (count === 1) return start; // a sequence of one is its element
    return Array.from({ length: count }, (_, i) => start + i * step);
  }],
  hash: ['<ss?:s>', (data, algorithm) => {
    if (data === undefined || algorithm === undefined) return undefined;
    const name = { 'MD5': 'md5', 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' }[algorithm];
    if (name === undefined) {
      throw { message: `The hash algorithm "${algorithm}" is not supported; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512` };
    }
    return crypto.createHash(name).update(data, 'utf8').digest('hex');
  }],
  random: ['<n?:n>', (seed) => seed === undefined ? (seeded ? seeded() : Math.random()) : mulberry32(Math.trunc(seed))()],
  uuid: ['<:s>', () => seeded ? seededUUID() : crypto.randomUUID()],
  parse: ['<s:j>', (text) => {
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw { message: `$parse could not read its argument as JSON: ${err.message}` };
    }
  }],
};

// mulberry32 is a small seeded generator of numbers in [0, 1).
function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6D2B79F5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seededUUID() {
  const bytes = Array.from({ length: 16 }, () => Math.floor(seeded() * 256));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Each compiled expression is cached; jsonata keeps nothing of one
// evaluation in it, as $now and $millis are bound per evaluation below.
const compiled = new Map();
const maxCompiled = 4096;
const limitsKey = 'step functions limits'; // a space: no expression can name it

function compile(expr) {
  let expression = compiled.get(expr);
  if (expression) return [expression, true];
  expression = jsonata(expr);
  for (const [name, [signature, implementation]] of Object.entries(stepFunctions)) {
    expression.registerFunction(name, implementation, signature);
  }
  // Step Functions leaves $eval out: calling it is JSONata's T1006
  // "Attempted to invoke a non-function".
  expression.assign('eval', undefined);
  expression.assign(Symbol.for('jsonata.__evaluate_entry'), checkDeadline);
  if (compiled.size >= maxCompiled) compiled.clear();
  compiled.set(expr, expression);
  return [expression, false];
}

// variablesOf lists the variables an expression's syntax tree names. With
// $eval gone, nothing names a variable any other way, so a binding that is
// not listed cannot be read and need not be sent.
function variablesOf(ast) {
  const names = new Set();
  const seen = new Set();
  (function walk(node) {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (node.type === 'variable' && node.value !== '') names.add(node.value);
    for (const value of Object.values(node)) walk(value);
  })(ast);
  return [...names];
}

// checkDeadline ends an evaluation that outlives its time, such as a
// recursion without a base case (a tail call, so it loops rather than
// overflowing), with the code jsonata's own tooling uses for it.
function checkDeadline(expr, input, environment) {
  const limits = environment.lookup(limitsKey);
  if (limits && ++limits.steps % 256 === 0 && Date.now() > limits.deadline) {
    throw { code: 'U1001', message: 'Expression evaluation timeout: Check for infinite loop' };
  }
}

// fromMillis is jsonata's own $fromMillis, so $now(picture, timezone)
// formats exactly as jsonata's $now does.
const fromMillis = jsonata('$fromMillis').evaluate(undefined);

async function answer(request) {
  const [expression, cached] = compile(request.expr);
  if (request.validate) return { id: request.id, cached, result: true, variables: variablesOf(expression.ast()) };
  const now = request.now;
  // jsonata binds $now and $millis once per compiled expression, so
  // concurrent evaluations would share one time; these are this
  // evaluation's. A workflow variable of the same name shadows them, as a
  // binding shadows a function in jsonata. No prototype: a variable named
  // __proto__ must not become the prototype, whose members jsonata would
  // bind as variables (jsonata itself cannot bind __proto__).
  const bindings = Object.create(null);
  bindings.now = (picture, timezone) => fromMillis.then((f) => f.implementation(now, picture, timezone));
  bindings.millis = () => now;
  for (const [name, value] of Object.entries(request.bindings)) bindings[name] = value;
  bindings[limitsKey] = { deadline: Date.now() + request.timeoutMs, steps: 0 };
  const result = await expression.evaluate(undefined, bindings);
  if (result === undefined) return { id: request.id, cached, undefined: true };
  return { id: request.id, cached, result };
}

// toJSON is JSON.stringify as Step Functions applies it to a result, but
// for two values JSON lacks: Infinity, -Infinity and NaN become the strings
// JavaScript names them by, as Step Functions records them (JSON.stringify
// would write null), and a function anywhere is an error (JSON.stringify
// would drop it or write jsonata's insides).
function toJSON(reply) {
  return JSON.stringify(reply, (key, value) => {
    if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
    if (typeof value === 'function' || (value && (value._jsonata_lambda || value._jsonata_function))) {
      throw { message: 'The expression returned a function, which is not a JSON value' };
    }
    return value;
  });
}

function errorReply(id, err) {
  return JSON.stringify({
    id,
    error: { code: err.code, message: err.message === undefined ? String(err) : String(err.message) },
  });
}

process.stdout.write('{"ready":true}\n');
readline.createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch (err) {
    process.stderr.write(`unreadable request: ${err.message}\n`);
    process.exit(2);
  }
  answer(request).then(toJSON).catch((err) => errorReply(request.id, err))
    .then((line) => process.stdout.write(line + '\n'));
});
