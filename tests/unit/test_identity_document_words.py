"""One vocabulary for identity documents: a certificate stores the vocabulary's code and prints
its label; certificates stored before that (the printed words themselves) print as they were;
the records export keeps its own published word for the same document."""

from __future__ import annotations

from api.documents.certificate_pdf import id_type_printed
from timebank.domain.export_format import EXPORT_ID_TYPE
from timebank.domain.vocabulary import IDENTITY_DOCUMENT, RESIDENT_ID, label


def test_a_certificate_prints_the_label_of_the_code_it_stores() -> None:
    assert RESIDENT_ID in IDENTITY_DOCUMENT.codes
    assert id_type_printed(RESIDENT_ID) == "居民身份证"
    assert id_type_printed("passport") == "护照"
    assert label(IDENTITY_DOCUMENT.name, RESIDENT_ID, "en") == "resident ID card"


def test_an_older_certificate_prints_the_words_it_stored() -> None:
    assert id_type_printed("居民身份证") == "居民身份证"
    assert id_type_printed(None) == "居民身份证"  # no type stored: the ID number registered


def test_the_export_maps_every_code_it_writes_to_its_published_word() -> None:
    assert EXPORT_ID_TYPE == {RESIDENT_ID: "resident_id_card"}
    assert set(EXPORT_ID_TYPE) <= set(IDENTITY_DOCUMENT.codes)
