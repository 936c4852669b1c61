/** The part of a CloudFormation custom resource event (as the CDK provider framework passes it) the handlers read. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Record<string, unknown>;
}

/** What the provider framework expects back. */
export interface CustomResourceResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

export function isCustomResourceEvent(event: unknown): event is CustomResourceEvent {
  return typeof event === 'object' && event !== null && 'RequestType' in event;
}

/** The error's message on one line (CloudFormation shows it as the resource's status reason). */
export function oneLine(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).replace(/\s*\n\s*/g, ' ');
}
