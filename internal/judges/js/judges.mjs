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
import { loadPolicy } from '@cloud-copilot/iam-policy';

// The simulator's core engine, for webIdentity() below. The package exports
// only runSimulation's front door, so it is imported by path; the lockfile
// pins the version these paths belong to.
const simulatorModule = (path) => import(new URL(`./node_modules/@cloud-copilot/iam-simulate/dist/esm/${path}`, import.meta.url));

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
  if (ignored.length > 0 && request.action === 'sts:AssumeRoleWithWebIdentity' && ignored.every(isOidcAudOrSub)) {
    return webIdentity(request, simulation);
  }
  if (ignored.length > 0) {
    return { error: `the simulator ignores the context keys ${ignored.join(', ')} for ${request.action}` };
  }
  const analysis = answer.result.analysis;
  const reasons = answer.overallResult === 'Allowed' ? getGrantReasons(analysis) : getDenialReasons(analysis);
  return { result: answer.overallResult, decisive: reasons.map(describe) };
}

// IAM gives every OIDC identity provider the condition keys <provider>:aud
// and <provider>:sub, and a GitHub Actions trust policy tests both (GitHub,
// "Configuring OpenID Connect in Amazon Web Services"). AWS's
// service authorization data, by which runSimulation filters a request's
// context, lists only providers' further claims (…:repository,
// …:environment), so runSimulation drops aud and sub and could never allow
// such a trust policy. The simulator itself knows them as OIDC keys; for a
// web identity request whose only dropped keys are these, the same core
// engine evaluates the same policies on the whole context.
const oidcAudOrSub = /^[0-9A-Za-z._-]+:(aud|sub)$/;

function isOidcAudOrSub(key) {
  return oidcAudOrSub.test(key);
}

async function webIdentity(request, simulation) {
  const [{ authorize }, { AwsRequestImpl }, { RequestContextImpl }, { DiscoveryContextKeyConstraints }] = await Promise.all([
    simulatorModule('core_engine/CoreSimulatorEngine.js'),
    simulatorModule('request/request.js'),
    simulatorModule('requestContext.js'),
    simulatorModule('context_keys/discoveryContextKeyConstraints.js'),
  ]);
  const analysis = authorize({
    request: new AwsRequestImpl(
      request.principal,
      { resource: request.resource, accountId: request.resourceAccount },
      request.action,
      new RequestContextImpl(simulation.request.contextVariables),
    ),
    identityPolicies: simulation.identityPolicies.map(({ name, policy }) => loadPolicy(policy, { name })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: simulation.resourcePolicy ? loadPolicy(simulation.resourcePolicy, { name: 'trust' }) : undefined,
    permissionBoundaries: undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: {} },
  });
  if (!['Allowed', 'ImplicitlyDenied', 'ExplicitlyDenied'].includes(analysis?.result)) {
    return { error: `the simulator's core engine gave no decision for ${request.action}: ${JSON.stringify(analysis?.result)}` };
  }
  const reasons = analysis.result === 'Allowed' ? getGrantReasons(analysis) : getDenialReasons(analysis);
  return { result: analysis.result, decisive: reasons.map(describe) };
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
