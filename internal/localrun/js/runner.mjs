// Runs a workflow definition in aws-local-stepfunctions on behalf of the Go
// side (internal/localrun/interpreter.go), which owns every Task's service
// integration. The two talk in JSON lines: the Go side writes on stdin, this
// script answers on stdout. stderr is for crashes only.
//
// Go → JS:  {"type":"load","definition":{…},"retryIntervalMs":n?,"retryMaxAttempts":n?,"taskTimeoutSeconds":n?,"taskHeartbeatSeconds":n?}
//           {"type":"run","run":n,"input":…}
//           {"type":"stop","run":n}
//           {"type":"answer","call":n,"result":…} | {"type":"answer","call":n,"error":{"name":…,"cause":…}}
// JS → Go:  {"type":"loaded","tasks":[{"state":…,"resource":…}]} | {"type":"invalid","errors":…}
//           {"type":"call","call":n,"run":n,"state":…,"resource":…,"parameters":…,
//            "timeoutSeconds":n?,"heartbeatSeconds":n?,"taskToken":…?}
//           {"type":"event","run":n,"event":{"type":…,"timestamp":…,"state":…,"stateType":…,"input":…,"output":…,
//                                             "error":…,"cause":…,"attempt":…,"next":…,
//                                             "resource":…,"parameters":…,"timeoutSeconds":…,"heartbeatSeconds":…}}
//           {"type":"done","run":n,"output":…} | {"type":"done","run":n,"error":…,"cause":…}
//           | {"type":"done","run":n,"error":…,"cause":…,"timedOut":true} | {"type":"done","run":n,"aborted":true}
// Runs are independent and may overlap: each has its own Task handlers.
//           {"type":"fatal","message":…}
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import validateASL from 'asl-validator';
import { StateMachine, ExecutionError, ExecutionAbortedError, ExecutionTimeoutError } from 'aws-local-stepfunctions';

const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');

let machine;
let tasks;
let retryIntervalMs;
const running = new Map(); // run → abort
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

// Step Functions gives every .waitForTaskToken Task a fresh token in the
// context object ($$.Task.Token); the interpreter's context has no Task. So
// at load each Parameters reference to it becomes this marker, and each call
// puts a token of its own in the marker's place.
const TASK_TOKEN_MARKER = 'local task token';
const takesTaskToken = (state) => state.Resource.endsWith('.waitForTaskToken');

function markTaskToken(template) {
  if (Array.isArray(template)) return template.map(markTaskToken);
  if (template === null || typeof template !== 'object') return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$') && value === '$$.Task.Token'
        ? [key.slice(0, -'.$'.length), TASK_TOKEN_MARKER]
        : [key, markTaskToken(value)],
    ),
  );
}

// Every Task is handed to the Go side, which answers as the Task's service
// integration would: with a result, or with an error whose name Retry and
// Catch match and whose message becomes the Cause. The interpreter enforces
// TimeoutSeconds; a callback integration needs them too, to expire its token.
function callGo(run, name, state, parameters) {
  const call = ++lastCall;
  const message = {
    type: 'call',
    call,
    run,
    state: name,
    resource: state.Resource,
    parameters,
    timeoutSeconds: state.TimeoutSeconds,
    heartbeatSeconds: state.HeartbeatSeconds,
  };
  if (takesTaskToken(state)) {
    const taskToken = randomBytes(48).toString('base64url');
    message.taskToken = taskToken;
    message.parameters = JSON.parse(JSON.stringify(parameters), (_, value) =>
      value === TASK_TOKEN_MARKER ? taskToken : value,
    );
  }
  // The events logged so far (this state's StateEntered) reach stdout in
  // microtasks: send the call after them, so progress and history read in
  // order. The interpreter logs no events of a Task's own, which the
  // execution history has: TaskScheduled here, its outcome in answer.
  const taskEvent = { state: name, stateType: 'Task', resource: state.Resource };
  setImmediate(() => {
    send({ type: 'event', run, event: { ...taskEvent, type: 'TaskScheduled', timestamp: Date.now(), parameters: message.parameters,
      timeoutSeconds: state.TimeoutSeconds, heartbeatSeconds: state.HeartbeatSeconds } });
    send(message);
  });
  return new Promise((resolve, reject) => pendingCalls.set(call, { resolve, reject, run, taskEvent }));
}

function answer({ call, result, error }) {
  const pending = pendingCalls.get(call);
  if (!pending) return; // the Task already timed out
  pendingCalls.delete(call);
  const { run, taskEvent } = pending;
  if (error) {
    send({ type: 'event', run, event: { ...taskEvent, type: 'TaskFailed', timestamp: Date.now(), error: error.name, cause: error.cause } });
    const failure = new Error(error.cause);
    failure.name = error.name;
    pending.reject(failure);
  } else {
    send({ type: 'event', run, event: { ...taskEvent, type: 'TaskSucceeded', timestamp: Date.now(), output: result } });
    pending.resolve(result);
  }
}

function load({ definition, retryIntervalMs: retryMs, retryMaxAttempts, taskTimeoutSeconds, taskHeartbeatSeconds }) {
  // asl-validator catches what the interpreter would run anyway, such as an
  // unreachable state. It annotates what it checks, hence the copy.
  const validation = validateASL(structuredClone(definition), { checkPaths: true, checkArn: true });
  if (!validation.isValid) {
    send({ type: 'invalid', errors: validation.errorsText('\n') });
    return;
  }
  const states = collectStates(definition.States);
  tasks = states.filter(({ state }) => state.Type === 'Task');
  for (const { state } of tasks) {
    if (taskTimeoutSeconds) {
      state.TimeoutSeconds = taskTimeoutSeconds;
      delete state.TimeoutSecondsPath;
    }
    if (taskHeartbeatSeconds && state.HeartbeatSeconds) state.HeartbeatSeconds = taskHeartbeatSeconds;
    if (takesTaskToken(state)) state.Parameters = markTaskToken(state.Parameters);
  }
  if (retryMaxAttempts) {
    for (const { state } of states) for (const retrier of state.Retry ?? []) retrier.MaxAttempts = retryMaxAttempts;
  }
  machine = new StateMachine(definition);
  if (retryMs !== undefined) {
    retryIntervalMs = Object.fromEntries(states.filter(({ state }) => state.Retry).map(({ name }) => [name, retryMs]));
  }
  send({ type: 'loaded', tasks: tasks.map(({ name, state }) => ({ state: name, resource: state.Resource })) });
}

// What the progress output and the execution history need.
function summarize(event) {
  return {
    type: event.type,
    timestamp: event.timestamp,
    state: event.state?.name,
    stateType: event.state?.type,
    input: event.state?.input ?? event.input,
    output: event.state?.output ?? event.output,
    error: event.Error,
    cause: event.Cause === undefined ? undefined : String(event.Cause),
    attempt: event.retry?.attempt,
    next: event.catch?.catcher?.Next,
  };
}

function failureOf(error) {
  if (error instanceof ExecutionError) {
    return { error: error.cause.name, cause: String(error.cause.message ?? '') };
  }
  if (error instanceof ExecutionAbortedError) return { aborted: true };
  if (error instanceof ExecutionTimeoutError) {
    return { error: 'States.Timeout', cause: "The execution ran longer than the workflow's TimeoutSeconds.", timedOut: true };
  }
  throw error;
}

async function run({ run, input }) {
  const overrides = {
    taskResourceLocalHandlers: Object.fromEntries(
      tasks.map(({ name, state }) => [name, (parameters) => callGo(run, name, state, parameters)]),
    ),
  };
  if (retryIntervalMs) overrides.retryIntervalOverrides = retryIntervalMs;
  const execution = machine.run(input, { overrides });
  running.set(run, execution.abort);
  const forwarded = (async () => {
    for await (const event of execution.eventLogs) send({ type: 'event', run, event: summarize(event) });
  })();
  let outcome;
  try {
    outcome = { output: await execution.result };
  } catch (error) {
    outcome = failureOf(error);
  }
  running.delete(run);
  await forwarded;
  send({ type: 'done', run, ...outcome });
}

// StopExecution: the run ends as aborted; a run already ended is left alone.
function stop({ run }) {
  running.get(run)?.();
}

const handlers = { load, run, stop, answer };

createInterface({ input: process.stdin }).on('line', async (line) => {
  try {
    const message = JSON.parse(line);
    await handlers[message.type](message);
  } catch (error) {
    send({ type: 'fatal', message: String(error?.stack ?? error) });
  }
});
