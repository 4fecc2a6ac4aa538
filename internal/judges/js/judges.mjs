// Runs one judge over a whole table, read as JSON from stdin, and writes
// one JSON answer per entry to stdout, in order. internal/judges starts it.
//   node judges.mjs iam  <- [{principal, action, resource, resourceAccount, context, identityPolicies, resourcePolicy, permissionsBoundary}]
//                        -> [{result, decisive} | {error}]
//   node judges.mjs asl  <- [{name, definition}]
//                        -> [[{line, character, severity, message}]]
//     (AWS's language service, then asl-validator, whose findings have no
//     position: line 0)
import { runSimulation, getGrantReasons, getDenialReasons } from '@cloud-copilot/iam-simulate';
import { getLanguageService } from 'amazon-states-language-service';
import { TextDocument } from 'vscode-languageserver-textdocument';
import aslValidator from 'asl-validator';

async function simulate(request) {
  const simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: request.context ?? {},
    },
    identityPolicies: request.identityPolicies.map(({ name, document }) => ({ name, policy: JSON.parse(document) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
  if (request.resourcePolicy) {
    simulation.resourcePolicy = JSON.parse(request.resourcePolicy);
  }
  if (request.permissionsBoundary) {
    simulation.permissionBoundaryPolicies = [{ name: 'boundary', policy: JSON.parse(request.permissionsBoundary) }];
  }
  const answer = await runSimulation(simulation, {});
  if (answer.resultType === 'error') {
    return { error: 'the simulator rejects the request: ' + JSON.stringify(answer.errors) };
  }
  if (answer.resultType !== 'single') {
    return { error: `the resource ${request.resource} matches more than one resource; simulate a concrete one` };
  }
  // A context key the simulator drops would leave a condition unevaluated.
  const ignored = answer.result.ignoredContextKeys ?? [];
  if (ignored.length > 0) {
    return { error: `the simulator ignores the context keys ${ignored.join(', ')} for ${request.action}` };
  }
  const analysis = answer.result.analysis;
  const reasons = answer.overallResult === 'Allowed' ? getGrantReasons(analysis) : getDenialReasons(analysis);
  return { result: answer.overallResult, decisive: reasons.map(describe) };
}

function describe(reason) {
  if (reason.denialType === 'Implicit') {
    return `no statement of the ${reason.policyType} policies allows it`;
  }
  const policy = reason.policyType === 'resource' ? 'the resource policy' : `${reason.policyType} policy ${reason.policyIdentifier}`;
  const sid = reason.statementId ? ` (${reason.statementId})` : '';
  return `${policy}, statement ${reason.statementIndex}${sid}`;
}

async function validate({ name, definition }) {
  const service = getLanguageService({});
  const document = TextDocument.create(name, 'json', 0, definition);
  const diagnostics = await service.doValidation(document, service.parseJSONDocument(document));
  const found = diagnostics.map((d) => ({
    line: d.range.start.line + 1,
    character: d.range.start.character + 1,
    severity: d.severity,
    message: d.message,
  }));
  let parsed;
  try {
    parsed = JSON.parse(definition);
  } catch {
    return found; // the language service has said where the JSON breaks
  }
  for (const error of aslValidator(parsed).errors) {
    found.push({ line: 0, character: 0, severity: 1, message: `asl-validator: ${error['Error code']}: ${error.Message}` });
  }
  return found;
}

const judges = { iam: simulate, asl: validate };
const judge = judges[process.argv[2]];
if (!judge) {
  console.error(`usage: node judges.mjs ${Object.keys(judges).join('|')} < table.json`);
  process.exit(2);
}
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const answers = [];
for (const entry of JSON.parse(Buffer.concat(chunks).toString('utf8'))) {
  answers.push(await judge(entry));
}
process.stdout.write(JSON.stringify(answers));
