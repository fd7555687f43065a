/** A `.lua` import is the script's source text (tsup `text` loader; vitest plugin in vitest.config.ts). */
declare module '*.lua' {
  const source: string;
  export default source;
}

/** An `.html` import is the file's text (the dashboard page, bundled into the CLI at build time). */
declare module '*.html' {
  const text: string;
  export default text;
}
