"""The image view's caption of a frame of a stack of samples: the sample's label and class name, read
with the frame from the labels beside the stack (one element), never from data outside the file."""

from __future__ import annotations

import h5py
import numpy as np

from h5gui.core.preview import read_image
from h5gui.core.preview.records import ImageRequest


def frame(path, h5path, i, axes=(1, 2, None)):
    return read_image(str(path), h5path, ImageRequest(axes=axes, index=(i, 0, 0, 0)[: 3 + (axes[2] is not None)]))


def test_a_frame_says_its_label_and_class(tmp_path):
    p = tmp_path / "mnist.h5"
    with h5py.File(p, "w") as f:
        f["train/images"] = np.zeros((6, 8, 8), np.uint8)
        f["train/labels"] = np.array([3, 1, 4, 1, 5, 9])
        f["train"].attrs["class_names"] = [f"c{i}" for i in range(6)]
        f["x_test"] = np.zeros((3, 8, 8, 3), np.uint8)
        f["y_test"] = np.array([2, 0, 1], np.uint8)
        f["class_names"] = np.array([b"cat", b"dog", b"bird"])
        f["lonely"] = np.zeros((4, 8, 8), np.float32)
        f["picture"] = np.zeros((8, 8, 3), np.uint8)
    s = frame(p, "/train/images", 2)
    assert (s.label, s.label_source) == ("4 (c4)", "/train/labels[2]")
    assert frame(p, "/train/images", 5).label == "9"  # no name for class 9: the number alone
    s = frame(p, "/x_test", 0, axes=(1, 2, 3))  # colour samples; names from the class_names dataset
    assert (s.label, s.label_source) == ("2 (bird)", "/y_test[0]")
    assert frame(p, "/lonely", 1).label == ""
    picture = read_image(str(p), "/picture", ImageRequest(axes=(0, 1, 2), index=(0, 0, 0)))
    assert picture.label == "" and picture.rgb


def test_labels_stored_outside_the_file_are_not_read_for_a_caption(tmp_path):
    raw = tmp_path / "labels.bin"
    np.arange(5, dtype="<i4").tofile(raw)
    p = tmp_path / "ext.h5"
    with h5py.File(p, "w") as f:
        f["images"] = np.zeros((5, 4, 4), np.uint8)
        f.create_dataset("labels", shape=(5,), dtype="<i4", external=[(str(raw), 0, 20)])
    s = frame(p, "/images", 3)
    assert (s.label, s.label_source) == ("", "")
    assert s.data.shape == (4, 4)  # the frame itself is shown


def test_labels_of_a_type_numpy_lacks_are_not_labels(tmp_path):
    """A 'labels' dataset of the HDF5 time class (or damaged into it) beside a healthy stack: the stack's
    preview, frames, sample grid and loader snippet failed with 'Unexpected error: No NumPy equivalent
    for TypeTimeID exists' (found by fuzzing)."""
    from h5gui.core.preview.start import preview_start
    from h5gui.core.progress import run
    from h5gui.core.samples import SampleSpec, sample_grid
    from h5gui.core.snippets import snippet

    p = tmp_path / "time.h5"
    with h5py.File(p, "w") as f:
        f["stack/images"] = np.zeros((12, 20, 24), "u1")
        h5py.h5d.create(f["stack"].id, b"labels", h5py.h5t.UNIX_D32LE, h5py.h5s.create_simple((12,)))
    s = frame(p, "/stack/images", 3)
    assert s.label == "" and s.data.shape == (20, 24)
    info, _request, _first = run(preview_start(str(p), "/stack/images"))
    assert not info.error and "image" in info.views
    grid = run(sample_grid(SampleSpec(file=str(p), path="/stack/images", n=4)))
    assert len(grid.samples) == 4 and grid.labels == ""
    assert "stack/images" in snippet(str(p), "/stack/images", torch=True)


def test_a_caption_never_costs_a_big_read_or_the_frame(tmp_path):
    """Labels in one big chunk (an 80 MiB one, in a 600 KB file, which the table view refuses) were read whole for every
    frame, 2 s and 690 MB each; a damaged labels dataset made every frame of the healthy stack fail
    (found in review). Now: no caption, and the frame."""
    import time

    from corpus import write_damaged_labels

    big = tmp_path / "bigchunk.h5"
    with h5py.File(big, "w") as f:
        f["images"] = np.zeros((5, 8, 8), np.uint8)
        f.create_dataset("labels", data=np.arange(5), maxshape=(None,), chunks=(2**20,), compression="gzip")  # 8 MiB
        f.attrs["class_names"] = ["x" * 1000] * 2000  # 2 MB of names on the group: not read for a caption
    t0 = time.perf_counter()
    s = frame(big, "/images", 2)
    assert (s.label, s.data.shape) == ("", (8, 8)) and time.perf_counter() - t0 < 1.0

    bad = write_damaged_labels(tmp_path / "damaged.h5")
    s = frame(bad, "/images", 1)
    assert (s.label, s.data.shape) == ("", (8, 8))


def test_class_names_in_a_small_attribute_still_name_the_class(tmp_path):
    p = tmp_path / "names.h5"
    with h5py.File(p, "w") as f:
        f["images"] = np.zeros((5, 8, 8), np.uint8)
        f.create_dataset("labels", data=np.array([0, 1, 0, 1, 1]), chunks=(2,))
        f["class_names"] = np.array([b"cat", b"dog"])
    assert frame(p, "/images", 1).label == "1 (dog)"
