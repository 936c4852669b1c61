import * as fs from 'fs';
import * as path from 'path';

/**
 * CloudFormation's per-template quotas (AWS CloudFormation User Guide, "Understand CloudFormation quotas").
 * The template body limit through S3 is "1 MB"; the CDK checks 1,000,000 bytes (`TEMPLATE_BODY_MAXIMUM_SIZE`), so do we.
 */
export const CFN_LIMITS = {
  /** Resources declared in one template. */
  resources: 500,
  /** Outputs declared in one template. */
  outputs: 200,
  /** Parameters declared in one template. */
  parameters: 200,
  /** Mappings declared in one template. */
  mappings: 200,
  /** Template body passed in an S3 object (the CDK uploads templates as assets, so this is the one that applies). */
  templateBytes: 1_000_000,
  /** Template body passed inline in CreateStack/UpdateStack (the CDK does so only without an asset bucket). */
  inlineTemplateBytes: 51_200,
  /** Template description. */
  descriptionBytes: 1_024,
} as const;

/** Step Functions: maximum size of a state machine definition (hard quota, "1 MB"; counted here as 1,048,576 bytes). */
export const STATE_MACHINE_DEFINITION_BYTES = 1_048_576;
/** Lambda: the total size of a function's environment variables (hard quota, 4 KB). */
export const LAMBDA_ENVIRONMENT_BYTES = 4_096;
/**
 * Bytes counted for a value only known at deploy time (a Ref, Fn::GetAtt, Fn::Sub…) inside a state machine definition or a
 * Lambda environment: an ARN of a long name; the sizes that contain such values are estimates (marked `~`).
 */
export const DEPLOY_TIME_VALUE_BYTES = 128;

/** One measured quantity against its limit. */
export interface LimitUse {
  readonly used: number;
  readonly limit: number;
  /** True when a deploy-time value was estimated. */
  readonly estimated?: boolean;
}

/** A state machine definition or a Lambda environment, with its size. */
export interface SizedPart {
  /** Logical ID in the template. */
  readonly logicalId: string;
  /** Construct path (`aws:cdk:path` metadata), when the template has it. */
  readonly path?: string;
  readonly use: LimitUse;
}

/** What {@link checkTemplate} found in one stack's template. */
export interface StackLimitReport {
  readonly stackName: string;
  readonly resources: LimitUse;
  readonly outputs: LimitUse;
  readonly parameters: LimitUse;
  readonly mappings: LimitUse;
  /** Bytes of the template as the CDK writes it (and uploads it), against the S3 limit. */
  readonly templateBytes: LimitUse;
  /** Whether the template could also be passed inline (≤ 51,200 bytes). */
  readonly fitsInline: boolean;
  readonly descriptionBytes: LimitUse;
  /** Resource types by count, most first. */
  readonly resourceTypes: [string, number][];
  /** Resources by the first construct below the stack (from `aws:cdk:path`), most first. */
  readonly resourcesByConstruct: [string, number][];
  /** Template bytes of the resources by that construct and resource type (`Orchestration AWS::IAM::Policy`), most first. */
  readonly bytesByConstructAndType: [string, number][];
  readonly stateMachines: SizedPart[];
  readonly lambdaEnvironments: SizedPart[];
  /** One line per exceeded limit, naming the stack, the limit and the figures; empty when all fit. */
  readonly violations: string[];
}

type Json = unknown;
interface CfnResource {
  readonly Type?: string;
  readonly Properties?: Record<string, Json>;
  readonly Metadata?: Record<string, Json>;
}
/** A CloudFormation template, as far as the checks read it. */
export interface CfnTemplate {
  readonly Description?: string;
  readonly Resources?: Record<string, CfnResource>;
  readonly Outputs?: Record<string, Json>;
  readonly Parameters?: Record<string, Json>;
  readonly Mappings?: Record<string, Json>;
}

/** The template as the CDK writes it to the cloud assembly (and uploads it): JSON indented by one space. */
export function cdkTemplateBytes(template: CfnTemplate): number {
  return Buffer.byteLength(JSON.stringify(template, undefined, 1), 'utf8');
}

/** UTF-8 bytes of a value once deployed: literal strings as they are, joins summed, deploy-time values estimated. */
function deployedBytes(value: Json): { bytes: number; estimated: boolean } {
  if (typeof value === 'string') return { bytes: Buffer.byteLength(value, 'utf8'), estimated: false };
  if (typeof value === 'number' || typeof value === 'boolean') return { bytes: String(value).length, estimated: false };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const join = (value as Record<string, Json>)['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      const parts = (join[1] as Json[]).map(deployedBytes);
      return {
        bytes: parts.reduce((n, p) => n + p.bytes, 0) + Buffer.byteLength(join[0], 'utf8') * Math.max(0, parts.length - 1),
        estimated: parts.some((p) => p.estimated),
      };
    }
  }
  return { bytes: DEPLOY_TIME_VALUE_BYTES, estimated: true };
}

function countDescending(keys: string[], weight: (i: number) => number = () => 1): [string, number][] {
  const counts = new Map<string, number>();
  keys.forEach((k, i) => counts.set(k, (counts.get(k) ?? 0) + weight(i)));
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * Measures one template against CloudFormation's per-template quotas, Step Functions' definition size and Lambda's
 * environment size. `templateBytes` is the size of the file the CDK wrote; by default the template is serialized the
 * way the CDK does.
 */
export function checkTemplate(stackName: string, template: CfnTemplate, templateBytes?: number): StackLimitReport {
  const resources = template.Resources ?? {};
  const size = (o: object | undefined) => Object.keys(o ?? {}).length;
  const bytes = templateBytes ?? cdkTemplateBytes(template);
  const pathOf = (r: CfnResource) => {
    const p = r.Metadata?.['aws:cdk:path'];
    return typeof p === 'string' ? p : undefined;
  };
  const all = Object.values(resources);
  const constructOf = (r: CfnResource) => pathOf(r)?.split('/')[1] ?? '(no path)';
  const stateMachines: SizedPart[] = [];
  const lambdaEnvironments: SizedPart[] = [];
  for (const [logicalId, r] of Object.entries(resources)) {
    if (r.Type === 'AWS::StepFunctions::StateMachine') {
      const props = r.Properties ?? {};
      const d = props.DefinitionString !== undefined ? deployedBytes(props.DefinitionString)
        : { bytes: Buffer.byteLength(JSON.stringify(props.Definition ?? {}), 'utf8'), estimated: false };
      stateMachines.push({ logicalId, path: pathOf(r), use: { used: d.bytes, limit: STATE_MACHINE_DEFINITION_BYTES, estimated: d.estimated } });
    }
    if (r.Type === 'AWS::Lambda::Function') {
      const variables = ((r.Properties?.Environment ?? {}) as { Variables?: Record<string, Json> }).Variables ?? {};
      let used = 0;
      let estimated = false;
      for (const [k, v] of Object.entries(variables)) {
        const d = deployedBytes(v);
        used += Buffer.byteLength(k, 'utf8') + d.bytes;
        estimated = estimated || d.estimated;
      }
      lambdaEnvironments.push({ logicalId, path: pathOf(r), use: { used, limit: LAMBDA_ENVIRONMENT_BYTES, estimated } });
    }
  }
  const report = {
    stackName,
    resources: { used: size(resources), limit: CFN_LIMITS.resources },
    outputs: { used: size(template.Outputs), limit: CFN_LIMITS.outputs },
    parameters: { used: size(template.Parameters), limit: CFN_LIMITS.parameters },
    mappings: { used: size(template.Mappings), limit: CFN_LIMITS.mappings },
    templateBytes: { used: bytes, limit: CFN_LIMITS.templateBytes },
    fitsInline: bytes <= CFN_LIMITS.inlineTemplateBytes,
    descriptionBytes: { used: Buffer.byteLength(template.Description ?? '', 'utf8'), limit: CFN_LIMITS.descriptionBytes },
    resourceTypes: countDescending(all.map((r) => r.Type ?? '?')),
    resourcesByConstruct: countDescending(all.map(constructOf)),
    bytesByConstructAndType: countDescending(all.map((r) => `${constructOf(r)} ${r.Type ?? '?'}`),
      (i) => Buffer.byteLength(JSON.stringify(all[i], undefined, 1), 'utf8')),
    stateMachines,
    lambdaEnvironments,
  };
  const violations: string[] = [];
  const over = (what: string, use: LimitUse, unit = '') => {
    if (use.used > use.limit) violations.push(`${stackName}: ${what} ${use.estimated ? '~' : ''}${use.used}${unit} > ${use.limit}${unit}`);
  };
  over('resources', report.resources);
  over('outputs', report.outputs);
  over('parameters', report.parameters);
  over('mappings', report.mappings);
  over('template body (S3)', report.templateBytes, ' bytes');
  over('description', report.descriptionBytes, ' bytes');
  for (const s of stateMachines) over(`state machine ${s.path ?? s.logicalId} definition`, s.use, ' bytes');
  for (const f of lambdaEnvironments) over(`Lambda ${f.path ?? f.logicalId} environment`, f.use, ' bytes');
  return { ...report, violations };
}

/** Every stack of a cloud assembly directory (its `manifest.json`), each measured with {@link checkTemplate} from the file the CDK wrote. */
export function checkAssemblyDirectory(directory: string): StackLimitReport[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(directory, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; displayName?: string; properties?: { templateFile?: string; stackName?: string } }>;
  };
  const reports: StackLimitReport[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const file = path.join(directory, artifact.properties.templateFile);
    const text = fs.readFileSync(file, 'utf8');
    reports.push(checkTemplate(artifact.properties.stackName ?? id, JSON.parse(text) as CfnTemplate, Buffer.byteLength(text, 'utf8')));
  }
  return reports;
}

const pct = (u: LimitUse) => `${Math.round((100 * u.used) / u.limit)}%`;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

/** A table of the reports: one row per stack, each quantity as used/limit (percent). */
export function formatLimitsTable(reports: StackLimitReport[]): string[] {
  const width = Math.max(5, ...reports.map((r) => r.stackName.length));
  const header = `${pad('stack', width)}  ${lpad('resources/500', 19)}  ${lpad('template bytes/1,000,000', 26)}  inline?  `
    + `${lpad('outputs/200', 15)}  ${lpad('params/200', 14)}  ${lpad('max SFN def/1 MiB', 17)}  ${lpad('max Lambda env/4 KiB', 20)}`;
  const cell = (u: LimitUse, w: number) => lpad(`${u.estimated ? '~' : ''}${u.used.toLocaleString('en-US')} (${pct(u)})`, w);
  const biggest = (parts: SizedPart[]) => parts.reduce<LimitUse | undefined>((m, p) => (!m || p.use.used > m.used ? p.use : m), undefined);
  const lines = [header, '-'.repeat(header.length)];
  for (const r of reports) {
    const sfn = biggest(r.stateMachines);
    const env = biggest(r.lambdaEnvironments);
    lines.push(`${pad(r.stackName, width)}  ${cell(r.resources, 19)}  ${cell(r.templateBytes, 26)}  ${pad(r.fitsInline ? 'yes' : 'no', 7)}  `
      + `${cell(r.outputs, 15)}  ${cell(r.parameters, 14)}  ${sfn ? cell(sfn, 17) : lpad('-', 17)}  ${env ? cell(env, 20) : lpad('-', 20)}`);
  }
  return lines;
}
