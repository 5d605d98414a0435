// The inspection's probe runs the model once on zeros; when that run fails, onnxruntime's message (a C++ source path,
// a status code, an assertion) becomes one sentence the inspection reports as "shapes not probed: …" (issue #8).

export function probeFailureSentence(err: unknown, assumedDims: Record<string, number>): string {
  const raw = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  const node = /running (\w+) node\. Name:'([^']*)'/.exec(raw);
  // ORT's status message ends in the human part after the failed check ("… was false. The input tensor …").
  const status = /Status Message: (.*)$/.exec(raw)?.[1] ?? raw;
  const human = (/ was false\. (.*)$/.exec(status)?.[1] ?? status.replace(/^\S*\.(?:h|cc):\d+ \S+(?:\([^)]*\))? /, '')).replace(/[.\s]+$/, '');
  const dims = Object.entries(assumedDims).map(([k, v]) => `${k}=${v}`).join(', ');
  const on = dims ? `zeros with ${dims}` : 'zeros';
  const where = node ? ` at ${node[1]} node ${node[2]}` : '';
  return `shapes not probed: a run on ${on} failed${where} (${human}), so undeclared shapes are unknown.`;
}
