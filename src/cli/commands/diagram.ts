import { loadFlowDirectory } from '../../dialogue/flow-loader.js';
import { flowDiagram, flowIndexDiagram } from '../../dialogue/diagram.js';
import { formatIssue } from '../../core/content-issue.js';

/** `croupier diagram <flow>` / `--all`: prints Mermaid. Returns the exit code. */
export function runDiagram(
  options: { flow?: string; all?: boolean; flowsDir: string; rootDir: string },
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): number {
  const { flows, issues } = loadFlowDirectory(options.flowsDir, options.rootDir);
  for (const issue of issues) err.write(`${formatIssue(issue)}\n`);
  if (options.all) {
    out.write(flowIndexDiagram(flows));
    return 0;
  }
  const flow = options.flow ? flows.get(options.flow) : undefined;
  if (!flow) {
    err.write(`croupier: no flow "${options.flow ?? ''}"; flows are: ${[...flows.keys()].sort().join(', ')}\n`);
    return 1;
  }
  out.write(flowDiagram(flow));
  return 0;
}
