"""The plot view: exact short curves, min/max buckets that keep peaks in bounded memory, and overviews
of whole chunks (or blocks) within the byte and chunk budgets, measured in bytes read."""

from __future__ import annotations

import contextlib
import io
import time
import tracemalloc

import h5py
import numpy as np
import pytest

from h5gui.core.errors import BadRequestError
from h5gui.core.h5 import files
from h5gui.core.preview import plot as preview_plot
from h5gui.core.preview import read_plot

from .preview_data import IMG2D, RNG


def test_plot_small_is_exact(h5):
    p = read_plot(h5, "/line")
    assert p.step == 1 and p.n == 1000 and p.x.dtype == p.y.dtype == np.float64
    np.testing.assert_array_equal(p.y, np.sin(np.linspace(0, 10, 1000)))
    np.testing.assert_array_equal(p.x, np.arange(1000))
    p = read_plot(h5, "/line", start=10, stop=20)
    np.testing.assert_array_equal(p.x, np.arange(10, 20))


def test_plot_rows_columns_and_fields(h5):
    p = read_plot(h5, "/img2d", axis=1, index=(4,))  # row 4
    np.testing.assert_array_equal(p.y, IMG2D[4].astype("f8"))
    p = read_plot(h5, "/img2d", axis=0, index=(0, 3))  # column 3, full index form
    np.testing.assert_array_equal(p.y, IMG2D[:, 3].astype("f8"))
    assert p.x_label == "axis 0"
    p = read_plot(h5, "/compound", x_field="t", y_field="v")
    np.testing.assert_array_equal(p.x, np.arange(100) * 0.5)
    np.testing.assert_array_equal(p.y, np.arange(100) ** 2)
    assert (p.x_label, p.y_label) == ("t", "v")
    assert read_plot(h5, "/compound").y_label == "t"
    with pytest.raises(BadRequestError, match="not a numeric field"):
        read_plot(h5, "/compound", y_field="label")
    with pytest.raises(BadRequestError, match="cannot plot /strings"):
        read_plot(h5, "/strings")
    np.testing.assert_allclose(read_plot(h5, "/complex2d", index=(1,)).y, np.abs(np.arange(10, 20)), rtol=1e-6)


def test_plot_decimation_keeps_peaks_and_memory_bounded(tmp_path, monkeypatch):
    n = 10_000_000
    path = tmp_path / "long.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("signal", shape=(n,), dtype="f8", chunks=(1 << 18,))
        for a in range(0, n, 1 << 21):
            e = min(n, a + (1 << 21))
            ds[a:e] = np.sin(np.arange(a, e) * 1e-4)
        ds[1_234_567] = 50.0
        ds[7_654_321] = -60.0
        ds[9_999_999] = np.nan
    monkeypatch.setattr(preview_plot, "MAX_PLOT_BYTES", 128 * 2**20)  # 80 MB: read it all (min/max buckets)
    tracemalloc.start()
    try:
        p = read_plot(str(path), "/signal", max_points=10_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert p.n == n and p.step == 1000 and len(p.x) == len(p.y) <= 20_000
    assert peak < 30 * 2**20, f"peak {peak / 2**20:.1f} MiB for an 80 MB dataset"
    assert np.nanmax(p.y) == 50.0 and p.x[np.nanargmax(p.y)] == 1_234_567
    assert np.nanmin(p.y) == -60.0 and p.x[np.nanargmin(p.y)] == 7_654_321
    assert np.all(np.diff(p.x) >= 0)  # min/max kept in their order
    assert not p.sampled
    # beyond the value budget: an overview from 3 evenly spaced whole chunks (of 39), min/max buckets in each
    p = read_plot(str(path), "/signal", max_points=10_000, max_read=1_000_000)
    c = 1 << 18
    assert p.sampled and p.step == 13 * c and p.note == "overview from 3 of 39 chunks: zoom in for every value"
    assert np.array_equal(np.unique(p.x // c), [6, 19, 32]) and len(p.y) <= 20_000
    with h5py.File(path) as f:
        for j in (6, 19, 32):
            chunk = f["signal"][j * c : (j + 1) * c]
            mine = p.y[(p.x // c) == j]
            assert (np.nanmin(mine), np.nanmax(mine)) == (np.nanmin(chunk), np.nanmax(chunk))


def test_plot_chunk_budget_and_fill(h5, tmp_path, monkeypatch):
    path = tmp_path / "rows.h5"
    data = np.arange(4000, dtype="f4").reshape(1000, 4)
    with h5py.File(path, "w") as f:
        f.create_dataset("rows", data=data, chunks=(1, 4))  # a column touches one chunk per value
        f.create_dataset("nothing", shape=(10**8,), dtype="f8", chunks=(10**6,), fillvalue=-2.0)
    p = read_plot(str(path), "/rows", axis=0, index=(3,), max_points=1000)  # few chunks: every value
    assert not p.sampled and p.step == 1 and len(p.y) == 1000
    monkeypatch.setattr(preview_plot, "MAX_PLOT_CHUNKS", 100)  # a column touches 1000 chunks: 100 of them
    for max_points in (100, 1000):
        p = read_plot(str(path), "/rows", axis=0, index=(3,), max_points=max_points)
        assert p.sampled and p.step == 10 and p.note == "overview from 100 of 1,000 chunks: zoom in for every value"
        np.testing.assert_array_equal(p.x, np.arange(4, 1000, 10))  # centred: gaps of 4 and 5 at the ends
        np.testing.assert_array_equal(p.y, data[4::10, 3])
    t0 = time.perf_counter()
    p = read_plot(str(path), "/nothing", max_points=1000)
    assert time.perf_counter() - t0 < 0.5
    assert p.n == 10**8 and len(p.y) <= 2000 and np.all(p.y == -2.0) and "fill value" in p.note


@pytest.mark.parametrize("piece", [64, 1 << 19])
def test_plot_decimation_matches_bucket_min_max(h5, tmp_path, monkeypatch, piece):
    monkeypatch.setattr(preview_plot, "PLOT_PIECE", piece)  # 64: buckets larger than a piece
    y = RNG.normal(size=10_007)
    y[100:200] = np.nan
    path = tmp_path / "noise.h5"
    with h5py.File(path, "w") as f:
        f["y"] = y
    p = read_plot(str(path), "/y", max_points=50)
    b = p.step
    assert b == 201 and len(p.y) == 2 * 50
    for k in range(50):
        bucket = y[k * b : (k + 1) * b]
        assert np.nanmin(bucket) == np.nanmin(p.y[2 * k : 2 * k + 2])
        assert np.nanmax(bucket) == np.nanmax(p.y[2 * k : 2 * k + 2])


class CountingFile(io.FileIO):
    """A file that counts the bytes HDF5 reads through it (h5py's file-object driver)."""

    def __init__(self, path, counter):
        super().__init__(path, "rb")
        self.counter = counter

    def readinto(self, b):
        n = super().readinto(b)
        self.counter["bytes"] += n or 0
        return n

    def read(self, size=-1):
        data = super().read(size)
        self.counter["bytes"] += len(data)
        return data


@pytest.fixture
def bytes_read(monkeypatch):
    """Counts the bytes the preview reads from files (``counter["bytes"]``), h5py itself not mocked."""
    counter = {"bytes": 0}

    @contextlib.contextmanager
    def open_file(path, *, write=False):
        assert not write
        with CountingFile(str(path), counter) as fh, h5py.File(fh, "r") as f:
            yield f

    monkeypatch.setattr(files, "open_file", open_file)
    return counter


def measured(counter, call):
    counter["bytes"] = 0
    result = call()
    return result, counter["bytes"]


SIG_N, SIG_CHUNK = 1 << 18, 1 << 13  # 2 MiB of float64 in 32 chunks of 64 KiB
SIG = np.sin(np.arange(SIG_N) * 3e-4) + RNG.normal(0, 0.1, SIG_N)
SIG[[1000, 70_000, 200_000]] = [9.0, -9.0, np.nan]
BUDGET = 256 * 2**10  # 4 chunks
SLACK = 32 * 2**10  # metadata (superblock, object header, chunk index)


@pytest.fixture
def signal_file(tmp_path, monkeypatch) -> str:
    monkeypatch.setattr(preview_plot, "MAX_PLOT_BYTES", BUDGET)
    path = tmp_path / "signal.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("chunked", data=SIG, chunks=(SIG_CHUNK,))
        f.create_dataset("contiguous", data=SIG)
        sparse = f.create_dataset("sparse", shape=(SIG_N,), dtype="f8", chunks=(SIG_CHUNK,), fillvalue=-5.0)
        for j in (11, 27):  # two of the four chunks an overview reads; chunks 3 and 19 hold nothing
            sparse[j * SIG_CHUNK : (j + 1) * SIG_CHUNK] = SIG[j * SIG_CHUNK : (j + 1) * SIG_CHUNK]
        grid = np.arange(256 * 2048, dtype="f4").reshape(256, 2048)
        f.create_dataset("rows", data=grid, chunks=(1, 2048))  # chunks of 8 KiB: a column touches 256
        f.create_dataset("grid", data=grid)  # contiguous, rows 8 KiB apart
    return str(path)


def assert_exact_buckets(p, y, bucket, block=None, origin=0):
    """Every (min, max) pair of ``p`` is the envelope of its bucket of ``y`` at the right x. Buckets of
    ``bucket`` values start at ``origin``, or at the start of every block of ``block`` values."""
    x = p.x.astype(np.int64)
    assert np.array_equal(x, p.x) and np.all(np.diff(x) >= 0)

    def bucket_start(i):
        base = i // block * block if block else origin
        return base + (i - base) // bucket * bucket

    pairs = x.reshape(-1, 2)
    assert np.all(bucket_start(pairs[:, 0]) == bucket_start(pairs[:, 1]))  # both points of a pair in one bucket
    finite = ~np.isnan(p.y)
    np.testing.assert_array_equal(p.y[finite], y[x[finite]])  # values at their true positions
    for k, (x0, _) in enumerate(pairs):
        a = bucket_start(x0)
        values = y[a : min(a + bucket, (a // block + 1) * block if block else len(y))]
        got = p.y[2 * k : 2 * k + 2]
        if np.isnan(values).all():
            assert np.isnan(got).all()
        else:
            assert (np.nanmin(got), np.nanmax(got)) == (np.nanmin(values), np.nanmax(values))


def test_plot_overview_reads_whole_chunks_within_byte_budget(signal_file, bytes_read):
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/chunked", max_points=400))
    assert nbytes <= BUDGET + SLACK  # not the 2 MiB an every-value (or strided) read would touch
    assert p.sampled and p.n == SIG_N and p.note == "overview from 4 of 32 chunks: zoom in for every value"
    read = np.unique(p.x.astype(np.int64) // SIG_CHUNK)
    assert len(read) <= BUDGET // (SIG_CHUNK * 8)
    np.testing.assert_array_equal(read, [3, 11, 19, 27])  # evenly spaced, centred
    assert p.step == 8 * SIG_CHUNK and len(p.y) <= 2 * 400
    for j in read:  # each chunk read whole: its envelope is exact
        chunk = SIG[j * SIG_CHUNK : (j + 1) * SIG_CHUNK]
        mine = p.y[p.x // SIG_CHUNK == j]
        assert (np.nanmin(mine), np.nanmax(mine)) == (np.nanmin(chunk), np.nanmax(chunk))
    assert_exact_buckets(p, SIG, -(-SIG_CHUNK // 100), SIG_CHUNK)  # 100 buckets per chunk (400 points / 4)


def test_plot_zoom_within_budget_is_exact(signal_file, bytes_read):
    start, stop = 5 * SIG_CHUNK, 8 * SIG_CHUNK  # 3 chunks: within the budget of 4
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/chunked", start=start, stop=stop, max_points=64))
    assert not p.sampled and p.step == 384 and p.n == stop - start and nbytes <= 3 * SIG_CHUNK * 8 + SLACK
    assert p.x[0] >= start and p.x[-1] < stop
    assert_exact_buckets(p, SIG[:stop], 384, origin=start)
    p = read_plot(signal_file, "/chunked", start=1000, stop=70_001, max_points=64)  # over budget: overview
    assert p.sampled and p.note == "overview from 3 of 9 chunks: zoom in for every value"  # every 3rd chunk
    assert p.x[0] >= 1000 and p.x[-1] <= 70_000
    p = read_plot(signal_file, "/chunked", start=69_000, stop=71_000)  # short: every value
    assert not p.sampled and p.step == 1 and np.nanmin(p.y) == -9.0
    np.testing.assert_array_equal(p.y, SIG[69_000:71_000])


def test_plot_overview_does_not_read_chunks_with_nothing_stored(signal_file, bytes_read):
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/sparse", max_points=400))
    assert p.sampled and nbytes <= 2 * SIG_CHUNK * 8 + SLACK
    chunk = p.x.astype(np.int64) // SIG_CHUNK
    np.testing.assert_array_equal(np.unique(chunk), [3, 11, 19, 27])
    assert np.all(p.y[(chunk == 3) | (chunk == 19)] == -5.0)
    for j in (11, 27):
        values = SIG[j * SIG_CHUNK : (j + 1) * SIG_CHUNK]
        assert (np.nanmin(p.y[chunk == j]), np.nanmax(p.y[chunk == j])) == (np.nanmin(values), np.nanmax(values))


def test_plot_overview_of_contiguous_data_reads_blocks(signal_file, bytes_read):
    # blocks of an eighth of the budget (32 KiB, 4096 values), 8 of the 64 read
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/contiguous", max_points=400))
    assert nbytes <= BUDGET + SLACK
    assert p.sampled and p.note == "overview from 8 of 64 blocks: zoom in for every value" and p.step == 8 * 4096
    assert_exact_buckets(p, SIG, -(-4096 // 50), 4096)
    assert len(np.unique(p.x.astype(np.int64) // 4096)) == 8
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/contiguous", start=4096, stop=20_480,
                                                       max_points=100))
    assert not p.sampled and nbytes <= 16_384 * 8 + SLACK
    assert_exact_buckets(p, SIG[:20_480], 164, origin=4096)


def test_plot_overview_of_a_column_2d(signal_file, bytes_read):
    grid = np.arange(256 * 2048, dtype="f4").reshape(256, 2048)
    # row-chunked: a column touches one 8 KiB chunk per value, 2 MiB in all; the budget allows 32
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/rows", axis=0, index=(5,)))
    assert nbytes <= BUDGET + SLACK and p.sampled
    assert p.note == "overview from 32 of 256 chunks: zoom in for every value" and p.step == 8
    np.testing.assert_array_equal(p.x, np.arange(3, 256, 8))  # centred: gaps of 3 and 4 at the ends
    np.testing.assert_array_equal(p.y, grid[3::8, 5])
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/rows", axis=1, index=(7,)))  # a row: 1 chunk
    assert not p.sampled and nbytes <= 8192 + SLACK
    np.testing.assert_array_equal(p.y, grid[7])
    # contiguous, rows 8 KiB apart: every sample costs a sieve-buffer read (64 KiB), 4 in the budget
    p, nbytes = measured(bytes_read, lambda: read_plot(signal_file, "/grid", axis=0, index=(5,)))
    assert nbytes <= BUDGET + SLACK and p.sampled and p.note.startswith("overview from 4 of 256 blocks")
    np.testing.assert_array_equal(p.y, grid[p.x.astype(np.int64), 5])
    p = read_plot(signal_file, "/grid", axis=0, index=(5,), start=10, stop=30)  # 20 x 8 KiB: exact
    assert not p.sampled
    np.testing.assert_array_equal(p.y, grid[10:30, 5])

