import { DomainError, errorFamily } from '../errors';
/**
 * Why a backup or restore was refused. Each code names one thing a person can check: the archive
 * (corrupt, truncated, tampered), the target (not empty), or the versions (incompatible).
 */
export type BackupErrorCode =
  | 'backup_corrupt'
  | 'backup_truncated'
  | 'backup_incompatible'
  | 'backup_target_not_empty'
  | 'backup_unsupported_schema'
  | 'backup_failed';

export class BackupError extends DomainError {
  declare readonly code: BackupErrorCode;
  constructor(code: BackupErrorCode, message: string) {
    super('internal', code, message);
  }
}
errorFamily(BackupError, 'BackupError');
