"""HSDS's JSON datatypes and shapes <-> numpy dtypes as h5py maps HDF5 types, and values both ways.

The dtypes carry h5py's metadata (string encoding, vlen, enum members, references), so the local
core's words for them (:func:`h5gui.core.dtypes.describe_dtype`) and its formatting apply unchanged.
Values travel as JSON, or as raw little-endian bytes (``application/octet-stream``) for fixed-size
types, which is what HSDS sends for those.
"""

from __future__ import annotations

import base64
from typing import Any

import h5py
import numpy as np

from h5gui.core.errors import UnreadableError

_INT = {f"H5T_STD_{s}{n}{e}": f"{'<' if e == 'LE' else '>'}{'i' if s == 'I' else 'u'}{n // 8}"
        for s in ("I", "U") for n in (8, 16, 32, 64) for e in ("LE", "BE")}
_FLOAT = {f"H5T_IEEE_F{n}{e}": f"{'<' if e == 'LE' else '>'}f{n // 8}" for n in (16, 32, 64) for e in ("LE", "BE")}
_BOOL_MAPPING = {"FALSE": 0, "TRUE": 1}


def to_dtype(t: Any) -> np.dtype:
    """The numpy dtype (with h5py's metadata) of an HSDS type item.

    Raises :class:`UnreadableError` for a type h5py has no dtype for.
    """
    if isinstance(t, str):
        if t in _INT:
            return np.dtype(_INT[t])
        if t in _FLOAT:
            return np.dtype(_FLOAT[t])
        raise UnreadableError(f"unsupported HSDS datatype {t}")
    cls = t.get("class")
    base = t.get("base")
    if cls in ("H5T_INTEGER", "H5T_FLOAT"):
        return to_dtype(base)
    if cls == "H5T_STRING":
        utf8 = t.get("charSet") == "H5T_CSET_UTF8"
        length = t.get("length")
        if length == "H5T_VARIABLE":
            return h5py.string_dtype("utf-8" if utf8 else "ascii")
        return h5py.string_dtype("utf-8" if utf8 else "ascii", int(length))
    if cls == "H5T_COMPOUND":
        fields = [(f["name"], to_dtype(f["type"])) for f in t["fields"]]
        names = [n for n, _ in fields]
        if names == ["r", "i"] and fields[0][1] == fields[1][1] and fields[0][1].kind == "f":
            return np.dtype(f"{fields[0][1].byteorder if fields[0][1].byteorder in '<>' else '<'}c"
                            f"{2 * fields[0][1].itemsize}")
        return np.dtype(fields)
    if cls == "H5T_ENUM":
        if "members" in t:
            mapping = {str(m["name"]): int(m["value"]) for m in t["members"]}
        else:
            mapping = {str(k): int(v) for k, v in t["mapping"].items()}
        basedt = to_dtype(base)
        if mapping == _BOOL_MAPPING and basedt.itemsize == 1:
            return np.dtype(np.bool_)
        return h5py.enum_dtype(mapping, basetype=basedt)
    if cls == "H5T_ARRAY":
        return np.dtype((to_dtype(base), tuple(int(d) for d in t["dims"])))
    if cls == "H5T_VLEN":
        return h5py.vlen_dtype(to_dtype(base))
    if cls == "H5T_OPAQUE":
        return np.dtype(f"V{int(t['size'])}")
    if cls == "H5T_REFERENCE":
        return h5py.regionref_dtype if base == "H5T_STD_REF_DSETREG" else h5py.ref_dtype
    raise UnreadableError(f"unsupported HSDS datatype class {cls}")


def type_json(dt: np.dtype) -> Any:
    """The HSDS type item of a numpy dtype (as h5py reads HDF5 types). Raises :class:`UnreadableError`."""
    string_info = h5py.check_string_dtype(dt)
    if string_info is not None:
        out: dict[str, Any] = {"class": "H5T_STRING",
                               "charSet": "H5T_CSET_UTF8" if string_info.encoding == "utf-8" else "H5T_CSET_ASCII"}
        if string_info.length is None:
            out.update(length="H5T_VARIABLE", strPad="H5T_STR_NULLTERM")
        else:
            out.update(length=int(string_info.length), strPad="H5T_STR_NULLPAD")
        return out
    ref = h5py.check_ref_dtype(dt)
    if ref is not None:
        return {"class": "H5T_REFERENCE",
                "base": "H5T_STD_REF_DSETREG" if ref is h5py.RegionReference else "H5T_STD_REF_OBJ"}
    vlen = h5py.check_vlen_dtype(dt)
    if vlen is not None:
        return {"class": "H5T_VLEN", "base": type_json(np.dtype(vlen))}
    if dt.kind == "b":
        return {"class": "H5T_ENUM", "base": {"class": "H5T_INTEGER", "base": "H5T_STD_I8LE"},
                "members": [{"name": "FALSE", "value": 0}, {"name": "TRUE", "value": 1}]}
    enum = h5py.check_enum_dtype(dt)
    if enum is not None:
        members = [{"name": k, "value": int(v)} for k, v in enum.items()]
        return {"class": "H5T_ENUM", "base": type_json(np.dtype(dt.str)), "members": members}
    if dt.names is not None:
        return {"class": "H5T_COMPOUND", "fields": [{"name": n, "type": type_json(field_dtype(dt, n))} for n in dt.names]}
    if dt.subdtype is not None:
        sub, shape = dt.subdtype
        return {"class": "H5T_ARRAY", "dims": list(shape), "base": type_json(sub)}
    order = "BE" if dt.byteorder == ">" else "LE"
    if dt.kind in "iu":
        return {"class": "H5T_INTEGER", "base": f"H5T_STD_{'I' if dt.kind == 'i' else 'U'}{dt.itemsize * 8}{order}"}
    if dt.kind == "f" and dt.itemsize in (2, 4, 8):
        return {"class": "H5T_FLOAT", "base": f"H5T_IEEE_F{dt.itemsize * 8}{order}"}
    if dt.kind == "c" and dt.itemsize in (8, 16):
        half = {"class": "H5T_FLOAT", "base": f"H5T_IEEE_F{dt.itemsize * 4}{order}"}
        return {"class": "H5T_COMPOUND", "fields": [{"name": "r", "type": half}, {"name": "i", "type": half}]}
    if dt.kind == "V":
        return {"class": "H5T_OPAQUE", "size": dt.itemsize}
    if dt.kind == "S":
        return {"class": "H5T_STRING", "charSet": "H5T_CSET_ASCII", "length": dt.itemsize, "strPad": "H5T_STR_NULLPAD"}
    raise UnreadableError(f"cannot store numpy dtype {dt} in HSDS")


def field_dtype(dt: np.dtype, name: str) -> np.dtype:
    """The dtype of field ``name`` of a compound dtype."""
    fields = dt.fields
    if fields is None:
        raise UnreadableError(f"{dt} has no field {name!r}")
    return fields[name][0]


def is_fixed(dt: np.dtype) -> bool:
    """Whether values of ``dt`` have a fixed size (travel as raw bytes)."""
    if dt.kind == "O":
        return False
    if dt.names is not None:
        return all(is_fixed(field_dtype(dt, n)) for n in dt.names)
    if dt.subdtype is not None:
        return is_fixed(dt.subdtype[0])
    return True


def shape_of(shape_json: dict[str, Any]) -> tuple[int, ...] | None:
    """Dimensions of an HSDS shape item (None for a null dataspace)."""
    cls = shape_json.get("class")
    if cls == "H5S_NULL":
        return None
    if cls == "H5S_SCALAR":
        return ()
    return tuple(int(d) for d in shape_json.get("dims", ()))


def maxshape_of(shape_json: dict[str, Any]) -> tuple[int | None, ...] | None:
    """Maximum dimensions (None for unlimited) of a simple shape item, else None."""
    if shape_json.get("class") != "H5S_SIMPLE":
        return None
    dims = shape_json.get("dims", [])
    maxdims = shape_json.get("maxdims", dims)
    return tuple(None if m in (0, "H5S_UNLIMITED") else int(m) for m in maxdims)


def le(dt: np.dtype) -> np.dtype:
    """``dt`` with every number little-endian (the byte order of HSDS's binary transfers)."""
    if dt.names is not None:
        return np.dtype([(n, le(field_dtype(dt, n))) for n in dt.names])
    if dt.subdtype is not None:
        return np.dtype((le(dt.subdtype[0]), dt.subdtype[1]))
    if dt.kind in "iufc" and dt.byteorder == ">":
        return dt.newbyteorder("<")
    return dt


def from_bytes(data: bytes, dt: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """A fixed-size binary selection as an array of ``dt``'s dtype (native byte order)."""
    ldt = le(dt)
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if len(data) != n * ldt.itemsize:
        raise UnreadableError(f"HSDS sent {len(data):,} bytes for {n:,} values of {ldt.itemsize} bytes")
    arr = np.frombuffer(data, dtype=ldt).reshape(shape)
    if h5py.check_enum_dtype(dt) is not None or dt.kind == "b":
        return arr.view(dt) if dt.kind == "b" else arr.astype(dt)
    return arr


def _element(v: Any, dt: np.dtype) -> Any:
    """One JSON element as numpy takes it for ``dt``."""
    if dt.names is not None:
        return tuple(_element(x, field_dtype(dt, n)) for x, n in zip(v, dt.names, strict=True))
    if dt.subdtype is not None:
        return np.asarray(_nested(v, dt.subdtype[0]))
    if dt.kind == "c" and isinstance(v, list):
        return complex(v[0], v[1])
    if dt.kind == "S" and isinstance(v, str):
        return v.encode("utf-8", "surrogateescape")
    if dt.kind == "V" and isinstance(v, str):
        return base64.b64decode(v) if v else b""
    vlen = h5py.check_vlen_dtype(dt)
    if vlen is not None and vlen not in (str, bytes):
        return np.asarray(v if isinstance(v, list) else [v], dtype=vlen)
    string_info = h5py.check_string_dtype(dt)
    if string_info is not None and dt.kind == "O" and string_info.encoding == "ascii" and isinstance(v, str):
        return v.encode("ascii", "surrogateescape")
    return v


def _nested(v: Any, dt: np.dtype) -> Any:
    if isinstance(v, list) and not (dt.names is not None and v and not isinstance(v[0], list)):
        if dt.kind == "c" and len(v) == 2 and not isinstance(v[0], list):
            return _element(v, dt)
        return [_nested(x, dt) for x in v]
    return _element(v, dt)


def from_json(value: Any, dt: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """A JSON selection (nested lists) as an array of ``dt`` and ``shape``."""
    if dt.kind == "O" or h5py.check_ref_dtype(dt) is not None:
        out = np.empty(shape, dtype=dt)
        flat = _flatten(value, len(shape))
        for i, v in enumerate(flat):
            out.flat[i] = _element(v, dt)
        return out
    if dt.names is not None:
        items = _flatten(value, len(shape))
        return np.array([_element(v, dt) for v in items], dtype=dt).reshape(shape)
    return np.asarray(_nested(value, dt), dtype=dt).reshape(shape)


def _flatten(value: Any, rank: int) -> list[Any]:
    if rank == 0:
        return [value]
    out: list[Any] = []
    for v in value:
        out.extend(_flatten(v, rank - 1))
    return out


def to_json(arr: np.ndarray) -> Any:
    """An array as HSDS takes it in a JSON body (references are written as their target's id)."""
    dt = arr.dtype
    if dt.names is not None and dt.kind == "V":
        return _compound_list(arr)
    if dt.kind == "S":
        return np.char.decode(arr, "utf-8", "surrogateescape").tolist()
    if dt.kind == "V":
        return _map(arr, lambda v: base64.b64encode(bytes(v)).decode("ascii"))
    if dt.kind == "c":
        return _map(arr, lambda v: [float(v.real), float(v.imag)])
    if dt.kind == "O":
        return _map(arr, _plain)
    return arr.tolist()


def _plain(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.decode("utf-8", "surrogateescape")
    if isinstance(v, np.ndarray):
        return to_json(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def _map(arr: np.ndarray, fn: Any) -> Any:
    if arr.ndim == 0:
        return fn(arr[()])
    return [_map(a, fn) for a in arr] if arr.ndim > 1 else [fn(v) for v in arr]


def _compound_list(arr: np.ndarray) -> Any:
    if arr.ndim == 0:
        return [_plain_field(arr[()][n], field_dtype(arr.dtype, n)) for n in arr.dtype.names or ()]
    return [_compound_list(a) for a in arr]


def _plain_field(v: Any, dt: np.dtype) -> Any:
    return to_json(np.asarray(v, dtype=dt))
