"""Find objects by name (substring, glob, regex) and by attribute names and values, streaming.

:func:`search` is a job: it walks the file in bounded pieces (one low-level call lists at most
:data:`PAGE` links of a group, each object is opened on its own) so that h5py's lock is never held
for long and the GUI's other jobs get their turn. It yields a :class:`SearchBatch` (a
:class:`~h5gui.core.progress.Progress` carrying the hits found since the previous batch) after every
piece, and returns a :class:`SearchReport` with every hit.

The walk (:func:`h5gui.core.h5.walk.iter_links`, shared with :mod:`h5gui.core.structure`) never
follows soft or external links: a soft link is a hit by its own name, an object reachable by several
hard links is visited (and its attributes searched) once, under the first path met.

Patterns
    ``substring`` (default): the text contains the pattern. ``glob``: shell wildcards (``*``, ``?``,
    ``[abc]``) matching the whole name. ``regex``: Python regular expression searched in the name.
    Names are matched, or whole paths when the pattern contains ``/``. Case-insensitive unless
    ``case_sensitive``.

Modules (each name below is importable from the package; a module is imported on first use, so
``import h5gui.core.search.records`` loads no h5py): :mod:`~h5gui.core.search.records` (SearchHit,
SearchBatch, SearchReport, MODES and the kinds of match), :mod:`~h5gui.core.search.find`
(compile_matcher, search).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from h5gui.core import lazy

if TYPE_CHECKING:  # type checkers see every name; at run time __getattr__ imports its module on first use
    from h5gui.core.search.find import *  # noqa: F403
    from h5gui.core.search.records import *  # noqa: F403

__getattr__, __dir__ = lazy.exports(__name__, {
    "records": ("ATTR_NAME", "ATTR_VALUE", "MODES", "NAME", "HitCollector", "SearchBatch", "SearchHit", "SearchReport"),
    "find": ("MAX_ATTR_VALUE_BYTES", "MAX_VALUE_TEXT", "PAGE", "attr_hits", "clip_text", "compile_matcher", "search",
             "value_texts"),
})
