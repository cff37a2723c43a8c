// What wrangler gives a `.wasm` import: a compiled WebAssembly.Module (the registry imports each core module so).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
