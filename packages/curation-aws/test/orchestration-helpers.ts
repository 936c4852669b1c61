import { Template } from 'aws-cdk-lib/assertions';

/** asl-validator ships no type declarations. */
type AslValidator = (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator: AslValidator = require('asl-validator');

/** Placeholder for every CloudFormation value inside a state machine definition (a valid ARN and name). */
const PLACEHOLDER = 'arn:aws:states:eu-west-1:123456789012:stateMachine:placeholder';

const PSEUDO: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com' };

function placeholder(part: unknown): string {
  if (typeof part === 'string') return part;
  const ref = (part as { Ref?: string }).Ref;
  return ref !== undefined && PSEUDO[ref] ? PSEUDO[ref] : PLACEHOLDER;
}

/** The state machine definitions of a template, tokens replaced by a placeholder ARN, parsed. */
export function definitions(template: Template): Record<string, any>[] {
  return Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map((r) => {
    const body = r.Properties.DefinitionString;
    const text = typeof body === 'string' ? body : (body['Fn::Join'][1] as unknown[]).map(placeholder).join('');
    return JSON.parse(text);
  });
}

/** Every state of a definition, nested ones (Parallel branches, Map processors) included, by name. */
export function allStates(definition: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  const visit = (states: Record<string, any>) => {
    for (const [name, state] of Object.entries(states)) {
      out[name] = state;
      for (const branch of state.Branches ?? []) visit(branch.States);
      if (state.ItemProcessor) visit(state.ItemProcessor.States);
      if (state.Iterator) visit(state.Iterator.States);
    }
  };
  visit(definition.States);
  return out;
}

/** Amazon States Language errors of a definition (asl-validator), empty when valid. */
export function aslErrors(definition: Record<string, any>): string[] {
  const { isValid, errorsText } = aslValidator(definition);
  return isValid ? [] : [errorsText('\n')];
}
