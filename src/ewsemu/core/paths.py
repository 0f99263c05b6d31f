"""Property paths as the core sees them: the three forms of ``t:Path``."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldURI:
    uri: str

    @property
    def key(self) -> str:
        return self.uri


@dataclass(frozen=True)
class IndexedFieldURI:
    uri: str
    index: str

    @property
    def key(self) -> str:
        return f"{self.uri}[{self.index}]"


@dataclass(frozen=True)
class ExtendedFieldURI:
    """A MAPI property. Exactly the attributes the client sent, so MessageXml can echo them verbatim."""

    property_type: str
    distinguished_property_set_id: str | None = None
    property_set_id: str | None = None
    property_tag: str | None = None
    property_name: str | None = None
    property_id: str | None = None

    @property
    def key(self) -> str:
        """Identity of the property (the type is a property of the value, not of the identity)."""
        if self.property_tag is not None:
            try:
                return f"tag:{int(self.property_tag, 0):#06x}"
            except ValueError:
                return f"tag:{self.property_tag}"
        pset = (self.property_set_id or "").lower() or self.distinguished_property_set_id
        if self.property_name is not None:
            name = f"name:{self.property_name}"
        else:
            try:
                name = f"id:{int(self.property_id or '', 0)}"
            except ValueError:
                name = f"id:{self.property_id}"
        return f"ext:{pset}:{name}"


Path = FieldURI | IndexedFieldURI | ExtendedFieldURI
