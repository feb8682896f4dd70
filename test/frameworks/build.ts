/**
 * Builds the three framework apps with Vite (programmatic `build()`, no config file), each from
 * its own root into `<outDir>/<framework>/`. Each app imports the widget as a package
 * (`import 'kryptos-connect'`), resolved through package.json "exports" → dist/kryptos-connect.js.
 *
 * No framework plugin is installed: React's JSX is compiled by Vite's own transform (oxc,
 * automatic runtime); a `.vue` single-file component is compiled with `vue/compiler-sfc` and a
 * `.svelte` component with `svelte/compiler`, by the two tiny plugins below. The custom-element
 * setting a Vue project puts in `vue({ template: { compilerOptions } })` goes to the template
 * compiler here.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';
import { compileScript, parse } from 'vue/compiler-sfc';
import { compile } from 'svelte/compiler';

export const FRAMEWORKS = ['react', 'vue', 'svelte'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** Vue: tags the template compiler must leave to the browser (not resolve as Vue components). */
export const isCustomElement = (tag: string): boolean => tag === 'kryptos-connect';

function vueSfc(): Plugin {
  return {
    name: 'frameworks-test:vue-sfc',
    transform(code, id) {
      if (!id.endsWith('.vue')) return null;
      const { descriptor, errors } = parse(code, { filename: id });
      if (errors.length) throw errors[0];
      const script = compileScript(descriptor, {
        id: createHash('sha256').update(id).digest('hex').slice(0, 8),
        inlineTemplate: true,
        templateOptions: { compilerOptions: { isCustomElement } },
      });
      return { code: script.content, map: (script.map ?? null) as never };
    },
  };
}

function svelteComponent(warnings: string[]): Plugin {
  return {
    name: 'frameworks-test:svelte',
    transform(code, id) {
      if (!id.endsWith('.svelte')) return null;
      const result = compile(code, { filename: id, generate: 'client', css: 'injected', dev: false });
      for (const w of result.warnings) warnings.push(`${w.code}: ${w.message}`);
      return { code: result.js.code, map: result.js.map as never };
    },
  };
}

/** Records what `import 'kryptos-connect'` resolved to (Vite's resolver, package.json "exports"). */
function recordWidgetResolution(resolved: string[]): Plugin {
  return {
    name: 'frameworks-test:record-widget',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (source !== 'kryptos-connect') return null;
      const result = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (result) resolved.push(result.id);
      return result;
    },
  };
}

export type BuildReport = { framework: Framework; ms: number; files: string[]; warnings: string[]; widget: string[] };

export async function buildApp(framework: Framework, outDir: string): Promise<BuildReport> {
  const started = Date.now();
  const warnings: string[] = [];
  const widget: string[] = [];
  const output = await build({
    configFile: false,
    root: join(HERE, framework),
    base: './',
    logLevel: 'warn',
    mode: 'production',
    plugins: [recordWidgetResolution(widget), ...(framework === 'vue' ? [vueSfc()] : framework === 'svelte' ? [svelteComponent(warnings)] : [])],
    define: framework === 'vue' ? { __VUE_OPTIONS_API__: 'false', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' } : {},
    oxc: { jsx: { runtime: 'automatic' } },
    build: { outDir: join(outDir, framework), emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: false },
  });
  const results = Array.isArray(output) ? output : [output];
  const files = results.flatMap((r) => ('output' in r ? r.output.map((o) => o.fileName) : []));
  return { framework, ms: Date.now() - started, files, warnings, widget };
}

/** Builds the apps one after the other (two shared cores): React, Vue, Svelte. */
export async function buildApps(outDir: string): Promise<BuildReport[]> {
  const reports: BuildReport[] = [];
  for (const framework of FRAMEWORKS) reports.push(await buildApp(framework, outDir));
  return reports;
}
