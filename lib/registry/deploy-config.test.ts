import { describe, expect, it } from 'vitest';
import { deploymentConfigSchema } from './deploy-config';

const base = { model_id: 'autoencoder_2.0_3.0_20261127_070000', age_group_min: 2, age_group_max: 3 };

describe('ModelDeploymentConfig parsing', () => {
  it('has the original defaults', () => {
    expect(deploymentConfigSchema.parse(base)).toMatchObject({
      replace_existing: false,
      validate_before_deployment: true,
      backup_existing: true,
      deployment_environment: 'production',
    });
  });

  it('reads flags from query-string and form spellings, and never treats "false" as true', () => {
    const c = deploymentConfigSchema.parse({
      ...base,
      replace_existing: 'true',
      validate_before_deployment: 'false',
      backup_existing: '0',
    });
    expect(c).toMatchObject({ replace_existing: true, validate_before_deployment: false, backup_existing: false });
    expect(deploymentConfigSchema.parse({ ...base, replace_existing: 'on' }).replace_existing).toBe(true);
    expect(() => deploymentConfigSchema.parse({ ...base, replace_existing: 'maybe' })).toThrow(/true or false/);
  });

  it('needs an export and a sane age range', () => {
    expect(() => deploymentConfigSchema.parse({ age_group_min: 2, age_group_max: 3 })).toThrow(
      /model_id or model_export_path/,
    );
    expect(() => deploymentConfigSchema.parse({ ...base, age_group_min: 3, age_group_max: 2 })).toThrow(/greater than/);
    expect(() => deploymentConfigSchema.parse({ ...base, deployment_environment: 'prod' })).toThrow();
  });
});
