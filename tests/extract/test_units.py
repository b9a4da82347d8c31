"""Unit tests of the extractor's hard cases, on short sentences written for the tests."""

from __future__ import annotations

import datetime as dt

from salvo.extract import extract, publication_date, read_article
from salvo.extract.dates import find_dates
from salvo.extract.munitions import find_munitions
from salvo.extract import numbers

MONDAY = dt.date(2021, 7, 5)


def one(text, published=None):
    found = [c for c in extract(text, published=published) if c.mention == "main"]
    assert len(found) == 1, found
    return found[0]


def test_weekday_resolves_to_latest_such_day_on_or_before_publication():
    assert find_dates("on Monday", MONDAY)[0].value == "2021-07-05"
    assert find_dates("early Sunday", MONDAY)[0].value == "2021-07-04"
    assert find_dates("late Friday", MONDAY)[0].value == "2021-07-02"


def test_relative_days_and_months():
    assert find_dates("yesterday", MONDAY)[0].value == "2021-07-04"
    assert find_dates("last month", MONDAY)[0].value == "2021-06"
    december = find_dates("In December", dt.date(2020, 3, 12))[0]
    assert (december.value, december.precision) == ("2019-12", "month")
    assert find_dates("last week", MONDAY)[0].value is None


def test_weekday_without_publication_date_stays_unresolved():
    assert one("Two rockets hit the Green Village base on Monday.").date is None


def test_date_without_year_takes_publication_year():
    assert find_dates("on June 20", MONDAY)[0].value == "2021-06-20"


def test_offset_days_resolve_against_the_main_incident():
    text = ("Ten rockets hit Ain al-Asad air base on Wednesday, officials said. "
            "The attack came two days after three rockets landed on the same base.")
    cands = extract(text, published=dt.date(2021, 7, 7))
    dates = sorted(c.date for c in cands)
    assert dates == ["2021-07-05", "2021-07-07"]


def test_numbers_in_words_digits_and_vague_amounts():
    assert numbers.value("more than a dozen") == 12
    assert numbers.value("at least 14") == 14
    assert numbers.value("twenty-two") == 22
    assert numbers.value("several") is None and numbers.is_vague("several")


def test_munition_counts_and_types():
    found = find_munitions("Militants launched three armed drones and an anti-ship ballistic missile.")
    assert [(m.code, m.count) for m in found] == [("uav", 3), ("anti_ship_missile", 1)]
    barrage = find_munitions("a barrage of rockets slammed into the base")[0]
    assert (barrage.code, barrage.count, barrage.vague) == ("rocket", None, True)
    assert find_munitions("the air defense missile system and a rocket launcher") == []


def test_barrage_has_no_count_and_dozen_is_twelve():
    assert one("A barrage of rockets hit Camp Taji on Monday.", MONDAY).projectile_count is None
    assert one("Militants fired more than a dozen rockets at Camp Taji on Monday.", MONDAY).projectile_count == 12


def test_intercepted_from_partitive():
    cand = one("Three one-way attack drones targeted the al-Tanf garrison on Monday. "
               "Two of the drones were shot down, the military said.", MONDAY)
    assert (cand.munition_types, cand.projectile_count, cand.intercepted_count) == (["uav"], 3, 2)


def test_site_aliases_resolve_to_one_place():
    ids = {one(f"Three rockets hit {name} on Monday.", MONDAY).place_id
           for name in ("Ain al-Asad air base", "Al Asad Air Base", "Ayn al-Asad airbase")}
    assert ids == {"ain_al_asad_air_base"}
    cand = one("Three rockets hit Ayn al-Asad airbase on Monday.", MONDAY)
    assert cand.country == "Iraq" and cand.target_category == "us_military" and cand.latitude


def test_claim_gives_claimed_attribution():
    cand = one("A drone struck the port of Eilat on Monday. "
               "The Islamic Resistance in Iraq claimed responsibility for the attack.", MONDAY)
    assert cand.attribution == "claimed" and cand.perpetrator_id == "islamic_resistance_in_iraq"


def test_negated_claim_is_not_a_claim():
    cand = one("Two rockets hit the Green Village base on Monday. No group has claimed responsibility.", MONDAY)
    assert cand.attribution == "unknown" and cand.perpetrator is None


def test_denial_alone_and_official_attribution_beats_denial():
    officials = one("A rocket struck Majdal Shams on Saturday, killing ten people. "
                    "The military said the launch was carried out by Hezbollah. "
                    "Hezbollah denied any connection with the rocket attack.", dt.date(2024, 7, 28))
    assert officials.attribution == "attributed_by_officials"
    denied = one("A rocket struck Majdal Shams on Saturday. Hezbollah denied any role in the rocket attack.",
                 dt.date(2024, 7, 28))
    assert denied.attribution == "denied"


def test_background_incident_is_kept_apart():
    cands = extract("Three rockets hit Ain al-Asad air base on Monday. "
                    "The base was also hit by a rocket on June 20.", published=MONDAY)
    assert sorted((c.mention, c.date) for c in cands) == [("background", "2021-06-20"), ("main", "2021-07-05")]


def test_two_incidents_on_one_day():
    cands = extract("Rockets hit the Green Village base on Monday. On the same day, several drones "
                    "were shot down near the base at al-Tanf.", published=MONDAY)
    assert sorted(c.place_id for c in cands if c.mention == "main") == ["al_tanf_garrison", "green_village"]


def test_passing_mentions_give_no_incident():
    assert extract("Shipping insurers raised premiums for the Red Sea as Houthi missile attacks on "
                   "vessels continued, analysts said.", published=MONDAY) == []
    assert extract("The ministry deployed new air defense missile batteries to protect the capital.") == []
    assert extract("Militias have carried out dozens of attacks on US bases since October.") == []


def test_evidence_spans_point_into_the_text():
    text = "Two rockets hit the Green Village base on Monday."
    cand = one(text, MONDAY)
    (s, e), = cand.evidence["date"]
    assert text[s:e].endswith("Monday")
    assert text[slice(*cand.evidence["location"][0])].startswith("Green Village")


def test_publication_date_from_store_token_url_and_dateline():
    assert publication_date("date 2024-01-21 Some text") == dt.date(2024, 1, 21)
    assert publication_date("text", "https://example.org/news/2021/07/05/story") == dt.date(2021, 7, 5)
    assert publication_date("text", "https://example.org/english/050720212-amp") == dt.date(2021, 7, 5)
    assert publication_date("Washington, January 21, 2024, Agency: rockets") == dt.date(2024, 1, 21)
    assert publication_date("The airport is pictured here on Wednesday, Jan. 8, 2020.") is None


def test_read_article_layouts(tmp_path):
    dev = tmp_path / "a.txt"
    dev.write_text("https://example.org/2022/08/16/x\n\nTwo rockets hit the base.\n", encoding="utf-8")
    text, url, published = read_article(dev)
    assert (text.strip(), url, published) == ("Two rockets hit the base.", "https://example.org/2022/08/16/x",
                                              dt.date(2022, 8, 16))
    page = tmp_path / "b.html"
    page.write_text("<html><body><p>date 2023-03-14 Two rockets</p><script>x()</script>"
                    "<p>hit the base.</p></body></html>", encoding="utf-8")
    text, url, published = read_article(page)
    assert "x()" not in text and "hit the base." in text and published == dt.date(2023, 3, 14)


def test_four_is_a_count_not_the_word_our():
    assert [m.count for m in find_munitions("Militants launched four drones at the camp.")] == [4]
    assert find_munitions("The base used our drone defences.") == []


def test_attack_noun_gives_no_count_but_a_lone_projectile_is_one():
    assert one("A drone attack hit Erbil airport on Monday.", MONDAY).projectile_count is None
    assert one("Camp Taji was hit by a rocket on Monday.", MONDAY).projectile_count == 1


def test_time_units_and_farther_numbers_are_not_counts():
    assert [m.count for m in find_munitions("just two days after drones attacked the base")] == [None]
    assert [m.count for m in find_munitions("it intercepted some of the approximately 65 launches")] == [65]


def test_similar_attack_takes_the_type_of_the_attack_in_focus_without_a_count():
    found = extract("Three rockets hit Camp Taji on Monday. In May, a similar attack hit Ain al-Asad air base.",
                    published=MONDAY)
    background = [c for c in found if c.mention == "background"]
    assert [(c.munition_types, c.projectile_count) for c in background] == [(["rocket"], None)]


def test_total_stated_in_an_opening_partitive_phrase():
    cand = one("Drones attacked Camp Taji on Monday. Of the two UAVs deployed, one was intercepted.", MONDAY)
    assert (cand.projectile_count, cand.intercepted_count) == (2, 1)


def test_before_they_could_is_not_a_hypothetical():
    cand = one("Drones attacked Camp Taji on Monday. One drone struck the base, and two others were shot down "
               "before they could hit it.", MONDAY)
    assert (cand.projectile_count, cand.intercepted_count) == (3, 2)


def test_count_from_a_later_sentence_that_says_what_the_attack_used():
    found = extract("Three rockets hit Camp Taji on Monday. A drone attack hit Erbil airport on June 3. "
                    "Four drones were used in that attack.", published=MONDAY)
    assert [(c.munition_types, c.projectile_count) for c in found] == [(["rocket"], 3), (["uav"], 4)]


def test_hours_after_opens_another_same_day_attack_with_other_munitions():
    found = extract("Militants fired two rockets at Camp Taji on Monday, officials said. The statement came hours "
                    "after Kataib Hezbollah fired drones toward Erbil airport, an official from the group told "
                    "reporters.", published=MONDAY)
    assert [(c.mention, c.date, c.munition_types) for c in found] == [
        ("main", "2021-07-05", ["rocket"]), ("main", "2021-07-05", ["uav"])]
    assert found[1].attribution == "claimed"


def test_a_date_after_since_starts_a_period_and_is_not_the_attack_date():
    assert one("In the first attack since the June 20 ceasefire, rockets hit Camp Taji on Monday.",
               MONDAY).date == "2021-07-05"
