// Types of scripts/launch-plan.mjs, for the tests (TypeScript) that import it.
export function electronBinary(pkgDir: string, options?: { log?: (line: string) => void; timeoutMs?: number }): string | null;
export type LaunchPlan = { mode: 'desktop'; binary: string } | { mode: 'demo'; reason: string };
export function launchPlan(o: { binary: string | null; platform?: NodeJS.Platform; env?: Record<string, string | undefined> }): LaunchPlan;
