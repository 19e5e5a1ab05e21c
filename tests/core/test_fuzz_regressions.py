"""Classes of failures found by fuzzing (helper-27: ~6,000 mutants of new seed files, 1.3 million
supervised jobs), each as the smallest file that shows it; every one was an 'Unexpected error', a
meaningless reason or a failure blamed on a healthy object."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from corpus import write_damaged_labels

from h5gui.core.attrs import list_attrs
from h5gui.core.errors import UnreadableError
from h5gui.core.nodes import describe
from h5gui.core.preview import read_table, read_text
from h5gui.core.progress import run


def test_a_long_double_is_shown(tmp_path: Path) -> None:
    """Was 'Unexpected error: maximum recursion depth exceeded' and the object's whole attribute table lost
    (numpy's long double is its own .item())."""
    p = tmp_path / "ld.h5"
    with h5py.File(p, "w") as f:
        ds = f.create_dataset("x", data=np.arange(3.0))
        ds.attrs["rate"] = np.longdouble(1.5)
        ds.attrs["ok"] = 1
        f["ld"] = np.longdouble(2.5)
    assert {a.name: a.value for a in list_attrs(str(p), "/x")} == {"rate": "1.5", "ok": "1"}
    assert describe(str(p), "/ld").value == "2.5" and read_text(str(p), "/ld") == "2.5"


def test_a_float_layout_h5py_cannot_map_is_named_so(tmp_path: Path) -> None:
    """Was 'default_spec /v in F.h5 failed: 63, 52, 11, 0, 52 (libhdf5: ...)': h5py's numbers taken for
    libhdf5's reason by the I/O process."""
    from h5gui.core.errors import libhdf5_reason
    from h5gui.core.transform import default_spec

    p = tmp_path / "weird.h5"
    with h5py.File(p, "w") as f:
        t = h5py.h5t.IEEE_F64LE.copy()
        t.set_ebias(16712703)
        h5py.h5d.create(f.id, b"v", t, h5py.h5s.create_simple((4, 10)))
    with pytest.raises(UnreadableError, match=r"^cannot read /v: h5py cannot map its datatype"):
        default_spec(str(p), "/v")  # the transform wizard's defaults: was the bare ValueError
    with h5py.File(p) as f, pytest.raises(ValueError) as info:
        f["v"].dtype  # noqa: B018 - what h5py raises
    assert libhdf5_reason(info.value) == "h5py cannot map its datatype (an unusual floating-point layout)"


def test_a_damaged_compressed_chunk_of_strings_is_one_line(tmp_path: Path) -> None:
    """Was 'Unexpected error: Error -3 while decompressing data' from h5gui's own size check."""
    p = tmp_path / "zip.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("s", data=np.array(["x" * i for i in range(30)], dtype=object),
                         dtype=h5py.string_dtype(), chunks=(8,), compression="gzip")
        offset = f["s"].id.get_chunk_info(0).byte_offset
    data = bytearray(p.read_bytes())
    data[offset] ^= 0xFF  # the zlib header of the first chunk
    p.write_bytes(bytes(data))
    for read in (lambda: read_table(str(p), "/s", 0, 5, 0, 1), lambda: read_text(str(p), "/s")):
        with pytest.raises(UnreadableError, match=r"^cannot read /s: its chunk at \(0,\) does not decompress"):
            read()


def test_a_damaged_labels_dataset_is_named_and_spares_its_stack(tmp_path: Path) -> None:
    """Was: the stack's sample grid and loader snippet failed, blamed on the stack, and the labels were
    'No object /labels' (an I/O error reported as a missing object)."""
    from h5gui.core.samples import SampleSpec, sample_grid
    from h5gui.core.snippets import snippet

    p = write_damaged_labels(tmp_path / "damaged.h5")
    grid = run(sample_grid(SampleSpec(file=str(p), path="/images", n=3)))
    assert len(grid.samples) == 3 and grid.labels == ""
    assert "labels" not in snippet(str(p), "/images", torch=True).split("LABELS =")[1].splitlines()[0]
    with pytest.raises(UnreadableError, match=r"^Cannot open /labels in .*damaged\.h5: .*\(the file may be damaged\)$"):
        describe(str(p), "/labels")


def test_levels_of_int64_extremes_stay_inside_the_data() -> None:
    """np.percentile of int64 extremes overflowed in int64: levels (-9.36e18, 9.08e18) for data from
    -2**63 (found by fuzzing)."""
    from h5gui.core.preview.image import image_stats

    data = np.array([[-(2**63), 2**63 - 1], [0, 5]], dtype=np.int64)
    (lo, hi), _minmax, _nonfinite = image_stats(data, False, (0.5, 99.5))
    assert -(2.0**63) <= lo < hi <= 2.0**63


def test_a_job_on_a_name_with_a_line_break_is_described_on_one_line() -> None:
    from h5gui.core.ioproc import FuncRef
    from h5gui.core.ioproc.jobs import describe as describe_job

    assert describe_job(FuncRef("m", "f"), ("/data/F.h5", "/a\nb"), "reading") == "reading /a\\nb in F.h5"
