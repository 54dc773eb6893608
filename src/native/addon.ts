// The napi-rs addon, loaded through the loader `napi build` generates at the package root.
// Everything above this folder talks to the native core through this module only.
export * from '../../index.js';
