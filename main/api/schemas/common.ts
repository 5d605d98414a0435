// Shapes every room's schemas share: ids, paths, and the bootstrap and seed of a comparison.
import { z } from 'zod';

export const id = z.number().int().positive();
export const nonEmpty = z.string().min(1).max(4096);
export const bootstrapSchema = z.number().int().min(100).max(20000).default(2000);
export const seedSchema = z.number().int().min(0).default(0);
