import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The module rules of docs/ARCHITECTURE.md, checked on the source so that they stay true.
const SRC = path.resolve('src');
/** The guard, a package of its own that src/ uses as an installed dependency. */
const GUARD = {
  name: '@portcullis/nest-resource-server',
  dir: path.resolve('packages/nest-resource-server'),
};
const FEATURES = [
  'admin',
  'apis',
  'audit',
  'authorization',
  'clients',
  'discovery',
  'health',
  'keys',
  'metrics',
  'tokens',
  'upstream',
  'users',
];
const INFRASTRUCTURE = ['common', 'config', 'database'];
/** Composition roots: they wire the modules together, so they may import any of them. */
const ENTRY_POINTS = [
  'main.ts',
  'app.module.ts',
  'app.setup.ts',
  'environment-rules.ts',
  'database/entities.ts',
  'keys/rotate-key-cli.ts',
];
interface Import {
  from: string;
  to: string;
  names: string[];
}

function sourceFiles(dir: string, root = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full, root);
    return entry.name.endsWith('.ts') ? [path.relative(root, full)] : [];
  });
}

/** Every `from '…'` or `import '…'` specifier of a file, with the names it imports. */
function specifiersOf(file: string): { specifier: string; names: string[] }[] {
  const text = readFileSync(file, 'utf8');
  const pattern = /\bimport\s+(?:type\s+)?(?:\{([^}]*)\}\s+from\s+)?'([^']+)'|\bfrom\s+'([^']+)'/g;
  return [...text.matchAll(pattern)].map((match) => ({
    specifier: match[2] ?? match[3],
    names: namesOf(match[1] ?? ''),
  }));
}

/** Every relative import of a file under src/, as paths relative to src/ (`.ts`). */
function importsOf(file: string): Import[] {
  const text = readFileSync(path.join(SRC, file), 'utf8');
  const pattern =
    /\bimport\s+(?:type\s+)?(?:\{([^}]*)\}\s+from\s+)?'(\.[^']+)'|\bfrom\s+'(\.[^']+)'/g;
  return [...text.matchAll(pattern)].flatMap((match) => {
    const target = path.normalize(path.join(path.dirname(file), match[2] ?? match[3]));
    if (target.startsWith('..')) return [];
    return [{ from: file, to: target.replace(/\.js$/, '.ts'), names: namesOf(match[1] ?? '') }];
  });
}

/** The names in an import or export list: `type A`, `B as C` → A, B. */
function namesOf(list: string): string[] {
  return list
    .split(',')
    .map(
      (spec) =>
        spec
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0],
    )
    .filter(Boolean);
}

/**
 * What a feature module lets others use: the files its index.ts names, and the names it
 * re-exports from each. Others import from those files (not through index.ts, which would
 * load the whole module: a pure rule's unit spec could not load it without Nest's graph).
 */
function publicSurface(name: string): Map<string, Set<string>> {
  const surface = new Map<string, Set<string>>();
  let text: string;
  try {
    text = readFileSync(path.join(SRC, name, 'index.ts'), 'utf8');
  } catch {
    return surface;
  }
  for (const match of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(\.[^']+)'/g)) {
    const file = path.join(name, match[2]).replace(/\.js$/, '.ts');
    const names = surface.get(file) ?? new Set<string>();
    for (const exported of namesOf(match[1])) names.add(exported);
    surface.set(file, names);
  }
  return surface;
}

const moduleOf = (file: string) => (file.includes('/') ? file.split('/')[0] : '(root)');
const files = sourceFiles(SRC);
const imports = files
  .filter((file) => !ENTRY_POINTS.includes(file))
  .flatMap(importsOf)
  .filter((edge) => moduleOf(edge.from) !== moduleOf(edge.to));
const show = (edges: Import[]) =>
  edges.map((edge) => `${edge.from} -> ${edge.to} { ${edge.names.join(', ')} }`);

describe('module boundaries', () => {
  it('finds the modules it checks, and the imports between them', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(imports.length).toBeGreaterThan(50);
    for (const name of [...FEATURES, ...INFRASTRUCTURE])
      expect([name, files.some((file) => moduleOf(file) === name)]).toEqual([name, true]);
  });

  it('lets a feature module use of another only what its index.ts names', () => {
    const surfaces = new Map(FEATURES.map((name) => [name, publicSurface(name)]));
    const reachIns = imports.filter((edge) => {
      const surface = surfaces.get(moduleOf(edge.to));
      if (!surface) return false;
      const allowed = surface.get(edge.to);
      return !allowed || edge.names.some((name) => !allowed.has(name));
    });
    expect(show(reachIns)).toEqual([]);
  });

  it('keeps infrastructure free of feature modules', () => {
    const upward = imports.filter(
      (edge) =>
        INFRASTRUCTURE.includes(moduleOf(edge.from)) && FEATURES.includes(moduleOf(edge.to)),
    );
    expect(show(upward)).toEqual([]);
  });

  it('keeps the guard package free of src/ and the root: its own files and its declared dependencies', () => {
    const manifest = JSON.parse(readFileSync(path.join(GUARD.dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const declared = [
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ];
    const guardSource = path.join(GUARD.dir, 'src');
    const guardFiles = sourceFiles(guardSource, guardSource).filter((f) => !f.endsWith('.spec.ts'));
    expect(guardFiles.length).toBeGreaterThan(10);
    const outside = guardFiles.flatMap((file) =>
      specifiersOf(path.join(guardSource, file))
        .map(({ specifier }) => specifier)
        .filter((specifier) =>
          specifier.startsWith('.')
            ? path
                .relative(guardSource, path.join(guardSource, path.dirname(file), specifier))
                .startsWith('..')
            : !specifier.startsWith('node:') &&
              !declared.some((name) => specifier === name || specifier.startsWith(`${name}/`)),
        )
        .map((specifier) => `${file} -> ${specifier}`),
    );
    expect(outside).toEqual([]);
  });

  it('lets src/ use of the guard package only what its entry point exports', () => {
    const entry = readFileSync(path.join(GUARD.dir, 'src/index.ts'), 'utf8');
    const exported = new Set(
      [...entry.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s+from/g)].flatMap((match) =>
        match[1].split(',').map((spec) => {
          const parts = spec
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/);
          return parts[parts.length - 1];
        }),
      ),
    );
    // By name or by any path into the package (`../packages/nest-resource-server/…`).
    const uses = files.flatMap((file) =>
      specifiersOf(path.join(SRC, file))
        .filter(({ specifier }) => specifier.includes('nest-resource-server'))
        .map((use) => ({ file, ...use })),
    );
    expect(uses.length).toBeGreaterThan(5);
    const beyond = uses.filter(
      (use) => use.specifier !== GUARD.name || use.names.some((name) => !exported.has(name)),
    );
    expect(
      beyond.map((use) => `${use.file} -> ${use.specifier} { ${use.names.join(', ')} }`),
    ).toEqual([]);
  });

  it('has no import cycle between feature modules', () => {
    const next = new Map<string, Set<string>>(FEATURES.map((name) => [name, new Set()]));
    for (const edge of imports) {
      if (FEATURES.includes(moduleOf(edge.from)) && FEATURES.includes(moduleOf(edge.to)))
        next.get(moduleOf(edge.from))!.add(moduleOf(edge.to));
    }
    const cycles: string[] = [];
    const walk = (name: string, trail: string[]) => {
      if (trail.includes(name)) {
        cycles.push([...trail.slice(trail.indexOf(name)), name].join(' -> '));
        return;
      }
      for (const to of next.get(name)!) walk(to, [...trail, name]);
    };
    for (const name of FEATURES) walk(name, []);
    expect(cycles).toEqual([]);
  });
});
