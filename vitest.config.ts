import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    {
      // Same contract as tsup's `text` loader: a `.lua` (or the dashboard's `.html`) import is the file's text.
      name: 'lua-as-text',
      transform(code, id) {
        if (id.endsWith('.lua') || id.endsWith('.html'))
          return { code: `export default ${JSON.stringify(code)};`, map: null };
        return undefined;
      },
    },
  ],
  test: {
    globalSetup: ['test/helpers/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
