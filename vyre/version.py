"""vyre's version, and the version of the lowering format that compile-cache keys include."""

__version__ = "0.1.0"

# Bump whenever a change to lowering or code generation makes old compiled artifacts stale.
LOWERING_VERSION = 1
