"""CreateFolderPath through the real endpoint: the canonical request (tests/golden/create-folder-path/), one
message per level, and a failing level leaving the levels below it uncreated. Every response is validated
against our wsdl/ and Microsoft's schema once the module has run."""
from __future__ import annotations

from pathlib import Path

from ..harness import Ews, Ref, ews, schema_valid_responses  # noqa: F401 (fixtures)
from ..soap import Response
from .folder_calls import children, create_folder, folder

CANONICAL = Path(__file__).parents[1] / "golden" / "create-folder-path" / "01-create-folder-path.request.xml"


def create_path(ews: Ews, *levels: str) -> Response:
    return ews.call('<m:CreateFolderPath><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId>'
                    f"<m:RelativeFolderPath>{''.join(levels)}</m:RelativeFolderPath></m:CreateFolderPath>")


def test_the_canonical_request_nests_each_level(ews: Ews) -> None:
    r = ews.post(CANONICAL.read_bytes())
    assert r.codes() == ["NoError"] * 3, r.body
    assert children(ews, "inbox") == ["Clients"]
    ids = [el.get("Id") for el in r.xpath("//m:Folders/*/t:FolderId")]
    assert children(ews, Ref(ids[0])) == ["Contoso"] and children(ews, Ref(ids[1])) == ["Follow-ups"]


def test_a_failing_level_stops_the_path(ews: Ews) -> None:
    create_folder(ews, "inbox", "Taken")
    r = create_path(ews, folder("taken"), folder("Below"))
    assert r.codes() == ["ErrorFolderExists", "ErrorParentFolderNotFound"], r.body
    assert children(ews, "inbox") == ["Taken"]


def test_a_refused_value_stops_the_path_too(ews: Ews) -> None:
    r = create_path(ews, folder("First"), folder("Typed", "TasksFolder", "IPF.Task"), folder("Third"))
    assert r.codes() == ["NoError", "ErrorNoFolderClassOverride", "ErrorParentFolderNotFound"], r.body
