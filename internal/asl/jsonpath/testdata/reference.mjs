// Runs each case of the differential test (differential_test.go) as a
// one-state machine in aws-local-stepfunctions: a Pass state with the
// case's fields, run on the case's input and context object. Reads a JSON
// list of {"state", "input", "context"} on stdin; writes a JSON list of
// {"output"} | {"error", "cause"} (the run failed) | {"invalid"} (the
// definition was refused) on stdout.
import { StateMachine, ExecutionError } from 'aws-local-stepfunctions';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const answers = [];
for (const c of cases) {
  let machine;
  try {
    machine = new StateMachine({ StartAt: 'S', States: { S: { Type: 'Pass', End: true, ...c.state } } });
  } catch (error) {
    answers.push({ invalid: String(error.message ?? error) });
    continue;
  }
  try {
    const output = await machine.run(c.input, { context: c.context ?? undefined }).result;
    answers.push({ output: output === undefined ? null : output });
  } catch (error) {
    if (error instanceof ExecutionError) {
      answers.push({ error: error.cause?.name ?? 'unknown', cause: String(error.cause?.message ?? '') });
    } else {
      answers.push({ error: 'crash', cause: String(error?.stack ?? error) });
    }
  }
}
process.stdout.write(JSON.stringify(answers));
