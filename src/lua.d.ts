/** A `.lua` import is the script's source text (tsup `text` loader; vitest plugin in vitest.config.ts). */
declare module '*.lua' {
  const source: string;
  export default source;
}
