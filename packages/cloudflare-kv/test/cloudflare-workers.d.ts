declare module "cloudflare:workers" {
  /** The worker's bindings (the test worker binds a KV namespace as `KV`). */
  export const env: unknown;
}
