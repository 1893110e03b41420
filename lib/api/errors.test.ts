import { describe, expect, it } from 'vitest';
import {
  ModelCompatibilityError,
  ModelDeploymentError,
  ModelExportError,
  ModelValidationError,
} from '../formats/errors';
import { ArtifactError } from '../storage/types';
import { errorToResponseParts } from './errors';
import { WorkflowError } from '../registry/review-state';
import { Prisma } from '../db/generated/client';

// A second instance of each module, as Next.js gives instrumentation and each route bundle: the
// query string makes Vite load and evaluate the file again, with its own class objects.
const again = (path: string) => import(/* @vite-ignore */ `${path}?bundle-copy`);
const copy = (await again('../formats/errors')) as typeof import('../formats/errors');
const storageCopy = (await again('../storage/types')) as typeof import('../storage/types');

describe('typed errors across duplicated modules', () => {
  it('the copies really are different classes', () => {
    expect(copy.ModelValidationError).not.toBe(ModelValidationError);
    expect(storageCopy.ArtifactError).not.toBe(ArtifactError);
  });

  it('instanceof holds for the class and its ancestors, never for siblings', () => {
    const e = new copy.ModelValidationError('zip_bomb', 'inflates too far');
    expect(e instanceof ModelValidationError).toBe(true);
    expect(e instanceof ModelDeploymentError).toBe(true);
    expect(e instanceof ModelExportError).toBe(false);
    expect(e instanceof ModelCompatibilityError).toBe(false);
    expect(e instanceof WorkflowError).toBe(false);
    expect(new ModelDeploymentError('x', 'y') instanceof copy.ModelValidationError).toBe(false);
    expect(new Error('plain') instanceof ModelDeploymentError).toBe(false);
    expect({ code: 'zip_bomb' } instanceof ModelDeploymentError).toBe(false);
  });

  it('maps a copy-thrown error to its status, not a 500', () => {
    expect(errorToResponseParts(new storageCopy.ArtifactError('artifact_too_large', 'over the limit'))).toEqual({
      status: 413,
      body: { code: 'artifact_too_large', detail: 'over the limit' },
    });
    expect(
      errorToResponseParts(new copy.ModelValidationError('tensor_too_large', 'needs more than its storage')).status,
    ).toBe(422);
    expect(errorToResponseParts(new copy.ModelDeploymentError('model_not_found', 'Model m not found')).status).toBe(
      404,
    );
  });

  it('a transaction that could not start in time (P2028) is 503 server_busy, not a 500', () => {
    const e = new Prisma.PrismaClientKnownRequestError(
      'Transaction API error: Unable to start a transaction in the given time.',
      { code: 'P2028', clientVersion: Prisma.prismaVersion.client },
    );
    expect(errorToResponseParts(e)).toEqual({
      status: 503,
      body: { code: 'server_busy', detail: expect.stringContaining('busy') },
    });
  });
});
