// The types worker's files, made at build time by types-plugin.mts: path → text.
declare module "virtual:anyio-ts-types" {
  const files: Record<string, string>;
  export default files;
}
