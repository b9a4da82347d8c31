"""Name normalisation: spellings of one name share a key; different names do not."""

from hypothesis import given, strategies as st

from salvo.names import normalise


def test_spellings_share_a_key():
    assert normalise("Ain al-Asad") == normalise("AIN AL ASAD") == normalise("ʿAin al-Asad")
    assert normalise("Kata'ib Hizballah") == normalise("Kataib Hizballah")
    assert normalise("Türkiye") == "turkiye"
    assert normalise("عين الأسد") == normalise("عين الاسد")


def test_different_names_stay_apart():
    assert normalise("Erbil") != normalise("Munsterbilzen")
    assert normalise("Asad") != normalise("Ain al-Asad")


@given(st.text())
def test_normalising_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)
