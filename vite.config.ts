// Library build of the drop-in widget: widget/index.ts → dist/kryptos-connect.js, one self-contained ES module
// with Lit bundled (partners load it with a plain <script type="module">). Non-English strings stay lazy chunks.
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    minify: true,
    lib: {
      entry: 'widget/index.ts',
      formats: ['es'],
      fileName: () => 'kryptos-connect.js',
    },
    rollupOptions: {
      output: {
        chunkFileNames: 'kryptos-connect-[name]-[hash].js',
        // Vite leaves whitespace in ES lib builds (for consumers' tree-shaking); this file is loaded as is, so minify fully.
        minify: true,
      },
    },
  },
  oxc: {
    decorator: { legacy: true },
    typescript: { removeClassFieldsWithoutInitializer: true },
  },
});
