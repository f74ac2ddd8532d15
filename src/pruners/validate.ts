/** Checks of pruner options, each naming the option and the fix. */
import { InvalidArgumentError } from '../errors.js';

export function checkInt(pruner: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(`${pruner}: ${name} must be an integer ≥ ${min}, got ${JSON.stringify(value) ?? String(value)}`, [name]);
  }
  return value;
}

export function checkNumber(pruner: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${pruner}: ${name} must be a number in [${min}, ${max}], got ${JSON.stringify(value) ?? String(value)}`, [name]);
  }
  return value;
}
