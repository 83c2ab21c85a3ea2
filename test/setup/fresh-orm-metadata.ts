/**
 * MikroORM keeps entity metadata in a process-global registry that outlives
 * jest's per-file sandbox. A second test file in the same worker would reuse
 * metadata objects created in the first file's realm (and fail on their Maps),
 * so every test file starts with an empty registry, as a fresh process would.
 */
(globalThis as Record<string, unknown>)['mikro-orm-metadata'] = {};
