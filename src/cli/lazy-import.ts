/**
 * Modules the command line loads only when it needs them (tables, colour,
 * prompts) come through here. bin/run.js evaluates the bundle from a V8 code
 * cache, and code compiled that way cannot call import() itself, so the binary
 * hands in an importer from its own (ordinary) module scope.
 */
type Importer = (specifier: string) => Promise<unknown>

let importer: Importer = (specifier) => import(specifier)

export function setImporter(next: Importer): void {
  importer = next
}

export function lazyImport<T>(specifier: string): Promise<T> {
  return importer(specifier) as Promise<T>
}
