/** Shared types of lib/formats. Pure data; no runtime imports. */

export type DType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';

/** A dense tensor: C-contiguous, little-endian element bytes (`bytes.length === numel × size(dtype)`). */
export type Tensor = {
  dtype: DType;
  shape: number[];
  bytes: Uint8Array;
};

/** Parameter name → tensor, in the file's order (Map keeps insertion order). */
export type StateDict = Map<string, Tensor>;

/** A plain JSON-like value decoded from a pickle (dicts become plain objects with string keys). */
export type PlainValue =
  null | boolean | number | bigint | string | Uint8Array | PlainValue[] | { [key: string]: PlainValue } | Tensor;

/** What a checkpoint file holds, whichever layout it came in. */
export type Checkpoint = {
  /** 'original' = {model_state_dict, model_architecture, training_config}; 'state_dict' = bare. */
  layout: 'original' | 'state_dict';
  stateDict: StateDict;
  modelArchitecture?: { [key: string]: PlainValue };
  trainingConfig?: { [key: string]: PlainValue };
  metadata?: { [key: string]: PlainValue };
};

export type AutoencoderArchitecture = {
  modelType: 'autoencoder';
  inputDim: number;
  hiddenDims: number[];
};

/** One Linear layer, float32, weight row-major [out, in] as PyTorch stores it. */
export type LinearLayer = {
  name: string; // 'encoder.0', 'decoder.6', …
  inFeatures: number;
  outFeatures: number;
  weight: Float32Array;
  bias: Float32Array;
  relu: boolean; // ReLU follows this layer (all but the decoder's last)
};

/** A state dict checked against the autoencoder architecture and converted to float32. */
export type Autoencoder = {
  architecture: AutoencoderArchitecture;
  layers: LinearLayer[]; // encoder layers, then decoder layers, in forward order
  /** Human-readable notes on conversions made (e.g. "float16 → float32"); go into export metadata. */
  notes: string[];
  /** dtype of the source weights before conversion. */
  sourceDType: DType;
};
