import { describe, expect, it } from 'vitest';
import { chooseBackend, parseBackendPreference, softwareRenderer, type AdapterFacts } from './backend-choice';

// What headless Chromium 156 here reports with --enable-unsafe-webgpu (e2e/backend-choice.spec.ts).
const SWIFTSHADER: AdapterFacts = {
  vendor: 'google',
  architecture: 'swiftshader',
  device: '',
  description: '',
  isFallbackAdapter: true,
};
const NVIDIA: AdapterFacts = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200', device: '' };
const LLVMPIPE: AdapterFacts = { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' };

describe('chooseBackend', () => {
  it('automatic never picks SwiftShader: WASM, saying why', () => {
    expect(chooseBackend('auto', { kind: 'adapters', adapters: [SWIFTSHADER] })).toEqual({
      backend: 'wasm',
      adapter: null,
      adapterName: null,
      software: false,
      reason: 'automatic: the only WebGPU adapter is SwiftShader (software)',
    });
  });

  it.each<[string, AdapterFacts, string]>([
    ['llvmpipe by description', LLVMPIPE, 'llvmpipe'],
    ['lavapipe', { vendor: 'mesa', device: 'lavapipe' }, 'lavapipe'],
    [
      'Basic Render Driver',
      { vendor: 'microsoft', description: 'Microsoft Basic Render Driver' },
      'Microsoft Basic Render Driver',
    ],
    ['a CPU device', { vendor: 'intel', description: 'Intel CPU OpenCL device' }, 'intel Intel CPU OpenCL device'],
    [
      'a fallback flag alone',
      { vendor: 'acme', architecture: 'x', isFallbackAdapter: true },
      'acme x, a fallback adapter',
    ],
  ])('automatic refuses %s', (_, adapter, name) => {
    expect(softwareRenderer(adapter)).toBe(name);
    const c = chooseBackend('auto', { kind: 'adapters', adapters: [adapter] });
    expect(c.backend).toBe('wasm');
    expect(c.reason).toBe(`automatic: the only WebGPU adapter is ${name} (software)`);
  });

  it('automatic takes WebGPU on a hardware adapter, even when a software one is offered first', () => {
    const c = chooseBackend('auto', { kind: 'adapters', adapters: [SWIFTSHADER, NVIDIA] });
    expect(c).toMatchObject({ backend: 'webgpu', adapter: NVIDIA, software: false });
    expect(c.reason).toBe('automatic: nvidia hopper NVIDIA H200 is a hardware adapter');
    expect(softwareRenderer(NVIDIA)).toBeNull();
  });

  it('names every software adapter when several are offered (and the same one twice only once)', () => {
    const c = chooseBackend('auto', { kind: 'adapters', adapters: [SWIFTSHADER, LLVMPIPE, { ...SWIFTSHADER }] });
    expect(c.reason).toBe('automatic: every WebGPU adapter is software: SwiftShader (software), llvmpipe (software)');
  });

  it('automatic without WebGPU says what the browser gave', () => {
    expect(chooseBackend('auto', { kind: 'no-webgpu' }).reason).toBe('automatic: this browser offers no WebGPU');
    expect(chooseBackend('auto', { kind: 'no-adapter' }).reason).toBe('automatic: the browser gave no WebGPU adapter');
    expect(chooseBackend('auto', { kind: 'adapters', adapters: [] }).backend).toBe('wasm');
    expect(chooseBackend('auto', { kind: 'failed', message: 'GPU process crashed' }).reason).toBe(
      'automatic: the WebGPU adapter request failed (GPU process crashed)',
    );
  });

  it('a reviewer who forces WebGPU gets it on SwiftShader, told it is software; WASM when there is no adapter', () => {
    expect(chooseBackend('webgpu', { kind: 'adapters', adapters: [SWIFTSHADER] })).toMatchObject({
      backend: 'webgpu',
      software: true,
      adapterName: 'google swiftshader',
      reason: 'you chose WebGPU; the only WebGPU adapter is SwiftShader (software): correct, not fast',
    });
    expect(chooseBackend('webgpu', { kind: 'adapters', adapters: [NVIDIA] })).toMatchObject({
      backend: 'webgpu',
      software: false,
      reason: 'you chose WebGPU',
    });
    expect(chooseBackend('webgpu', { kind: 'no-adapter' })).toMatchObject({
      backend: 'wasm',
      reason: 'you chose WebGPU, but the browser gave no WebGPU adapter; ran on WASM',
    });
  });

  it('forced WASM ignores any adapter', () => {
    expect(chooseBackend('wasm', { kind: 'adapters', adapters: [NVIDIA] })).toMatchObject({
      backend: 'wasm',
      reason: 'you chose WASM',
    });
  });
});

describe('parseBackendPreference', () => {
  it('restores a stored choice and treats anything else as automatic', () => {
    expect(parseBackendPreference('webgpu')).toBe('webgpu');
    expect(parseBackendPreference('wasm')).toBe('wasm');
    expect(parseBackendPreference(null)).toBe('auto');
    expect(parseBackendPreference('cuda')).toBe('auto');
  });
});
