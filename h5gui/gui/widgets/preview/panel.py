"""The preview area: picks the best view for the selected dataset (image, table, plot, text), offers the
others, and reads only what is shown through latest-wins jobs in the I/O process."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from h5gui.core import api
from h5gui.core.errors import H5GuiError, ReaderCrashedError, UnsafeAccessError
from h5gui.gui.widgets.banner import Banner
from h5gui.gui.widgets.preview.axes_bar import AxesBar
from h5gui.gui.widgets.preview.first_frame import first_frame_guess
from h5gui.gui.widgets.preview.memory import configure_axes, element_note, is_sibling, remember
from h5gui.gui.widgets.preview.preload import ViewWarmer
from h5gui.gui.widgets.preview.requests import (
    PLOT_POINTS,
    VIEW_LABELS,
    VIEW_TIPS,
    image_axes,
    image_request,
    table_size,
)
from h5gui.gui.widgets.preview.views import build_view
from h5gui.gui.workers import JobRunner

if TYPE_CHECKING:  # the records come with numpy: imported with the first preview, not at start-up
    from h5gui.core.preview.records import ImageSlice, PlotData, PreviewInfo
    from h5gui.gui.widgets.preview.image_view import ImageView

log = logging.getLogger(__name__)

class PreviewPanel(QWidget):
    """``show_node(file, path)`` for datasets, ``show_message(text)`` for anything else."""

    confirm_external = Signal(str, str)  # file, path: the user allows reading data outside the folder
    retry_requested = Signal(str, str)  # file, path: read it again although it broke the reader ("Try again")
    # (file, path, row0, col0, rows of texts, axes, index): the table asks to write values
    write_requested = Signal(str, str, int, int, list, object, object)
    shown = Signal(str)  # the view that just displayed data (tests, screenshots)
    member_activated = Signal(str, str)  # file, path: a member of the group shown was double-clicked

    def __init__(self, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.info: PreviewInfo | None = None
        self.view = ""
        self._target: tuple[str, str, bool] | None = None
        self._gen = 0
        self._pending: set[str] = set()
        self._memory: dict[str, Any] = {}
        self._views: dict[str, QWidget] = {}
        self._image: ImageView | None = None  # the image view, once built
        self._warmer = ViewWarmer(self)
        self._first: tuple[Any, ImageSlice] | None = None  # (request, frame) read with the info, until used

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(2)
        header = QHBoxLayout()
        header.setContentsMargins(4, 2, 4, 0)
        self.buttons = QButtonGroup(self)
        self.buttons.setExclusive(True)
        self.view_buttons: dict[str, QToolButton] = {}
        for name in ("image", "encoded", "table", "plot", "text"):
            b = QToolButton(self)
            b.setText(VIEW_LABELS[name])
            b.setToolTip(VIEW_TIPS[name])
            b.setCheckable(True)
            b.setAutoRaise(True)
            b.clicked.connect(lambda _c=False, n=name: self.set_view(n))
            b.hide()
            self.buttons.addButton(b)
            self.view_buttons[name] = b
            header.addWidget(b)
        self.summary = QLabel("", self)
        self.summary.setStyleSheet("color: #555;")
        header.addSpacing(12)
        header.addWidget(self.summary, 1)
        layout.addLayout(header)
        self.banner = Banner(self)
        self.banner.action_clicked.connect(self._on_banner_action)
        layout.addWidget(self.banner)
        self.axes_bar = AxesBar(self)
        self.axes_bar.changed.connect(self._on_axes_changed)
        layout.addWidget(self.axes_bar)
        self.stack = QStackedWidget(self)
        self.message = QLabel("Select a dataset to preview it", self)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #808080;")
        self.stack.addWidget(self.message)
        layout.addWidget(self.stack, 1)
        self._loading_timer = QTimer(self)
        self._loading_timer.setSingleShot(True)
        self._loading_timer.setInterval(150)  # no flicker for fast reads
        self._loading_timer.timeout.connect(lambda: self.summary.setText(self.summary.text() + "  loading..."))
        self._unsafe: tuple[str, str] | None = None
        self._retry: tuple[str, str] | None = None
        self._force = False  # read the target even though it broke the reader before (the user said so)
        self.editable = False

    def set_editable(self, on: bool) -> None:
        self.editable = on
        table = self._views.get("table")
        if table is not None:
            table.set_editable(on)  # type: ignore[attr-defined]

    def _on_write_requested(self, row0: int, col0: int, rows: list) -> None:
        src = self.table_view.model.source()
        if src is None:
            return
        file, path, axes, index = src
        self.write_requested.emit(file, path, row0, col0, rows, axes, index)

    def frame_index(self) -> tuple[int, ...]:
        """The index on the axes before the image axes of the frame shown (() unless a stack is shown)."""
        return self.axes_bar.leading_index() if self.view in ("image", "encoded") else ()

    def shown_image_style(self) -> tuple[tuple[float, float], str | None] | None:
        """(levels, colormap; None for colour) of the image on screen, or None when none is shown."""
        return self._image.drawn_style() if self.view == "image" and self._image is not None else None

    def shown_image_log(self) -> bool:
        """Whether the image on screen is drawn on a log scale (its style's levels are values)."""
        return self.view == "image" and self._image is not None and self._image.log_scale

    def shown_complex_part(self) -> str:
        """What the image view shows of complex values (abs, phase, real, imag)."""
        return self._image.complex_mode if self._image is not None else "abs"

    def shown_plane(self) -> tuple[str, str, tuple[int, int, int | None], tuple[int, ...]] | None:
        """(file, path, image axes, index on every axis) of the image on screen, or None when none is."""
        info, target = self.info, self._target
        if self.view != "image" or info is None or target is None:
            return None
        chosen = self.axes_bar.axes() if self.axes_bar.mode == "image" else None
        axes = image_axes(chosen, info)
        return target[0], target[1], axes, self.axes_bar.index() or tuple(0 for _ in info.shape or ())

    def refresh_table(self) -> None:
        table = self._views.get("table")
        if table is not None:
            table.model.refresh()  # type: ignore[attr-defined]

    # ================================================================== views (created on first use)
    def _view_widget(self, name: str) -> QWidget:
        key = "image" if name == "encoded" else name
        w = self._views.get(key)
        if w is None:
            w = self._views[key] = build_view(self, key)
            if key == "image":
                self._image = w  # type: ignore[assignment]
            self.stack.addWidget(w)
        return w

    def warm_up(self) -> None:
        """Get pyqtgraph and the plotting views' modules ready (see :class:`ViewWarmer`); the views are built
        on first use."""
        if "image" not in self._views:
            self._warmer.start()

    def wait_warm_up(self, timeout: float = 10.0) -> None:
        """Let a running preload finish (exiting while a thread imports Qt modules can crash)."""
        self._warmer.wait(timeout)

    @property
    def image_view(self) -> Any:
        return self._view_widget("image")

    @property
    def table_view(self) -> Any:
        return self._view_widget("table")

    @property
    def plot_view(self) -> Any:
        return self._view_widget("plot")

    @property
    def text_view(self) -> Any:
        return self._view_widget("text")

    # ================================================================== entry points
    def show_node(self, file: str, path: str, allow_external: bool = False, force: bool = False) -> None:
        self._remember()
        self._gen += 1
        self._target, self._force, self._retry = (file, path, allow_external), force, None
        self.info = None  # the controls stay until this one's info replaces them (no flicker between siblings)
        self.axes_bar.stop()
        self.banner.hide()
        self.summary.setText(path.rsplit("/", 1)[-1])
        self._loading_timer.start()
        gen, self._first = self._gen, None
        template, sibling = first_frame_guess(self._memory, self._image.complex_mode if self._image else "abs")
        self._submit("info", api.preview.preview_start, file, path, template, sibling, allow_external=allow_external,
                     key="preview-info", on_result=lambda r: self._on_start(gen, r),
                     on_error=lambda err: self._on_error(gen, err))

    def _on_start(self, gen: int, result: tuple[Any, Any, Any]) -> None:
        """The info, and the frame the image view asks for first when it was read in the same job."""
        if gen == self._gen:
            self._first = (result[1], result[2]) if result[2] is not None else None
            self._on_info(gen, result[0])
            self._first = None  # used by the first request only

    def show_failed(self, file: str, path: str, reason: str) -> None:
        """``path`` broke the reader before: say why, read nothing, offer "Try again"."""
        self.show_message("Not read again automatically")
        self._retry = (file, path)
        self.banner.show_message(reason, "error", "Try again")

    def show_message(self, text: str) -> None:
        self._remember()
        self._gen += 1
        self._target, self._retry, self._unsafe = None, None, None
        self.info = None
        self.view = ""
        self.axes_bar.stop()
        self.axes_bar.hide()
        self.banner.hide()
        self._loading_timer.stop()
        for b in self.view_buttons.values():
            b.hide()
        self.summary.setText("")
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
        for key in ("preview-info", "preview-data", "preview-detail"):
            self.runner.cancel(key)

    def show_group(self, file: str, path: str) -> None:
        """A group: the table of its members (name, kind, shape, type, size on disk)."""
        self.show_message("")
        members = self._view_widget("members")
        self.stack.setCurrentWidget(members)
        members.load(file, path)  # type: ignore[attr-defined]

    def is_busy(self) -> bool:
        members = self._views.get("members")
        if self._pending or (members is not None and members.loading):  # type: ignore[attr-defined]
            return True
        table = self._views.get("table")
        return self.view == "table" and table is not None and table.model.is_loading()  # type: ignore[attr-defined]

    def current_text(self) -> str:
        """What the user reads in the preview (message, or the text view's text)."""
        if self.stack.currentWidget() is self.message:
            return self.message.text()
        if self.view == "text":
            return self.text_view.plain_text()
        return ""

    # ================================================================== jobs
    def _submit(self, tag: str, fn: Any, *args: Any, on_result: Any, on_error: Any, key: str, **kwargs: Any) -> None:
        self._pending.add(tag)

        def done() -> None:
            self._pending.discard(tag)

        self.runner.submit(fn, *args, key=key, on_result=on_result, on_error=on_error, on_finished=done,
                           force=self._force, **kwargs)

    def _on_error(self, gen: int, err: H5GuiError) -> None:
        if gen != self._gen:
            return
        self._loading_timer.stop()
        self.axes_bar.frame_pending = False
        if self.info is None or isinstance(err, UnsafeAccessError):
            self._drop_controls()  # they belong to the previous dataset, or there is nothing to move through
        if isinstance(err, ReaderCrashedError) and self._target is not None:
            self._retry = self._target[:2]
            self.banner.show_message(str(err), "error", "Try again")
            return
        if isinstance(err, UnsafeAccessError) and self._target is not None:
            self._unsafe = self._target[:2]
            self.banner.show_message(f"{err}", "warning", "Allow and read")
            self.message.setText("Data not read: it lives outside the file's folder")
            self.stack.setCurrentWidget(self.message)
            return
        self._show_error(str(err))

    def _drop_controls(self) -> None:
        """Hide the view buttons and the axes of what was shown before; show the message page."""
        self.axes_bar.stop()
        self.axes_bar.hide()
        for b in self.view_buttons.values():
            b.hide()
        if self.info is None:
            self.view = ""
            self.message.setText("Nothing read")
            self.stack.setCurrentWidget(self.message)

    def _show_error(self, text: str) -> None:
        self.banner.show_message(text, "error")

    def _on_banner_action(self) -> None:
        if self._retry is not None:
            retry, self._retry = self._retry, None
            self.retry_requested.emit(*retry)
        elif self._unsafe is not None:
            file, path = self._unsafe
            self._unsafe = None
            self.confirm_external.emit(file, path)

    # ================================================================== info -> view
    def _on_info(self, gen: int, info: PreviewInfo) -> None:
        if gen != self._gen:
            return
        self._loading_timer.stop()
        self.info = info
        shape = "scalar" if info.shape == () else ("empty" if info.shape is None else " x ".join(map(str, info.shape)))
        extra = f", {info.encoded_format}" if info.encoded_format else ""
        self.summary.setText(f"{shape}  {info.dtype_text}{extra}")
        self.summary.setToolTip(info.path)
        for name, b in self.view_buttons.items():
            b.setVisible(name in info.views)
        if not info.views:
            for b in self.view_buttons.values():
                b.hide()
            self.axes_bar.hide()
            if info.error:
                self._show_error(info.error)
                self.message.setText("Nothing to show")
            else:
                self.message.setText("Empty dataset: no values to show")
            self.stack.setCurrentWidget(self.message)
            self.view = ""
            return
        mem = self._memory
        sibling = is_sibling(mem, info)
        view = mem["view"] if sibling and mem.get("view") in info.views else info.views[0]
        if self._image is not None:
            self._image.apply_level_settings(mem.get("levels") if sibling else None)
        self.set_view(view, restore=sibling)

    def set_view(self, view: str, restore: bool = False) -> None:
        info = self.info
        if info is None or view not in info.views:
            return
        self.view = view
        self.view_buttons[view].setChecked(True)
        widget = self._view_widget(view)
        self.stack.setCurrentWidget(widget)
        configure_axes(self.axes_bar, info, view, self._memory if restore else {})
        if view == "image":
            widget.set_complex(info.kind == "complex")  # type: ignore[attr-defined]
        elif view == "plot":
            widget.configure_fields(info.plot_fields, rank=1, shape=info.shape or ())  # type: ignore[attr-defined]
        self._request()

    def _on_axes_changed(self) -> None:
        self._request()

    # ================================================================== reading what is shown
    def _request(self) -> None:
        info, target = self.info, self._target
        if info is None or target is None or not self.view:
            return
        file, path, allow = target
        gen = self._gen
        view = self.view
        if view == "image":
            chosen = (tuple(self.axes_bar.axes()) or info.image_axes) if self.axes_bar.isVisible() else None
            request = image_request(image_axes(chosen, info),
                                    self.axes_bar.index() or tuple(0 for _ in info.shape or ()),
                                    self.image_view.complex_mode)
            first, self._first = self._first, None
            if first is not None and first[0] == request:  # read with the info: shown at once
                self.runner.cancel("preview-data")
                self._on_image(gen, first[1])
                return
            self.axes_bar.frame_pending = True
            self._submit("data", api.preview.read_image, file, path, request, allow_external=allow, key="preview-data",
                         on_result=lambda s: self._on_image(gen, s), on_error=lambda e: self._on_error(gen, e))
        elif view == "encoded":
            element = self.axes_bar.index()[0] if self.axes_bar.mode == "elements" else 0
            self.axes_bar.frame_pending = True
            self._submit("data", api.preview.read_encoded, file, path, index=element, allow_external=allow,
                         key="preview-data", on_result=lambda r: self._on_encoded(gen, r),
                         on_error=lambda e: self._on_error(gen, e))
        elif view == "table":
            shape = info.shape or ()
            table_axes: tuple[int, int] | None = None
            index: tuple[int, ...] = ()
            if self.axes_bar.mode == "table":
                a = self.axes_bar.axes()
                table_axes = (a[0], a[1]) if len(a) >= 2 and a[0] is not None and a[1] is not None else None
                index = self.axes_bar.index()
            n_rows, n_cols = table_size(info, table_axes, index)
            columns = info.fields if info.fields else ()
            if len(shape) <= 1 and not info.fields:
                columns = ("value",)
            self.table_view.configure(file, path, n_rows, n_cols, axes=table_axes, index=index, allow_external=allow,
                                      columns=columns)
            self.banner.hide()
            self.shown.emit("table")
        elif view == "plot":
            kwargs = self._plot_args()
            self.axes_bar.frame_pending = True
            self._submit("data", api.preview.read_plot, file, path, max_points=PLOT_POINTS, allow_external=allow,
                         key="preview-data", on_result=lambda d: self._on_plot(gen, d, True),
                         on_error=lambda e: self._on_error(gen, e), **kwargs)
        elif view == "text":
            if info.text is not None and not info.shape:
                self._on_text(gen, info.text)
                return
            self._submit("data", api.preview.read_text, file, path, index=self.axes_bar.index(), allow_external=allow,
                         key="preview-data", on_result=lambda t: self._on_text(gen, t),
                         on_error=lambda e: self._on_error(gen, e))

    def _plot_args(self) -> dict[str, Any]:
        if self.axes_bar.mode == "plot":
            axes = self.axes_bar.axes()
            return {"axis": axes[0] if axes else -1, "index": self.axes_bar.index()}
        return dict(self.plot_view.selection())

    def _request_region(self, region: tuple[int, int, int, int]) -> None:
        info, target = self.info, self._target
        if info is None or target is None or self.view != "image":
            return
        file, path, allow = target
        gen = self._gen
        chosen = self.axes_bar.axes() if self.axes_bar.mode == "image" else None
        request = image_request(image_axes(chosen, info), self.axes_bar.index() or tuple(0 for _ in info.shape or ()),
                                self.image_view.complex_mode, region)
        self._submit("detail", api.preview.read_image, file, path, request, allow_external=allow, key="preview-detail",
                     on_result=lambda s: self._on_detail(gen, s), on_error=lambda e: self._on_error(gen, e))

    def _request_plot_range(self, start: int, stop: int) -> None:
        info, target = self.info, self._target
        if info is None or target is None or self.view != "plot":
            return
        file, path, allow = target
        gen = self._gen
        self._submit("detail", api.preview.read_plot, file, path, start=start, stop=stop, max_points=PLOT_POINTS,
                     allow_external=allow, key="preview-detail",
                     on_result=lambda d: self._on_plot(gen, d, False), on_error=lambda e: self._on_error(gen, e),
                     **self._plot_args())

    # ================================================================== results
    def _on_image(self, gen: int, s: ImageSlice) -> None:
        if gen != self._gen or self.view != "image":
            return
        self.axes_bar.frame_pending = False
        self.banner.hide()
        self.image_view.show_slice(s)
        self.shown.emit("image")

    def _on_detail(self, gen: int, s: ImageSlice) -> None:
        if gen == self._gen and self.view == "image":
            self.image_view.show_detail(s)

    def _on_encoded(self, gen: int, result: tuple[ImageSlice, str]) -> None:
        if gen != self._gen or self.view != "encoded":
            return
        self.axes_bar.frame_pending = False
        s, description = result
        self.banner.hide()
        self.image_view.show_slice(s, fit=True)
        if self.info is not None:
            self.summary.setText(f"{self.info.encoded_format or 'encoded'} image: {description}")
        self.shown.emit("encoded")

    def _on_plot(self, gen: int, d: PlotData, overview: bool) -> None:
        if gen != self._gen or self.view != "plot":
            return
        self.axes_bar.frame_pending = False
        self.banner.hide()
        self.plot_view.show_data(d, overview=overview)
        self.shown.emit("plot")

    def _on_text(self, gen: int, text: str) -> None:
        if gen != self._gen or self.view != "text":
            return
        self.banner.hide()
        note = element_note(self.axes_bar.shape, self.axes_bar.index()) if self.axes_bar.mode == "text" else ""
        self.text_view.show_text(text, note)
        self.shown.emit("text")

    # ================================================================== memory across siblings
    def _remember(self) -> None:
        """Keep the view, the axes, the position and the levels for the next sibling (same shape and dtype)."""
        if self.info is not None and self.view:
            self._memory = remember(self.info, self.view, self.axes_bar, self._image)
