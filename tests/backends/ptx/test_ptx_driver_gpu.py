"""The driver layer on a real GPU, with hand-written PTX (independent of vyre.lower)."""

from __future__ import annotations

import numpy as np
import pytest

from vyre.backends.ptx import DeviceArray, HostMappedArray, context, host_mapped, module, to_device
from vyre.backends.ptx.launch import PtxExecutable, Slot
from vyre.errors import CudaError
from vyre.ir.nodes import Buffer, Kernel, Param
from vyre.ir.ops import Access, Placement, ScalarType

pytestmark = pytest.mark.gpu

SAXPY_PTX = b"""
.version 7.8
.target sm_80
.address_size 64

.visible .entry saxpy(.param .f32 a, .param .u64 x, .param .u32 xn, .param .u64 y, .param .u32 yn)
{
    .reg .pred %p<3>;
    .reg .b32 %r<8>;
    .reg .f32 %f<5>;
    .reg .b64 %rd<8>;
    ld.param.f32 %f1, [a];
    ld.param.u64 %rd1, [x];
    ld.param.u64 %rd2, [y];
    ld.param.u32 %r1, [yn];
    ld.param.u32 %r6, [xn];
    mov.u32 %r2, %ctaid.x;
    mov.u32 %r3, %ntid.x;
    mov.u32 %r4, %tid.x;
    mad.lo.s32 %r5, %r2, %r3, %r4;
    setp.ge.u32 %p1, %r5, %r1;
    @%p1 bra DONE;
    setp.ge.u32 %p2, %r5, %r6;
    @%p2 bra DONE;
    cvta.to.global.u64 %rd3, %rd1;
    cvta.to.global.u64 %rd4, %rd2;
    mul.wide.u32 %rd5, %r5, 4;
    add.s64 %rd6, %rd3, %rd5;
    add.s64 %rd7, %rd4, %rd5;
    ld.global.f32 %f2, [%rd6];
    ld.global.f32 %f3, [%rd7];
    fma.rn.f32 %f4, %f1, %f2, %f3;
    st.global.f32 [%rd7], %f4;
DONE:
    ret;
}
"""

# h[i] = 3 * i + k for i < len(h): the host sees the writes through mapped memory.
FILL_PTX = b"""
.version 7.8
.target sm_80
.address_size 64

.visible .entry fill(.param .u64 h, .param .u32 hn, .param .u32 k)
{
    .reg .pred %p<2>;
    .reg .b32 %r<9>;
    .reg .b64 %rd<5>;
    ld.param.u64 %rd1, [h];
    ld.param.u32 %r1, [hn];
    ld.param.u32 %r7, [k];
    mov.u32 %r2, %ctaid.x;
    mov.u32 %r3, %ntid.x;
    mov.u32 %r4, %tid.x;
    mad.lo.s32 %r5, %r2, %r3, %r4;
    setp.ge.u32 %p1, %r5, %r1;
    @%p1 bra DONE;
    mad.lo.s32 %r6, %r5, 3, %r7;
    cvta.to.global.u64 %rd2, %rd1;
    mul.wide.u32 %rd3, %r5, 4;
    add.s64 %rd4, %rd2, %rd3;
    st.global.u32 [%rd4], %r6;
DONE:
    ret;
}
"""

F32, U32 = ScalarType.F32, ScalarType.U32
SAXPY = Kernel(
    "saxpy", (128,),
    (Param("a", F32), Buffer("x", F32, None, Access.READ), Buffer("y", F32, None, Access.READ_WRITE)),
    (),
)
SAXPY_SLOTS = [Slot("param", "a", F32), Slot("ptr", "x"), Slot("len", "x"), Slot("ptr", "y"),
               Slot("len", "y")]
FILL = Kernel(
    "fill", (32,),
    (Buffer("h", U32, None, Access.WRITE, Placement.HOST), Param("k", U32)),
    (),
)
FILL_SLOTS = [Slot("ptr", "h"), Slot("len", "h"), Slot("param", "k", U32)]


def _exe(ptx: bytes, kernel: Kernel, slots: list[Slot], cubin: bool = True) -> PtxExecutable:
    image = module.link_ptx(ptx) if cubin else ptx
    loaded = module.load_image(image)
    return PtxExecutable(kernel, loaded.function(kernel.name), slots, module=loaded)


@pytest.fixture(scope="module")
def saxpy() -> PtxExecutable:
    return _exe(SAXPY_PTX, SAXPY, SAXPY_SLOTS)


def fma32(a: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """f32 fused multiply-add: the f64 sum is exact for these inputs, so one rounding."""
    return (np.float64(np.float32(a)) * x.astype(np.float64) + y.astype(np.float64)).astype(np.float32)


def _data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)


def test_link_gives_a_cubin_that_loads_and_functions_are_cached() -> None:
    cubin = module.link_ptx(SAXPY_PTX)
    assert cubin.startswith(module.ELF_MAGIC)
    loaded = module.load_image(cubin)
    assert module.load_image(cubin) is loaded
    assert loaded.function("saxpy") is loaded.function("saxpy")


@pytest.mark.parametrize("cubin", [True, False], ids=["cubin", "ptx"])
@pytest.mark.parametrize("n", [1, 127, 128, 1000, 100_003])
def test_saxpy_numpy_arguments(n: int, cubin: bool) -> None:
    exe = _exe(SAXPY_PTX, SAXPY, SAXPY_SLOTS, cubin)
    x, y = _data(n, n)
    y_before = y.copy()
    out = exe(a=np.float32(1.5), x=x, y=y)
    assert set(out) == {"y"}
    assert isinstance(out["y"], np.ndarray) and out["y"].dtype == np.float32
    np.testing.assert_array_equal(out["y"], fma32(1.5, x, y_before))
    np.testing.assert_array_equal(y, y_before)  # the caller's numpy input is left alone


def test_device_arrays_stay_resident(saxpy) -> None:
    x, y = _data(5000, 1)
    dx, dy = to_device(x), to_device(y)
    out = saxpy(a=2.0, x=dx, y=dy)
    assert out["y"] is dy
    out = saxpy(a=-1.0, x=dx, y=dy)  # chained on the device, no host round trip
    expected = fma32(-1.0, x, fma32(2.0, x, y))
    np.testing.assert_array_equal(dy.numpy(), expected)
    np.testing.assert_array_equal(dx.copy_to_host(), x)


def test_explicit_grid_limits_the_work(saxpy) -> None:
    x, y = _data(1000, 2)
    out = saxpy(grid=2, a=1.0, x=x, y=y)["y"]  # 2 workgroups of 128 cover 256 elements
    np.testing.assert_array_equal(out[:256], fma32(1.0, x[:256], y[:256]))
    np.testing.assert_array_equal(out[256:], y[256:])


def test_device_array_basics() -> None:
    z = DeviceArray.zeros((3, 4), np.int64)
    assert z.shape == (3, 4) and z.dtype == np.int64 and z.nbytes == 96
    np.testing.assert_array_equal(z.numpy(), np.zeros((3, 4), np.int64))
    empty = to_device(np.zeros(0, np.float32))
    assert empty.numpy().shape == (0,)
    z.free()
    assert z.ptr == 0


def test_cupy_arrays_are_used_in_place(saxpy) -> None:
    cp = pytest.importorskip("cupy")
    x, y = _data(3000, 3)
    cx, cy = cp.asarray(x), cp.asarray(y)
    out = saxpy(a=0.5, x=cx, y=cy)
    assert out["y"] is cy
    np.testing.assert_array_equal(cp.asnumpy(cy), fma32(0.5, x, y))
    # and the other way round: CuPy reads a vyre DeviceArray without a copy
    d = to_device(x)
    np.testing.assert_array_equal(cp.asnumpy(cp.asarray(d)), x)


def test_torch_tensors_are_used_in_place(saxpy) -> None:
    torch = pytest.importorskip("torch")
    x, y = _data(3000, 4)
    tx, ty = torch.from_numpy(x).cuda(), torch.from_numpy(y).cuda()
    ty_ptr = ty.data_ptr()
    out = saxpy(a=3.0, x=tx, y=ty)
    assert out["y"] is ty and ty.data_ptr() == ty_ptr
    np.testing.assert_array_equal(ty.cpu().numpy(), fma32(3.0, x, y))
    # a non-contiguous view is refused rather than silently misread
    from vyre.errors import ArgumentError

    with pytest.raises(ArgumentError):
        saxpy(a=1.0, x=tx[::2], y=ty[:1500])


def test_host_mapped_buffer_from_numpy_and_in_place() -> None:
    exe = _exe(FILL_PTX, FILL, FILL_SLOTS)
    h = np.full(100, 7, np.uint32)
    out = exe(h=h, k=5)["h"]
    np.testing.assert_array_equal(out, 3 * np.arange(100, dtype=np.uint32) + 5)
    mapped = host_mapped(np.zeros(70, np.uint32))
    assert isinstance(mapped, HostMappedArray)
    view = mapped.numpy()
    assert exe(h=mapped, k=1)["h"] is mapped
    np.testing.assert_array_equal(view, 3 * np.arange(70, dtype=np.uint32) + 1)  # live view


def test_host_mapped_buffer_refuses_device_memory() -> None:
    from vyre.errors import ArgumentError

    exe = _exe(FILL_PTX, FILL, FILL_SLOTS)
    with pytest.raises(ArgumentError) as info:
        exe(h=to_device(np.zeros(4, np.uint32)), k=1)
    assert info.value.code == "V403"


def test_bad_ptx_fails_in_cuModuleLoadData_with_the_jit_log() -> None:
    bad = SAXPY_PTX.replace(b"fma.rn.f32 %f4, %f1, %f2, %f3;", b"fma.rn.f32 %f4, %f1, %nope, %f3;")
    with pytest.raises(CudaError) as info:
        module.load_image(bad)
    msg = info.value.message
    assert "cuModuleLoadData" in msg and "CUDA_ERROR_INVALID_PTX" in msg
    assert "JIT log" in msg and "nope" in msg


def test_bad_ptx_fails_in_cuLinkAddData_with_the_jit_log() -> None:
    with pytest.raises(CudaError) as info:
        module.link_ptx(b".version 7.8\n.target sm_80\n.address_size 64\n.visible .entry k( {")
    msg = info.value.message
    assert "cuLinkAddData" in msg and "JIT log" in msg


def test_garbage_image_is_a_cuda_error() -> None:
    with pytest.raises(CudaError) as info:
        module.load_image(b"\x7fELF not really")
    assert "cuModuleLoadData" in info.value.message


def test_oversized_workgroup_fails_in_cuLaunchKernel() -> None:
    big = Kernel("saxpy", (2048,), SAXPY.decls, ())
    exe = _exe(SAXPY_PTX, big, SAXPY_SLOTS)
    x, y = _data(10, 5)
    with pytest.raises(CudaError) as info:
        exe(a=1.0, x=x, y=y)
    assert "cuLaunchKernel" in info.value.message
    # the context survives a refused launch
    saxpy_ok = _exe(SAXPY_PTX, SAXPY, SAXPY_SLOTS)
    np.testing.assert_array_equal(saxpy_ok(a=1.0, x=x, y=y)["y"], x + y)


def test_device_facts() -> None:
    dev = context.current()
    assert dev.arch.startswith("sm_") and dev.multiprocessors > 0 and dev.name
