"""Extended (MAPI) property rules: attribute combinations and value/type consistency (spec §1.5)."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid

from .errors import EwsError
from .paths import ExtendedFieldURI

_INTEGER_TYPES = {"Short", "Integer", "Long"}
_FLOAT_TYPES = {"Double", "Float", "Currency", "ApplicationTime"}


def check_path(path: ExtendedFieldURI) -> None:
    """ErrorInvalidExtendedProperty for a bad attribute combination; custom-range tags rejected."""
    has_set = (path.distinguished_property_set_id is not None) + (path.property_set_id is not None)
    has_name = (path.property_name is not None) + (path.property_id is not None)
    if path.property_tag is not None:
        if has_set or has_name:
            raise EwsError("ErrorInvalidExtendedProperty", path)
        try:
            tag = int(path.property_tag, 0)
        except ValueError as exc:
            raise EwsError("ErrorInvalidExtendedProperty", path) from exc
        if 0x8000 <= tag <= 0xFFFE:
            raise EwsError("ErrorNoPropertyTagForCustomProperties", path)
        return
    if has_set != 1 or has_name != 1:
        raise EwsError("ErrorInvalidExtendedProperty", path)
    if path.property_set_id is not None:
        try:
            uuid.UUID(path.property_set_id)
        except ValueError as exc:
            raise EwsError("ErrorInvalidExtendedProperty", path) from exc
    if path.property_id is not None:
        try:
            int(path.property_id, 0)
        except ValueError as exc:
            raise EwsError("ErrorInvalidExtendedProperty", path) from exc


def _scalar_ok(base: str, text: str) -> bool:
    try:
        if base in _INTEGER_TYPES:
            int(text)
        elif base in _FLOAT_TYPES:
            float(text)
        elif base == "Boolean":
            return text in ("true", "false", "1", "0")
        elif base == "SystemTime":
            dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        elif base == "CLSID":
            uuid.UUID(text)
        elif base == "Binary":
            base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return False
    return True


def check_value(path: ExtendedFieldURI, value: str | tuple[str, ...]) -> None:
    """ErrorInvalidExtendedPropertyValue when the value's shape or text does not fit PropertyType."""
    is_array = path.property_type.endswith("Array")
    base = path.property_type[: -len("Array")] if is_array else path.property_type
    if is_array != isinstance(value, tuple):
        raise EwsError("ErrorInvalidExtendedPropertyValue", path)
    for text in value if isinstance(value, tuple) else (value,):
        if not _scalar_ok(base, text):
            raise EwsError("ErrorInvalidExtendedPropertyValue", path)
