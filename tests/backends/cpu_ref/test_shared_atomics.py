"""Shared memory, barriers and atomics on cpu_ref.

Atomics are serialised in invocation order (linear global id, x fastest) within a
statement, so the old values each lane sees are deterministic: the references below replay
the operations sequentially in that order with Python integers or numpy scalars.
"""

from __future__ import annotations

import numpy as np
import pytest

REDUCE = """vir0
kernel block_sum workgroup(64) {
  buffer x: u32[] read
  buffer sums: u32[] write
  shared tile: u32[64]
  let i = gid.x
  tile[lid.x] = x[i]
  barrier()
  var width = 32
  while width > 0 {
    if lid.x < width {
      tile[lid.x] = tile[lid.x] + tile[lid.x + width]
    }
    barrier()
    width = width / 2
  }
  if lid.x == 0 { sums[wid.x] = tile[0] }
}
"""


def test_tree_reduction_per_workgroup(run) -> None:
    x = np.random.default_rng(0).integers(0, 1000, 64 * 7 - 13).astype(np.uint32)
    got = run(REDUCE, x=x, sums=np.zeros(7, np.uint32))["sums"]
    padded = np.zeros(64 * 7, np.uint32)
    padded[: len(x)] = x  # out-of-bounds loads give 0
    assert got.tolist() == padded.reshape(7, 64).sum(axis=1).tolist()


def test_shared_arrays_start_zeroed_in_every_workgroup(run) -> None:
    src = """vir0
kernel t workgroup(4) {
  buffer out: u32[] write
  shared s: u32[4]
  let before = s[lid.x]
  barrier()
  s[lid.x] = before + wid.x + 1
  barrier()
  out[gid.x] = s[(lid.x + 1) % 4] * 10 + before
}
"""
    got = run(src, grid=5, out=np.zeros(20, np.uint32))["out"]
    assert got.tolist() == [(w + 1) * 10 for w in range(5) for _ in range(4)]


def test_tiled_transpose_with_2d_workgroups(run) -> None:
    src = """vir0
kernel transpose workgroup(8, 4) {
  param w: u32
  param h: u32
  buffer a: f32[] read
  buffer b: f32[] write
  shared tile: f32[32]
  let x = gid.x
  let y = gid.y
  if x < w && y < h { tile[lid.y * 8 + lid.x] = a[y * w + x] }
  barrier()
  let t = lid.y * 8 + lid.x
  let tx = t % 4
  let ty = t / 4
  let ox = wid.y * 4 + tx
  let oy = wid.x * 8 + ty
  if ox < h && oy < w { b[oy * h + ox] = tile[tx * 8 + ty] }
}
"""
    h, w = 13, 21
    a = np.random.default_rng(3).standard_normal(h * w).astype(np.float32)
    grid = (-(-w // 8), -(-h // 4))
    got = run(src, grid=grid, w=w, h=h, a=a, b=np.zeros(h * w, np.float32))["b"]
    assert np.array_equal(got.reshape(w, h), a.reshape(h, w).T)


def test_3d_workgroup_shared_sum(run) -> None:
    src = """vir0
kernel t workgroup(2, 3, 4) {
  buffer out: u32[] write
  shared s: u32[24]
  let l = lid.x + 2 * lid.y + 6 * lid.z
  s[l] = l + 100 * (wid.x + 2 * wid.y + 4 * wid.z)
  barrier()
  if l == 0 {
    var acc = 0
    for k in 0..24 { acc += s[k] }
    out[wid.x + 2 * wid.y + 4 * wid.z] = acc
  }
}
"""
    got = run(src, grid=(2, 2, 2), out=np.zeros(8, np.uint32))["out"]
    assert got.tolist() == [sum(range(24)) + 24 * 100 * w for w in range(8)]


def test_shared_out_of_bounds(run) -> None:
    src = """vir0
kernel t workgroup(4) {
  buffer out: i32[] write
  shared s: i32[4]
  s[lid.x] = i32(lid.x) + 1
  s[lid.x + 4] = 99
  barrier()
  out[gid.x] = s[i32(lid.x) - 1] + s[lid.x + 1] * 10
}
"""
    got = run(src, grid=2, out=np.zeros(8, np.int32))["out"]
    per_wg = [0 + 20, 1 + 30, 2 + 40, 3 + 0]
    assert got.tolist() == per_wg * 2


# --- atomics -------------------------------------------------------------------------------
def atomic_kernel(op: str, typ: str, nargs: int, target: str = "buffer") -> str:
    args = "".join(f", v{k}[i]" for k in range(nargs))
    decls = "".join(f"  buffer v{k}: {typ}[] read\n" for k in range(nargs))
    if target == "buffer":
        return f"""vir0
kernel t workgroup(32) {{
  buffer addr: u32[] read
{decls}  buffer mem: {typ}[] read_write
  buffer old: {typ}[] write
  let i = gid.x
  if i < len(addr) {{
    let o = atomic_{op}(mem[addr[i]]{args})
    old[i] = o
  }}
}}
"""
    raise AssertionError(target)


DTYPES = {"u32": np.uint32, "i32": np.int32, "u64": np.uint64, "i64": np.int64}

SEQUENTIAL = {
    "add": lambda m, v: m + v, "sub": lambda m, v: m - v, "and": lambda m, v: m & v,
    "or": lambda m, v: m | v, "xor": lambda m, v: m ^ v, "min": min, "max": max,
    "exchange": lambda m, v: v, "store": lambda m, v: v,
    "compare_exchange": lambda m, e, d: d if m == e else m, "load": lambda m: m,
}


def _replay(op, typ, mem, addr, vals):
    mem = [int(x) for x in mem]
    old = []
    t = np.dtype(DTYPES[typ])
    mask = (1 << (8 * t.itemsize)) - 1
    for lane, a in enumerate(addr):
        if a >= len(mem):
            old.append(0)
            continue
        old.append(mem[a])
        new = SEQUENTIAL[op](mem[a], *(int(v[lane]) for v in vals)) & mask
        if t.kind == "i" and new >= 1 << (8 * t.itemsize - 1):
            new -= mask + 1
        mem[a] = new
    return old, mem


@pytest.mark.parametrize("typ", ["u32", "i32", "u64", "i64"])
@pytest.mark.parametrize("op", list(SEQUENTIAL))
@pytest.mark.parametrize("spread", [1, 5, 1000])
def test_integer_atomics_serialise_in_invocation_order(run, typ, op, spread) -> None:
    rng = np.random.default_rng(hash((typ, op, spread)) % 2**32)
    dtype = DTYPES[typ]
    n = 300
    nargs = {"load": 0, "compare_exchange": 2}.get(op, 1)
    addr = rng.integers(0, spread, n).astype(np.uint32)
    addr[::17] = spread + 3  # out of bounds: dropped, returns 0
    info = np.iinfo(dtype)
    small = op == "compare_exchange"
    vals = [rng.integers(0 if small else info.min, 4 if small else info.max, n, dtype=dtype,
                         endpoint=True) for _ in range(nargs)]
    mem = rng.integers(0, 4, spread, dtype=dtype) if small else \
        rng.integers(info.min, info.max, spread, dtype=dtype, endpoint=True)
    args = {f"v{k}": v for k, v in enumerate(vals)}
    out = run(atomic_kernel(op, typ, nargs), addr=addr, mem=mem, old=np.zeros(n, dtype), **args)
    want_old, want_mem = _replay(op, typ, mem, addr, vals)
    assert out["old"].tolist() == want_old
    assert out["mem"].tolist() == want_mem


@pytest.mark.parametrize("typ", ["f32", "f64"])
@pytest.mark.parametrize("op", ["add", "sub", "exchange"])
@pytest.mark.parametrize("hot", [3, 4000])
def test_float_atomics_round_in_invocation_order(run, typ, op, hot) -> None:
    # `hot` lanes on one address exercise the long-segment path, the rest spread out.
    rng = np.random.default_rng(7)
    dtype = np.dtype({"f32": np.float32, "f64": np.float64}[typ])
    n = hot + 200
    addr = np.concatenate([np.zeros(hot, np.uint32), rng.integers(1, 50, 200).astype(np.uint32)])
    v = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 6, n)).astype(dtype)
    mem = rng.standard_normal(50).astype(dtype)
    out = run(atomic_kernel(op, typ, 1), addr=addr, v0=v, mem=mem, old=np.zeros(n, dtype))
    cur = mem.copy()
    want = np.zeros(n, dtype)
    for lane in range(n):
        a = addr[lane]
        want[lane] = cur[a]
        cur[a] = {"add": cur[a] + v[lane], "sub": cur[a] - v[lane], "exchange": v[lane]}[op]
    assert out["old"].tobytes() == want.tobytes()
    assert out["mem"].tobytes() == cur.tobytes()


@pytest.mark.parametrize("op", ["min", "max", "or", "compare_exchange"])
def test_one_hot_address_with_many_lanes(run, op) -> None:
    rng = np.random.default_rng(11)
    n = 5000
    addr = np.zeros(n, np.uint32)
    nargs = 2 if op == "compare_exchange" else 1
    vals = [rng.integers(0, 3 if nargs == 2 else 2**32, n, dtype=np.uint32) for _ in range(nargs)]
    mem = np.array([1], np.uint32)
    args = {f"v{k}": v for k, v in enumerate(vals)}
    out = run(atomic_kernel(op, "u32", nargs), addr=addr, mem=mem, old=np.zeros(n, np.uint32),
              **args)
    want_old, want_mem = _replay(op, "u32", mem, addr, vals)
    assert out["old"].tolist() == want_old and out["mem"].tolist() == want_mem


def test_atomic_counter_gives_each_lane_its_rank(run) -> None:
    src = """vir0
kernel t workgroup(64) {
  buffer flags: u32[] read
  buffer counter: u32[1] read_write
  buffer slot: u32[] write
  let i = gid.x
  if i < len(flags) && flags[i] != 0 {
    let s = atomic_add(counter[0], 1)
    slot[i] = s + 1
  }
}
"""
    flags = np.random.default_rng(5).integers(0, 2, 1000).astype(np.uint32)
    out = run(src, flags=flags, counter=np.array([10], np.uint32), slot=np.zeros(1000, np.uint32))
    ranks = np.cumsum(flags) - flags + 10
    assert out["slot"].tolist() == np.where(flags != 0, ranks + 1, 0).tolist()
    assert out["counter"][0] == 10 + flags.sum()


def test_histogram_on_shared_then_global(run) -> None:
    src = """vir0
kernel hist workgroup(128) {
  buffer data: u32[] read
  buffer bins: u32[16] read_write
  shared local: u32[16]
  let i = gid.x
  if i < len(data) { atomic_add(local[data[i] % 16], 1) }
  barrier()
  if lid.x < 16 { atomic_add(bins[lid.x], local[lid.x], seq_cst) }
}
"""
    data = np.random.default_rng(9).integers(0, 2**32, 5000, dtype=np.uint32)
    out = run(src, data=data, bins=np.zeros(16, np.uint32))["bins"]
    assert out.tolist() == np.bincount(data % 16, minlength=16).tolist()


def test_shared_atomic_old_values_per_workgroup(run) -> None:
    src = """vir0
kernel t workgroup(8) {
  buffer out: u32[] write
  shared c: u32[1]
  let o = atomic_add(c[0], lid.x + 1)
  out[gid.x] = o
}
"""
    got = run(src, grid=3, out=np.zeros(24, np.uint32))["out"]
    per = [sum(range(1, k + 1)) for k in range(8)]
    assert got.tolist() == per * 3


def test_atomics_under_divergence_and_in_loops(run) -> None:
    src = """vir0
kernel t workgroup(16) {
  buffer reps: u32[] read
  buffer total: u64[2] read_write
  let i = gid.x
  if i < len(reps) {
    for k in 0..reps[i] {
      if k % 2 == 0 { atomic_add(total[0], u64(k)) } else { atomic_sub(total[1], 1u64) }
    }
  }
}
"""
    reps = np.random.default_rng(4).integers(0, 12, 45).astype(np.uint32)
    out = run(src, reps=reps, total=np.zeros(2, np.uint64))["total"]
    t0 = sum(k for r in reps for k in range(int(r)) if k % 2 == 0)
    t1 = sum(1 for r in reps for k in range(int(r)) if k % 2 == 1)
    assert out.tolist() == [t0, (-t1) % 2**64]


@pytest.mark.parametrize(
    ("typ", "op"),
    [("f32", "add"), ("f32", "sub"), ("f64", "add"), ("i32", "min"), ("u32", "max"),
     ("u64", "and"), ("i64", "or"), ("u32", "xor"), ("i32", "exchange"), ("u32", "sub"),
     ("u32", "compare_exchange"), ("f32", "load")],
)
def test_atomic_statements_update_in_invocation_order(run, typ, op) -> None:
    # the result of an atomic statement is unused: only the final memory is observable
    nargs = {"load": 0, "compare_exchange": 2}.get(op, 1)
    args = "".join(f", v{k}[i]" for k in range(nargs))
    decls = "".join(f"  buffer v{k}: {typ}[] read\n" for k in range(nargs))
    src = f"""vir0
kernel t workgroup(64) {{
  buffer addr: u32[] read
{decls}  buffer mem: {typ}[] read_write
  let i = gid.x
  if i < len(addr) {{
    atomic_{op}(mem[addr[i]]{args})
  }}
}}
"""
    rng = np.random.default_rng(21)
    n = 3000
    dtype = np.dtype({"f32": np.float32, "f64": np.float64, **DTYPES}[typ])
    addr = rng.integers(0, 6, n).astype(np.uint32)
    addr[::50] = 99  # out of bounds: dropped
    if dtype.kind == "f":
        vals = [(rng.standard_normal(n) * 10.0 ** rng.integers(-4, 7, n)).astype(dtype)
                for _ in range(nargs)]
        mem = rng.standard_normal(6).astype(dtype)
    else:
        hi = 3 if op == "compare_exchange" else np.iinfo(dtype).max
        lo = 0 if op == "compare_exchange" else np.iinfo(dtype).min
        vals = [rng.integers(lo, hi, n, dtype=dtype, endpoint=True) for _ in range(nargs)]
        mem = rng.integers(lo, hi, 6, dtype=dtype, endpoint=True)
    out = run(src, addr=addr, mem=mem, **{f"v{k}": v for k, v in enumerate(vals)})["mem"]
    want = mem.copy()
    step = {
        "add": lambda m, v: m + v, "sub": lambda m, v: m - v, "min": min, "max": max,
        "and": lambda m, v: m & v, "or": lambda m, v: m | v, "xor": lambda m, v: m ^ v,
        "exchange": lambda m, v: v, "compare_exchange": lambda m, e, d: d if m == e else m,
        "load": lambda m: m,
    }[op]
    with np.errstate(all="ignore"):
        for lane in range(n):
            a = addr[lane]
            if a < len(want):
                want[a] = step(want[a], *(v[lane] for v in vals))
    assert out.tobytes() == want.tobytes()


def test_racing_plain_stores_keep_the_last_invocation(run) -> None:
    # docs/semantics.md 8: on cpu_ref the last racing store in invocation order wins
    src = """vir0
kernel t workgroup(8, 2) {
  buffer out: u32[3] write
  let lin = gid.x + gid.y * 16
  out[0] = lin
  if lin % 3 == 1 { out[1] = lin }
  out[lin % 2 + 1] = 1000 + lin
}
"""
    got = run(src, grid=(2, 3))["out"]
    n = 16 * 6
    assert got.tolist() == [n - 1, 1000 + max(i for i in range(n) if i % 2 == 0),
                            1000 + max(i for i in range(n) if i % 2 == 1)]
