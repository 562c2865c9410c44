import { Injectable, type PipeTransform, ValidationPipe, type ValidationError } from '@nestjs/common';
import { ValidationProblem, type FieldError } from './problem';

const flatten = (errors: ValidationError[], prefix = ''): FieldError[] =>
  errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, 'unknown field'),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });

export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => new ValidationProblem(flatten(errors)),
});

const MAX_DEPTH = 16;
// Lone surrogates and NUL cannot be stored in jsonb; refuse them at the door rather than fail in SQL.
// eslint-disable-next-line no-control-regex -- NUL is exactly the character refused here
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// Every name Object.prototype answers to (valueOf, __defineGetter__ …): class-validator's whitelist takes them for declared properties.
const RESERVED_KEYS = new Set(['__proto__', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

const findUnstorable = (value: unknown, path: string, depth: number): FieldError | null => {
  if (depth > MAX_DEPTH) return { field: path || 'body', message: `nested deeper than ${MAX_DEPTH} levels` };
  if (typeof value === 'string') return UNSTORABLE.test(value) ? { field: path || 'body', message: 'contains NUL or unpaired surrogate characters' } : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, child] of Object.entries(value)) {
    // No DTO has these fields, and class-transformer drops them silently instead of reporting them as unknown.
    if (RESERVED_KEYS.has(key)) return { field: path ? `${path}.${key}` : key, message: 'unknown field' };
    const found = findUnstorable(child, path ? `${path}.${key}` : key, depth + 1) ?? findUnstorable(key, path, depth + 1);
    if (found) return found;
  }
  return null;
};

/**
 * Runs before class-validator: text PostgreSQL cannot store and absurd nesting are a 400, not a 500,
 * and prototype keys are refused as the unknown fields they are.
 */
@Injectable()
export class StorableTextPipe implements PipeTransform {
  transform(value: unknown): unknown {
    const found = findUnstorable(value, '', 0);
    if (found) throw new ValidationProblem([found]);
    return value;
  }
}
