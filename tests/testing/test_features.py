"""Feature detection and the backend capability table."""

from __future__ import annotations

import vyre
from vyre.ir.infer import resolve
from vyre.testing.features import ALL_FEATURES, CAPABILITIES, FEATURES, features_of, supported

SOURCE = """vir0
kernel k workgroup(8, 2) {
  buffer x: f64[] read
  buffer flags: u32[4] read_write host
  buffer out: f32[] write
  shared tile: u32[16]
  tile[lid.x + lid.y * 8] = 1
  barrier()
  atomic_add(tile[0], 1)
  atomic_or(flags[1], 2)
  fence(release)
  let big = i64(gid.x)
  out[gid.x] = f32(sin(x[gid.x]))
}
"""


def test_every_feature_of_a_kernel_is_found() -> None:
    kernel = vyre.parse(SOURCE).kernel()
    assert features_of(kernel) == frozenset(FEATURES)


def test_inferred_types_count_after_resolve() -> None:
    kernel = vyre.parse("""vir0
kernel k workgroup(1) {
  buffer out: u32[] write
  let big = 1 + len(out)
  out[0] = big
}
""").kernel()
    assert features_of(resolve(kernel)) == frozenset()


def test_a_plain_kernel_uses_nothing_special() -> None:
    kernel = vyre.parse("""vir0
kernel k workgroup(64) {
  buffer y: f32[] read_write
  y[gid.x] = y[gid.x] * 2.0
}
""").kernel()
    assert features_of(kernel) == frozenset()


def test_capability_table_names_known_features() -> None:
    for backend, features in CAPABILITIES.items():
        assert features <= ALL_FEATURES, backend
    assert supported("cpu_ref") == ALL_FEATURES
    assert supported("some_future_backend") == ALL_FEATURES
