"""Document kinds as people type them (the legal filters' reading; no index)."""

import pytest

from assistant.retrieval.legal import FilterValueError, canonical_kind


def test_kinds_are_read_as_people_type_them():
    assert (
        canonical_kind("quyet dinh")
        == canonical_kind("QUYẾT ĐỊNH")
        == canonical_kind("decision")
        == "Quyết định"
    )
    assert canonical_kind("Thông tư liên tịch") == "Thông tư"
    with pytest.raises(FilterValueError) as err:
        canonical_kind("công văn")
    said = str(err.value)
    assert "không có loại văn bản «công văn»" in said and "there is no document kind" in said
    assert "Nghị định" in err.value.message("en")
