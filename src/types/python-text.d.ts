/** Python files imported as text: esbuild's text loader (src/build/build.mjs, test/runner/unit.mjs) embeds them into the bundle. */
declare module "*.py" {
  const text: string;
  export default text;
}
