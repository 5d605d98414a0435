// The lesion panels' arithmetic: parsing what the user typed, and (re-exported from the engine, so the report says
// the same) what a sweep's rows mean — changes against the clean model, sorting, the lesion map, steering curves and
// the elements whose loss hurts each class most.
export * from '../../../../main/lesions/sweep-view';

/** Parse "3, 17, 20-25" into sorted distinct indices; throws a sentence on bad input. */
export function parseIndexList(text: string, max = 4096): number[] {
  const out = new Set<number>();
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) throw new Error(`“${part}” is not an index or a range like 20-25.`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) throw new Error(`The range ${part} runs backwards.`);
    for (let i = a; i <= b; i++) {
      out.add(i);
      if (out.size > max) throw new Error(`At most ${max} elements can be chosen.`);
    }
  }
  if (!out.size) throw new Error('Name at least one element, e.g. 3, 17, 20-25.');
  return [...out].sort((x, y) => x - y);
}

/** Parse the α list of a steering sweep ("-4, -2, 0, 2, 4"). */
export function parseAlphas(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) throw new Error('Steering needs at least one α, e.g. -4, -2, 0, 2, 4.');
  if (parts.length > 64) throw new Error('At most 64 values of α.');
  return parts.map((p) => {
    const v = Number(p);
    if (!Number.isFinite(v)) throw new Error(`“${p}” is not a number.`);
    return v;
  });
}

