// kube-apiserver audit logging for a test's private control plane: the policy (metadata of every write), the flags, and the log read back as typed events.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';

/** Record the metadata of every write (create, update, patch, delete) once answered; nothing else. */
const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
  - level: None
`;

/** Writes the policy into `dir` and returns the kube-apiserver flags that log to `<dir>/audit.log`. */
export async function auditFlags(dir: string): Promise<{ args: string[]; logPath: string }> {
  const policy = join(dir, 'audit-policy.yaml');
  const logPath = join(dir, 'audit.log');
  await writeFile(policy, POLICY);
  return {
    args: [
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${logPath}`,
      '--audit-log-format=json',
      '--audit-log-mode=blocking',
    ],
    logPath,
  };
}

const AuditEvent = z.looseObject({
  stage: z.string(),
  verb: z.string(),
  userAgent: z.optional(z.string()),
  requestReceivedTimestamp: z.string(),
  stageTimestamp: z.string(),
  objectRef: z.optional(
    z.looseObject({
      resource: z.optional(z.string()),
      subresource: z.optional(z.string()),
      namespace: z.optional(z.string()),
      name: z.optional(z.string()),
    }),
  ),
  responseStatus: z.optional(z.looseObject({ code: z.optional(z.number()) })),
});

/** One answered write, as the apiserver saw it: who sent it (User-Agent), what, and when it arrived and was answered. */
export interface AuditedWrite {
  userAgent: string;
  verb: string;
  resource: string;
  namespace: string | undefined;
  name: string | undefined;
  code: number | undefined;
  /** When the apiserver received the request, and when it answered: microseconds since the epoch. */
  receivedAtUs: number;
  answeredAtUs: number;
}

/** The writes in the audit log at `logPath`, in the order logged. */
export async function auditedWrites(logPath: string): Promise<AuditedWrite[]> {
  const text = await readFile(logPath, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => AuditEvent.parse(JSON.parse(l)))
    .filter((e) => e.stage === 'ResponseComplete')
    .map((e) => ({
      userAgent: e.userAgent ?? '',
      verb: e.verb,
      resource: [e.objectRef?.resource, e.objectRef?.subresource].filter(Boolean).join('/'),
      namespace: e.objectRef?.namespace,
      name: e.objectRef?.name,
      code: e.responseStatus?.code,
      receivedAtUs: micros(e.requestReceivedTimestamp),
      answeredAtUs: micros(e.stageTimestamp),
    }));
}

/** A MicroTime (`2026-11-30T05:00:00.123456Z`) in microseconds since the epoch, without losing the microseconds. */
export function micros(time: string): number {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(time);
  if (!m?.[1]) throw new Error(`not a MicroTime: ${time}`);
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
}
