// API of the project itself: open, create, close, and what the running engine is (system.info).
//
// Params are zod schemas (the router validates every call against them). Results are types only, on purpose: the
// engine produces them, so they are checked by the compiler where they are made, not parsed again where they land.
import { z } from 'zod';
import { nonEmpty } from './common';

export interface ProjectInfo {
  path: string;
  schemaVersion: number;
  createdAt: string;
  counts: { models: number; stimulusSets: number; harvests: number; bases: number; jobs: number };
}

export interface SystemInfo {
  version: string;
  transport: 'ipc' | 'http' | 'direct';
  projectPath: string | null;
  ortVersion: string;
  platform: string;
}

export const projectMethods = {
  'system.info': z.object({}).strict(),
  'project.open': z.object({ path: nonEmpty, create: z.boolean().default(false) }).strict(),
  'project.info': z.object({}).strict(),
  'project.close': z.object({}).strict(),
} as const;

export interface ProjectResults {
  'system.info': SystemInfo;
  'project.open': ProjectInfo;
  'project.info': ProjectInfo | null;
  'project.close': { closed: boolean };
}
