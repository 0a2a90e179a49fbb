"""Runtime support shared by every backend: the content-addressed compile cache.

- ``pipeline_cache``: ``compile_cached`` (the one path from a kernel to an Executable),
  ``PipelineCache``, ``default_cache``;
- ``cache_key``: what a compiled artifact depends on, hashed;
- ``memory_cache``: the in-process LRU of artifacts and loaded executables;
- ``disk_cache``: the integrity-checked, size-bounded on-disk store.

docs/cache.md describes keys, layers, environment variables and guarantees.
"""
