// Runs each JSONPath case of the engine's differential test
// (differential_test.go) through aws-local-stepfunctions. Reads a JSON list
// of {definition, input, context, tasks} on stdin; writes a JSON list of
// {output} | {error, cause} (the run failed) | {invalid} (the definition was
// refused) on stdout.
//
// Task states are served from the case's tasks table, as the engine's test
// serves them: the state's calls take its entries in turn (the last one
// repeats), each a {result}, an {error, cause}, or {takesSeconds} (the task
// answers with its arguments after that long); a state with no entry answers
// with its arguments. Wait states and retry intervals take no time; timeouts
// run on real timers (the corpus keeps them at a second or two).
import { StateMachine, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const cases = JSON.parse(Buffer.concat(chunks).toString('utf8'));

function statesOf(states, found = []) {
  for (const [name, state] of Object.entries(states)) {
    found.push({ name, state });
    for (const branch of state.Branches ?? []) statesOf(branch.States, found);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) statesOf(processor.States, found);
  }
  return found;
}

function handler(entries = []) {
  let calls = 0;
  return async (args) => {
    const entry = entries[Math.min(calls++, entries.length - 1)];
    if (entry === undefined) return args;
    if (entry.error !== undefined) {
      const failure = new Error(entry.cause ?? '');
      failure.name = entry.error;
      throw failure;
    }
    if (entry.takesSeconds !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, entry.takesSeconds * 1000));
      return args;
    }
    return entry.result;
  };
}

async function run(c) {
  let machine;
  try {
    machine = new StateMachine(c.definition);
  } catch (error) {
    return { invalid: String(error.message ?? error) };
  }
  const states = statesOf(c.definition.States);
  const overrides = {
    taskResourceLocalHandlers: Object.fromEntries(
      states.filter(({ state }) => state.Type === 'Task').map(({ name }) => [name, handler(c.tasks?.[name])]),
    ),
    waitTimeOverrides: Object.fromEntries(states.filter(({ state }) => state.Type === 'Wait').map(({ name }) => [name, 0])),
    retryIntervalOverrides: Object.fromEntries(states.filter(({ state }) => state.Retry).map(({ name }) => [name, 0])),
  };
  try {
    const output = await machine.run(c.input, { overrides, context: c.context }).result;
    return { output: output === undefined ? null : output };
  } catch (error) {
    if (error instanceof ExecutionError) {
      return { error: error.cause?.name ?? 'unknown', cause: String(error.cause?.message ?? '') };
    }
    if (error instanceof ExecutionTimeoutError) return { error: 'States.Timeout', cause: '' };
    return { error: 'crash', cause: String(error?.stack ?? error) };
  }
}

// The cases run at once: a few wait on real timers (task and execution
// timeouts), and each execution is independent of the others.
const answers = await Promise.all(cases.map(run));
process.stdout.write(JSON.stringify(answers));
