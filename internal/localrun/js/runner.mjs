// Runs a workflow definition in aws-local-stepfunctions on behalf of the Go
// side (internal/localrun/interpreter.go), which owns every Task's service
// integration. The two talk in JSON lines: the Go side writes on stdin, this
// script answers on stdout. stderr is for crashes only.
//
// Go → JS:  {"type":"load","definition":{…},"retryIntervalMs":n?,"taskTimeoutSeconds":n?}
//           {"type":"run","run":n,"input":…}
//           {"type":"answer","call":n,"result":…} | {"type":"answer","call":n,"error":{"name":…,"cause":…}}
// JS → Go:  {"type":"loaded","tasks":[{"state":…,"resource":…}]} | {"type":"invalid","errors":…}
//           {"type":"call","call":n,"state":…,"resource":…,"parameters":…}
//           {"type":"event","run":n,"event":{"type":…,"state":…,"stateType":…,"error":…,"attempt":…,"next":…}}
//           {"type":"done","run":n,"output":…} | {"type":"done","run":n,"error":…,"cause":…}
//           {"type":"fatal","message":…}
import { createInterface } from 'node:readline';
import validateASL from 'asl-validator';
import { StateMachine, ExecutionError, ExecutionTimeoutError } from 'aws-local-stepfunctions';

const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');

let machine;
let overrides;
const pendingCalls = new Map();
let lastCall = 0;

// The interpreter overrides Tasks and retry waits by state name, also inside
// Parallel branches and Map item processors, so collect states at every depth.
function collectStates(states, found = []) {
  for (const [name, state] of Object.entries(states)) {
    found.push({ name, state });
    for (const branch of state.Branches ?? []) collectStates(branch.States, found);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) collectStates(processor.States, found);
  }
  return found;
}

// Every Task is handed to the Go side, which answers as the Task's service
// integration would: with a result, or with an error whose name Retry and
// Catch match and whose message becomes the Cause.
function callGo(state, resource, parameters) {
  const call = ++lastCall;
  send({ type: 'call', call, state, resource, parameters });
  return new Promise((resolve, reject) => pendingCalls.set(call, { resolve, reject }));
}

function answer({ call, result, error }) {
  const pending = pendingCalls.get(call);
  if (!pending) return; // the Task already timed out
  pendingCalls.delete(call);
  if (error) {
    const failure = new Error(error.cause);
    failure.name = error.name;
    pending.reject(failure);
  } else {
    pending.resolve(result);
  }
}

function load({ definition, retryIntervalMs, taskTimeoutSeconds }) {
  // asl-validator catches what the interpreter would run anyway, such as an
  // unreachable state. It annotates what it checks, hence the copy.
  const validation = validateASL(structuredClone(definition), { checkPaths: true, checkArn: true });
  if (!validation.isValid) {
    send({ type: 'invalid', errors: validation.errorsText('\n') });
    return;
  }
  const states = collectStates(definition.States);
  const tasks = states.filter(({ state }) => state.Type === 'Task');
  if (taskTimeoutSeconds) {
    for (const { state } of tasks) {
      state.TimeoutSeconds = taskTimeoutSeconds;
      delete state.TimeoutSecondsPath;
    }
  }
  machine = new StateMachine(definition);
  overrides = {
    taskResourceLocalHandlers: Object.fromEntries(
      tasks.map(({ name, state }) => [name, (parameters) => callGo(name, state.Resource, parameters)]),
    ),
  };
  if (retryIntervalMs !== undefined) {
    overrides.retryIntervalOverrides = Object.fromEntries(
      states.filter(({ state }) => state.Retry).map(({ name }) => [name, retryIntervalMs]),
    );
  }
  send({ type: 'loaded', tasks: tasks.map(({ name, state }) => ({ state: name, resource: state.Resource })) });
}

// Only what the progress output needs: inputs and outputs stay on this side.
function summarize(event) {
  return {
    type: event.type,
    state: event.state?.name,
    stateType: event.state?.type,
    error: event.Error,
    attempt: event.retry?.attempt,
    next: event.catch?.catcher?.Next,
  };
}

function failureOf(error) {
  if (error instanceof ExecutionError) {
    return { error: error.cause.name, cause: String(error.cause.message ?? '') };
  }
  if (error instanceof ExecutionTimeoutError) {
    return { error: 'States.Timeout', cause: "The execution ran longer than the workflow's TimeoutSeconds." };
  }
  throw error;
}

async function run({ run, input }) {
  const execution = machine.run(input, { overrides });
  const forwarded = (async () => {
    for await (const event of execution.eventLogs) send({ type: 'event', run, event: summarize(event) });
  })();
  let outcome;
  try {
    outcome = { output: await execution.result };
  } catch (error) {
    outcome = failureOf(error);
  }
  await forwarded;
  send({ type: 'done', run, ...outcome });
}

const handlers = { load, run, answer };

createInterface({ input: process.stdin }).on('line', async (line) => {
  try {
    const message = JSON.parse(line);
    await handlers[message.type](message);
  } catch (error) {
    send({ type: 'fatal', message: String(error?.stack ?? error) });
  }
});
