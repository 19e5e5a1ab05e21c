"""Display levels of 8/16-bit frames counted, not sorted: the same values as np.percentile."""

from __future__ import annotations

import numpy as np
import pytest

from h5gui.core.preview.image import image_stats


@pytest.mark.parametrize("dtype,top", [(np.uint8, 256), (np.uint16, 65536), (np.uint16, 5)])
@pytest.mark.parametrize("n", [1, 2, 7, 1001, 250_000])
def test_levels_of_unsigned_frames_equal_numpy_percentiles(dtype, top, n):
    data = np.random.default_rng(n).integers(0, top, n).astype(dtype).reshape(1, -1)
    for ps in ((0.5, 99.5), (0.0, 100.0), (2.0, 98.0)):
        levels, minmax, _ = image_stats(data, False, ps)
        expected = np.percentile(data, ps)
        if not expected[1] > expected[0]:  # a flat frame: its min and max (or max + 1)
            continue
        assert levels == pytest.approx(tuple(expected))
        assert minmax == (data.min(), data.max())
