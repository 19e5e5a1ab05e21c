"""What a tree row's dataset can be used for, from its snapshot alone (no read): the menus offer
Transform and Statistics only on datasets of numbers that hold values, as the core's transform and
statistics accept (integers, floats up to 64 bits, bools, enums; not strings, compounds, references,
vlen, complex or empty datasets)."""

from __future__ import annotations

import math
import re

from h5gui.core.kinds import Kind
from h5gui.core.nodes.records import ChildInfo

#: the tree's short dtype words (``h5gui.core.dtypes.describe_dtype(short=True)``) of numbers
_NUMBER = re.compile(r"(enum )?(u?int(8|16|32|64)|float(16|32|64)|bool)")


def is_number_dtype(dtype: str) -> bool:
    """``uint8``, ``float32``, ``bool``, ``enum int8``: True; ``string``, ``compound``, ``complex64``,
    ``vlen int32``, ``object reference``, ``float128``: False."""
    return _NUMBER.fullmatch(dtype.strip()) is not None


def holds_numbers(info: ChildInfo | None) -> bool:
    """A dataset (or a soft link to one) of numbers with at least one value."""
    if info is None or info.effective_kind != Kind.DATASET or not is_number_dtype(info.dtype):
        return False
    return info.shape is not None and math.prod(info.shape) > 0


def is_image_stack(info: ChildInfo | None) -> bool:
    """What Export stack as images accepts: numbers with 3 axes or more (frames, height, width[, channels]),
    or a list of encoded pictures (vlen uint8)."""
    if info is None or info.effective_kind != Kind.DATASET:
        return False
    if info.dtype.strip() == "vlen uint8":
        return True
    return holds_numbers(info) and info.shape is not None and len(info.shape) >= 3
