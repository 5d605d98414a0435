// The demo ends with what the lab found, in words: which basis scores best on the leading (discriminating) metric
// and whether it beats the neurons and random directions — not just a table to decode (issue #8).
import type { Comparison, MetricName } from '../api/contract';

export function demoFinding(c: Comparison, lead: MetricName): string {
  const scored = c.bases.filter((b) => b.metrics[lead]);
  if (scored.length === 0) return `Found: no basis was scored on ${lead}.`;
  const best = scored.reduce((a, b) => (b.metrics[lead]!.median > a.metrics[lead]!.median ? b : a));
  const x = best.metrics[lead]!;
  const versus = (name: string, t: { p: number; effect: number } | null | undefined) =>
    t ? `${t.p < 0.05 ? (t.effect > 0.5 ? 'above' : 'below') : 'not different from'} ${name} (p = ${t.p.toExponential(1)})` : null;
  const tests = [versus('the neurons', x.vsNeurons), versus('random directions', x.vsRandom)].filter(Boolean);
  return `Found: on ${lead}, ${best.name} has the highest median (${x.median.toFixed(3)}, 95% CI [${x.ci95[0].toFixed(3)}, ${x.ci95[1].toFixed(3)}])${tests.length ? `, ${tests.join(' and ')}` : ''}.`;
}
