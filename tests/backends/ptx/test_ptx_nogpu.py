"""The ptx backend's host side, without a GPU: error conversion, availability, argument packing."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

from vyre.backends.base import CompileOptions
from vyre.backends.ptx import context, launch, module
from vyre.backends.ptx import driver as drv
from vyre.backends.ptx.launch import PtxExecutable, Slot
from vyre.errors import ArgumentError, BackendError, BackendUnavailableError, CudaError
from vyre.ir.nodes import Buffer, Kernel, Param
from vyre.ir.ops import Access, Placement, ScalarType

cuda = pytest.importorskip("cuda.bindings.driver")
HAS_GPU = context.unavailable_reason() is None


# --- error conversion -------------------------------------------------------------
def test_failed_call_becomes_cuda_error_naming_call_and_result() -> None:
    fake = (cuda.CUresult.CUDA_ERROR_OUT_OF_MEMORY, None)
    with pytest.raises(CudaError) as info:
        drv.check("cuMemAlloc", fake)
    err = info.value
    assert err.code == "V520"
    assert "cuMemAlloc" in err.message
    assert "CUDA_ERROR_OUT_OF_MEMORY" in err.message
    assert "(2)" in err.message
    assert "smaller buffers" in err.fix


def test_error_carries_detail_and_generic_fix_for_unlisted_results() -> None:
    err = drv.error("cuLinkAddData", cuda.CUresult.CUDA_ERROR_NOT_SUPPORTED, "JIT log:\nline 3: bad")
    assert "cuLinkAddData" in err.message and "CUDA_ERROR_NOT_SUPPORTED" in err.message
    assert "line 3: bad" in err.message
    assert err.fix  # every error has a Fix: hint
    assert "Fix:" in str(err)


def test_unknown_result_code_is_named_by_number() -> None:
    assert drv.result_name(987654) == "CUresult 987654"


def test_success_results_unpack_to_values() -> None:
    ok = cuda.CUresult.CUDA_SUCCESS
    assert drv.check("cuX", (ok,)) is None
    assert drv.check("cuX", (ok, 7)) == 7
    assert drv.check("cuX", (ok, 7, 8)) == (7, 8)


def test_ptx_text_gets_nul_terminated_once() -> None:
    assert drv.c_string(b".version 8.0") == b".version 8.0\0"
    assert drv.c_string(b"x\0") == b"x\0"


def test_jit_target_from_arch_names() -> None:
    assert module._jit_target("sm_90") == cuda.CUjit_target.CU_TARGET_COMPUTE_90
    assert module._jit_target("sm_80") == cuda.CUjit_target.CU_TARGET_COMPUTE_80
    with pytest.raises(BackendError) as info:
        module._jit_target("gfx90a")
    assert "gfx90a" in info.value.message


# --- availability -----------------------------------------------------------------
@pytest.mark.skipif(HAS_GPU, reason="this machine has a GPU")
def test_unavailable_reason_without_gpu_and_registry_refuses() -> None:
    from vyre.backends import registry

    reason = registry._instance("ptx").unavailable_reason()
    assert isinstance(reason, str) and reason
    with pytest.raises(BackendUnavailableError) as info:
        registry.get("ptx")
    assert "ptx" in info.value.message
    with pytest.raises(BackendUnavailableError):
        context.current()


@pytest.mark.skipif(HAS_GPU, reason="this machine has a GPU")
def test_ptx_is_built_offline_without_a_gpu() -> None:
    from vyre.backends.ptx import PtxBackend
    from vyre.ir.infer import resolve
    from vyre.ir.parse import parse

    kernel = resolve(parse(
        "vir0\nkernel k workgroup(64) {\n  buffer y: f32[] read_write\n  y[gid.x] *= 2.0\n}\n"
    ).kernel())
    backend = PtxBackend()
    assert backend.target(CompileOptions()) == "sm_90"
    artifact = backend.build(kernel, CompileOptions(arch="sm_80"))
    assert b".entry k" in artifact and b".target sm_80" in artifact


def test_disabled_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VYRE_DISABLE_CUDA", "1")
    assert "VYRE_DISABLE_CUDA" in context._probe_driver()


class FakeDriver:
    """cuda-python's driver module as seen by a process whose cuInit fails."""

    CUresult = cuda.CUresult

    def __init__(self, init_result, count: int = 1) -> None:
        self.init_result = init_result
        self.count = count

    def cuInit(self, flags):  # noqa: N802 - the driver's name
        return (self.init_result,)

    def cuDeviceGetCount(self):  # noqa: N802
        return (cuda.CUresult.CUDA_SUCCESS, self.count)


def test_forked_child_gets_a_spawn_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VYRE_DISABLE_CUDA", raising=False)
    monkeypatch.setattr(drv, "driver", lambda: FakeDriver(cuda.CUresult.CUDA_ERROR_NOT_INITIALIZED))
    reason = context._probe_driver()
    assert "CUDA_ERROR_NOT_INITIALIZED" in reason and "spawn" in reason


def test_no_device_and_no_driver_reasons(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VYRE_DISABLE_CUDA", raising=False)
    monkeypatch.setattr(drv, "driver", lambda: FakeDriver(cuda.CUresult.CUDA_SUCCESS, count=0))
    assert context._probe_driver() == "no CUDA device is present"
    monkeypatch.setattr(drv, "driver", lambda: FakeDriver(cuda.CUresult.CUDA_ERROR_NO_DEVICE))
    assert "CUDA_ERROR_NO_DEVICE" in context._probe_driver()


def test_target_uses_explicit_arch_without_touching_the_gpu() -> None:
    from vyre.backends.ptx import PtxBackend

    assert PtxBackend().target(CompileOptions(arch="sm_80")) == "sm_80"


# --- argument packing, with a recording stand-in for the driver ----------------------
class FakeCai:
    """A device array as CuPy/PyTorch present it, at a made-up address."""

    def __init__(self, address: int, n: int, typestr: str = "<f4", strides=None, readonly=False):
        self.__cuda_array_interface__ = {
            "shape": (n,), "typestr": typestr, "data": (address, readonly),
            "strides": strides, "version": 3,
        }


SAXPY = Kernel(
    "saxpy", (256,),
    (
        Param("a", ScalarType.F32),
        Buffer("x", ScalarType.F32, None, Access.READ),
        Buffer("y", ScalarType.F32, None, Access.READ_WRITE),
        Buffer("h", ScalarType.U32, 4, Access.READ_WRITE, Placement.HOST),
    ),
    (),
)
SAXPY_SLOTS = [
    Slot("param", "a", ScalarType.F32), Slot("ptr", "x"), Slot("len", "x"),
    Slot("ptr", "y"), Slot("len", "y"),
]
PLAIN = Kernel(
    "plain", (64, 2),
    (
        Param("n", ScalarType.I64),
        Param("flag", ScalarType.BOOL),
        Buffer("x", ScalarType.F32, None, Access.READ),
        Buffer("y", ScalarType.F32, None, Access.READ_WRITE),
    ),
    (),
)
PLAIN_SLOTS = [
    Slot("ptr", "x"), Slot("len", "x"), Slot("ptr", "y"), Slot("len", "y"),
    Slot("param", "n", ScalarType.I64), Slot("param", "flag", ScalarType.BOOL),
]


@pytest.fixture
def launches(monkeypatch: pytest.MonkeyPatch) -> list:
    """Replace the device and the driver's launcher; record each launch's decoded arguments."""
    record: list = []

    class FakeDevice:
        stream = 0

        def make_current(self) -> None:
            pass

    def fake_launcher(function, stream):
        def run(gx, gy, gz, bx, by, bz, shared, params_addr, sync=True):
            record.append(((gx, gy, gz), (bx, by, bz), params_addr))
        return run

    monkeypatch.setattr(launch.context, "current", lambda: FakeDevice())
    monkeypatch.setattr(launch.drv, "launcher", fake_launcher)
    return record


def _read_params(addr: int, types: list) -> list:
    pointers = (ctypes.c_void_p * len(types)).from_address(addr)
    return [ty.from_address(p).value for ty, p in zip(types, pointers, strict=True)]


def test_zero_copy_arguments_are_packed_in_abi_order(launches) -> None:
    exe = PtxExecutable(PLAIN, function=None, slots=PLAIN_SLOTS)
    x, y = FakeCai(0x1000, 300), FakeCai(0x2000, 100)
    out = exe(n=-5, flag=True, x=x, y=y)
    assert out == {"y": y}  # zero-copy results come back as the caller's objects
    (grid, block, addr), = launches
    assert grid == (5, 1, 1)  # ceil(300 / 64): the largest buffer decides
    assert block == (64, 2, 1)
    types = [ctypes.c_uint64, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_uint32,
             ctypes.c_int64, ctypes.c_uint32]
    assert _read_params(addr, types) == [0x1000, 300, 0x2000, 100, -5, 1]
    # A second call rewrites the same preallocated cells.
    exe(grid=(2, 3), n=7, flag=False, x=FakeCai(0x3000, 1), y=FakeCai(0x4000, 2))
    assert launches[1][0] == (2, 3, 1)
    assert launches[1][2] == addr
    assert _read_params(addr, types) == [0x3000, 1, 0x4000, 2, 7, 0]


def test_argument_errors_before_any_launch(launches) -> None:
    exe = PtxExecutable(PLAIN, function=None, slots=PLAIN_SLOTS)
    good = {"n": 1, "flag": True, "x": FakeCai(0x1000, 8), "y": FakeCai(0x2000, 8)}
    cases = [
        ({**good, "z": 1}, "V402", "'z'"),
        ({k: v for k, v in good.items() if k != "n"}, "V401", "'n"),
        ({k: v for k, v in good.items() if k != "x"}, "V401", "'x"),
        ({**good, "x": FakeCai(0x1000, 8, "<i4")}, "V404", "int32"),
        ({**good, "x": FakeCai(0x1000, 8, strides=(8,))}, "V406", "contiguous"),
        ({**good, "y": FakeCai(0x2000, 8, readonly=True)}, "V403", "read-only"),
        ({**good, "x": [1.0, 2.0]}, "V403", "list"),
        ({**good, "n": 2**63}, "V408", "'n"),
        ({**good, "flag": 1}, "V408", "'flag"),
        ({**good, "grid": 0}, "V409", "grid"),
        ({**good, "grid": (1, 2, 3, 4)}, "V409", "grid"),
    ]
    for args, code, words in cases:
        with pytest.raises(ArgumentError) as info:
            exe(**args)
        assert info.value.code == code, args
        assert words in info.value.message
    assert launches == []


def test_numpy_scalars_and_ints_for_floats_follow_the_shared_rules(launches) -> None:
    import numpy as np

    exe = PtxExecutable(PLAIN, function=None, slots=PLAIN_SLOTS)
    exe(n=np.int16(-3), flag=np.bool_(True), x=FakeCai(0x1000, 8), y=FakeCai(0x2000, 8))
    types = [ctypes.c_uint64, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_uint32,
             ctypes.c_int64, ctypes.c_uint32]
    assert _read_params(launches[0][2], types)[4:] == [-3, 1]


def test_host_buffers_refuse_device_arrays(launches) -> None:
    exe = PtxExecutable(SAXPY, function=None, slots=SAXPY_SLOTS)
    with pytest.raises(ArgumentError) as info:
        exe(a=1.0, x=FakeCai(0x1000, 8), y=FakeCai(0x2000, 8), h=FakeCai(0x3000, 4, "<u4"))
    assert info.value.code == "V403"
    assert "host" in info.value.message


def _fake_device_array(n: int, dtype, ptr: int):
    """A DeviceArray as the launch path sees it, without GPU memory behind it."""
    from vyre.backends.ptx.memory import DeviceArray

    a = DeviceArray.__new__(DeviceArray)
    a.shape, a.dtype, a.size, a.ptr, a._finalizer = (n,), np.dtype(dtype), n, ptr, None
    a.nbytes = n * a.dtype.itemsize
    return a


STATIC = Kernel(
    "static", (32,),
    (
        Param("flag", ScalarType.BOOL),
        Buffer("x", ScalarType.U64, 40, Access.READ),
        Param("k", ScalarType.I64),
        Buffer("y", ScalarType.F64, None, Access.WRITE),
        Param("s", ScalarType.F32),
    ),
    (),
)
STATIC_SLOTS = [
    Slot("param", "flag", ScalarType.BOOL), Slot("ptr", "x"), Slot("param", "k", ScalarType.I64),
    Slot("ptr", "y"), Slot("len", "y"), Slot("param", "s", ScalarType.F32),
]
STATIC_TYPES = [ctypes.c_uint8, ctypes.c_uint64, ctypes.c_int64, ctypes.c_uint64, ctypes.c_uint32,
                ctypes.c_float]


def test_short_path_packs_vyre_arrays_without_the_binder(launches, monkeypatch) -> None:
    from vyre.backends import args as binding

    exe = PtxExecutable(STATIC, function=None, slots=STATIC_SLOTS)

    def no_binder(*a, **k):
        raise AssertionError("the short path must not need the shared binder")

    monkeypatch.setattr(binding, "bind", no_binder)
    x = _fake_device_array(40, np.uint64, 0xAA00)
    y = _fake_device_array(100, np.float64, 0xBB00)
    out = exe(flag=True, x=x, k=-(2**63), y=y, s=0.5)
    assert out == {"y": y}
    (grid, block, addr), = launches
    assert grid == (4, 1, 1) and block == (32, 1, 1)  # ceil(100 / 32)
    assert _read_params(addr, STATIC_TYPES) == [1, 0xAA00, -(2**63), 0xBB00, 100, 0.5]
    # numpy scalars and ints for floats still take the short path, through the shared rules
    exe(grid=(2, 2), flag=np.bool_(False), x=x, k=np.int8(3), y=y, s=2)
    assert launches[1][0] == (2, 2, 1)
    assert _read_params(addr, STATIC_TYPES) == [0, 0xAA00, 3, 0xBB00, 100, 2.0]


def test_short_path_hands_mismatches_to_the_binder(launches) -> None:
    exe = PtxExecutable(STATIC, function=None, slots=STATIC_SLOTS)
    y = _fake_device_array(100, np.float64, 0xBB00)
    cases = [
        ({"x": _fake_device_array(40, np.int64, 1)}, "V404"),  # wrong dtype
        ({"x": _fake_device_array(41, np.uint64, 1)}, "V405"),  # wrong static size
        ({"s": 1e39}, "V408"),  # overflows f32
        ({"k": 1.0}, "V408"),  # a float for an integer
    ]
    for change, code in cases:
        args = {"flag": True, "x": _fake_device_array(40, np.uint64, 1), "k": 1, "y": y, "s": 1.0}
        args.update(change)
        with pytest.raises(ArgumentError) as info:
            exe(**args)
        assert info.value.code == code, change
    assert launches == []
