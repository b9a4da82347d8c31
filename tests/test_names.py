"""Name normalisation: spellings of one name share a key; different names do not."""

import pytest
from hypothesis import given, strategies as st

from salvo import codebook
from salvo.names import normalise


def test_spellings_share_a_key():
    assert normalise("Ain al-Asad") == normalise("AIN AL ASAD") == normalise("ʿAin al-Asad")
    assert normalise("Kata'ib Hizballah") == normalise("Kataib Hizballah")
    assert normalise("Türkiye") == "turkiye"
    assert normalise("عين الأسد") == normalise("عين الاسد")


@pytest.mark.parametrize("pasted", [
    "Hez\u200bbollah",            # zero-width space
    "Hez\u200dbol\u200clah",      # zero-width joiner and non-joiner
    "\u202eHezbollah\u202c",      # right-to-left override ... pop
    "\u2067Hezbollah\u2069",      # right-to-left isolate ... pop
    "\u200fHezbollah\u200e",      # right-to-left and left-to-right marks
    "\ufeffHez\u00adbollah",      # byte-order mark, soft hyphen
    "\u2060Hezbollah",            # word joiner
])
def test_invisible_format_characters_do_not_hide_a_name(pasted):
    assert normalise(pasted) == "hezbollah"
    assert codebook.actors().resolve(pasted).id == "hezbollah"


def test_compatibility_forms_share_a_key():
    assert normalise("Ｈｅｚｂｏｌｌａｈ") == normalise("Hezbollah")  # fullwidth letters
    assert normalise("ﬁrqa") == normalise("firqa")  # the fi ligature
    assert normalise("ﺣﺰﺏ ﷲ") == normalise("حزب الله")  # Arabic presentation forms and the Allah ligature


def test_different_names_stay_apart():
    assert normalise("Erbil") != normalise("Munsterbilzen")
    assert normalise("Asad") != normalise("Ain al-Asad")


@given(st.text())
def test_normalising_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)
