import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The Kubernetes overlays (deploy/kubernetes/overlays/<name>), as tests render them. */
export const OVERLAYS = join(__dirname, '../../deploy/kubernetes/overlays');

/** Whether a command-line tool runs here (the Debian tools some tests use are optional). */
export function hasTool(tool: string, args: string[]): boolean {
  try {
    execFileSync(tool, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const KUBECTL = hasTool('kubectl', ['version', '--client']);

/**
 * The objects `kubectl kustomize` renders for an overlay. The overlays read deploy/'s shared
 * files from outside their directory: hence the flag (deploy/kubernetes/README.md).
 */
export function renderOverlay<T = Record<string, unknown>>(overlay: string): T[] {
  const text = execFileSync(
    'kubectl',
    ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', join(OVERLAYS, overlay)],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return parseAllDocuments(text).map((doc) => doc.toJS() as T);
}
