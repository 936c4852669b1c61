import { CfnTemplate, LAMBDA_ENVIRONMENT_BYTES, checkTemplate, formatLimitsTable } from '../src';

describe('checkTemplate', () => {
  const resources = (n: number, type = 'AWS::SNS::Topic') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`Topic${i}`, { Type: type }]));

  test('names the stack and the limit a template exceeds', () => {
    const template: CfnTemplate = {
      Resources: resources(501),
      Outputs: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`Out${i}`, { Value: 'x' }])),
    };
    const report = checkTemplate('TooBig', template);
    expect(report.violations).toEqual(['TooBig: resources 501 > 500', 'TooBig: outputs 201 > 200']);
    expect(report.resourceTypes).toEqual([['AWS::SNS::Topic', 501]]);
  });

  test('counts the template body as the CDK writes it: over 1,000,000 bytes fails, over 51,200 only cannot go inline', () => {
    const big = (bytes: number): CfnTemplate => ({ Resources: { Doc: { Type: 'AWS::SSM::Document', Properties: { Content: 'x'.repeat(bytes) } } } });
    const medium = checkTemplate('Medium', big(60_000));
    expect(medium.violations).toEqual([]);
    expect(medium.fitsInline).toBe(false);
    expect(medium.templateBytes.used).toBe(JSON.stringify(big(60_000), undefined, 1).length);
    expect(checkTemplate('Huge', big(1_000_000)).violations).toEqual([expect.stringMatching(/^Huge: template body \(S3\) \d+ bytes > 1000000 bytes$/)]);
  });

  test('a Lambda environment over 4 KB and a state machine definition over 1 MiB are exceeded limits, deploy-time values estimated', () => {
    const template: CfnTemplate = {
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Metadata: { 'aws:cdk:path': 'S/Tagger/Resource' },
          Properties: { Environment: { Variables: { CONFIG: 'x'.repeat(LAMBDA_ENVIRONMENT_BYTES), TABLE: { Ref: 'Table' } } } },
        },
        Sm: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: { DefinitionString: { 'Fn::Join': ['', ['{"States":"', 'y'.repeat(1_048_576), '"}', { Ref: 'Fn' }]] } },
        },
      },
    };
    const report = checkTemplate('S', template, 500_000); // the body's own limit aside
    const used = 'CONFIG'.length + LAMBDA_ENVIRONMENT_BYTES + 'TABLE'.length + 128;
    expect(report.lambdaEnvironments[0].use).toEqual({ used, limit: LAMBDA_ENVIRONMENT_BYTES, estimated: true });
    expect(report.violations).toEqual([
      'S: state machine Sm definition ~1048717 bytes > 1048576 bytes',
      'S: Lambda S/Tagger/Resource environment ~4235 bytes > 4096 bytes',
    ]);
    expect(report.resourcesByConstruct).toEqual([['(no path)', 1], ['Tagger', 1]]);
  });

  test('the table has one row per stack', () => {
    const lines = formatLimitsTable([checkTemplate('A', { Resources: resources(250) }), checkTemplate('B', {})]);
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^A\s+250 \(50%\)/);
  });
});
