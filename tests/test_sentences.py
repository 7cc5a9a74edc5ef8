"""Plain-language sentences (groups/scores/sentences.py) and pseudonyms (groups/privacy.py), in English
and in Indonesian, from small hand-made figures."""

import pytest
from django.test import override_settings
from django.utils import translation

from groups.privacy import pseudonym, pseudonym_code
from groups.scores import indicators
from groups.scores import sentences as s


def en(func, *args):
    with translation.override("en"):
        return func(*args)


def id_(func, *args):
    with translation.override("id"):
        return func(*args)


# --------------------------------------------------------------------------- a group


def test_most_help_stays_inside_with_two_outward_members():
    # E-I -0.6: (E - I) / (E + I) with I = 8 inner ties, E = 2 outside ties of 10
    assert en(s.group_ties, -0.6, 10, 2, 12) == (
        "Most help in this group stays inside it; only 2 members exchange with people or "
        "institutions outside."
    )
    assert id_(s.group_ties, -0.6, 10, 2, 12) == (
        "Sebagian besar bantuan di kelompok ini tetap di dalam kelompok; hanya 2 anggota yang bertukar "
        "dengan orang atau lembaga di luar."
    )


def test_singular_and_none_outward():
    assert en(s.group_ties, -0.8, 5, 1, 8).startswith(
        "Most help in this group stays inside it; only 1 member exchanges"
    )
    assert en(s.group_ties, -1.0, 5, 0, 8) == (
        "All help in this group stays inside it; no member exchanges with people or institutions outside."
    )
    assert id_(s.group_ties, -1.0, 5, 0, 8).startswith(
        "Semua bantuan di kelompok ini tetap di dalam kelompok"
    )


def test_inside_but_most_members_also_outside():
    assert en(s.group_ties, -0.6, 40, 18, 18) == (
        "Most help in this group stays inside it, though 18 of its 18 members also exchange with people or "
        "institutions outside."
    )
    assert "18 dari 18 anggotanya" in id_(s.group_ties, -0.6, 40, 18, 18)


def test_inside_or_outside_is_keyed_on_the_e_i_index_not_on_bonding():
    """KUBE Batik: E-I +0.40 (7 of 10 member ties leave the group) is never "stays inside",
    however many of its ties are bonding ties (members of other shared groups)."""
    kube = en(s.group_ties, 0.4, 10, 6, 8)
    assert kube.startswith("Most of this group's ties reach outside it: 6 of 8 members")
    assert "stays inside" not in kube
    # the boundaries: +-0.2 leans (60% of the ties on one side), inside it is mixed
    assert en(s.group_ties, -0.2, 10, 3, 8).startswith("Most help in this group stays inside it")
    assert en(s.group_ties, 0.2, 10, 3, 8).startswith("Most of this group's ties reach outside it")
    assert en(s.group_ties, 0.19, 10, 3, 8).startswith("Help is shared both inside the group")
    assert en(s.group_ties, -0.19, 10, 3, 8).startswith("Help is shared both inside the group")
    assert en(s.group_ties, None, 0, 0, 8) == ""


@pytest.mark.parametrize(
    ("self_reliance", "aid", "actors", "english", "indonesian"),
    [
        (
            0.4,
            0.6,
            2,
            "Most of what members receive is aid from outside institutions (60%)",
            "Sebagian besar yang diterima anggota adalah bantuan dari lembaga luar (60%)",
        ),
        (
            0.62,
            0.38,
            3,
            "A large part of what members receive is aid from outside institutions (38%)",
            "Cukup banyak dari yang diterima anggota adalah bantuan dari lembaga luar (38%): rencanakan",
        ),
        (
            0.97,
            0.0,
            0,
            "Members rely on each other for almost everything they receive and have no ties to outside",
            "Anggota saling mengandalkan untuk hampir semua yang mereka terima dan tidak punya hubungan",
        ),
        (
            0.9,
            0.05,
            2,
            "Members rely mostly on each other and their neighbours",
            "Anggota kebanyakan mengandalkan sesama anggota dan tetangga",
        ),
        (
            0.7,
            0.1,
            2,
            "What members receive comes partly from each other and partly from outside institutions (70% "
            "from people).",
            "Yang diterima anggota sebagian dari sesama warga dan sebagian dari lembaga luar (70% dari",
        ),
    ],
)
def test_self_reliance_against_aid(self_reliance, aid, actors, english, indonesian):
    assert en(s.group_self_reliance, self_reliance, aid, actors).startswith(english)
    assert id_(s.group_self_reliance, self_reliance, aid, actors).startswith(indonesian)


def test_learning_participation_reciprocity_norms():
    assert en(s.group_learning, 0.55).startswith("Half or more of what passes between members is knowledge")
    assert en(s.group_learning, 0.25) == "Some knowledge and information is shared in this group (25%)."
    assert en(s.group_learning, None) == ""
    assert en(s.group_participation, 0.47) == (
        "Fewer than half of the members come to the group's activities (on average 47%): "
        "ask what keeps the others away."
    )
    assert (
        id_(s.group_participation, 0.9)
        == "Sebagian besar anggota hadir di kegiatan kelompok (rata-rata 90%)."
    )
    assert en(s.group_giving_back, 0.65) == (
        "Most members who exchange give about as much as they receive (65%)."
    )
    assert en(s.group_giving_back, 0.3).startswith("Only 30% give about as much")
    assert id_(s.group_giving_back, 0.3).startswith("Hanya 30% yang memberi")
    assert en(s.group_giving_back, None) == ""
    assert en(s.group_self_reliance, None, None, 0) == ""
    assert en(s.group_participation, None) == ""
    assert en(s.group_norms, 0, None) == ""
    assert en(s.group_norms, 1, 4.5) == "The group's 1 norm is kept well, by its latest review."
    assert en(s.group_norms, 3, 2.0).startswith("The group's 3 norms are often not kept")
    assert id_(s.group_norms, 3, 2.0) == (
        "Menurut tinjauan terakhir, 3 norma kelompok sering tidak dijalankan: perlu dibicarakan bersama."
    )
    assert en(s.group_norms, 2, None) == ""  # unreviewed, or too few reviewed: the list says it


# ---------------------------------------------------------------------------- the area


def test_area_sentences():
    assert en(s.area_ties, 0.93, 0.01, 0.06).startswith(
        "Most help in this area flows between people who share a group"
    )
    assert en(s.area_ties, 0.2, 0.5, 0.3).startswith("Most ties in this area cross group lines")
    assert en(s.area_ties, None, None, None) == "No exchanges have been recorded in this area yet."
    assert (
        en(s.area_isolated, 18, 156)
        == "18 people of 156 have no recorded exchange with anyone: worth a visit."
    )
    assert en(s.area_isolated, 1, 5) == "1 person of 5 has no recorded exchange with anyone: worth a visit."
    assert (
        id_(s.area_isolated, 18, 156)
        == "18 dari 156 warga belum punya catatan pertukaran dengan siapa pun: perlu dikunjungi."
    )
    assert en(s.area_isolated, 0, 5).startswith("Everyone in the area")
    assert en(s.area_isolated, 0, 0) == ""
    assert en(s.area_brokers, "Slamet Riyadi", 3) == (
        "Slamet Riyadi and 2 other people connect people who would otherwise hardly be in touch; "
        "Slamet Riyadi does so most."
    )
    assert en(s.area_brokers, "Slamet Riyadi", 1).startswith("Slamet Riyadi connects people")
    assert "lose touch" not in en(s.area_brokers, "Slamet Riyadi", 1)  # not a cut vertex
    assert en(s.area_brokers, "Slamet Riyadi", 10, 53) == (
        "Slamet Riyadi connects people who would otherwise hardly be in touch: if they stepped back, "
        "53 people would lose touch with the rest."
    )
    assert "1 person would lose touch" in en(s.area_brokers, "Slamet Riyadi", 10, 1)
    assert "53 warga" in id_(s.area_brokers, "Slamet Riyadi", 10, 53)
    assert id_(s.area_brokers, "Slamet Riyadi", 3).startswith(
        "Slamet Riyadi dan 2 orang lain menghubungkan warga"
    )
    assert en(s.area_brokers, None, 0).startswith("Nobody stands out")
    assert en(s.area_aid, "KUBE Batik", 0.38) == (
        "KUBE Batik depends most on outside aid: 38% of what its members receive are grants or "
        "goods from institutions."
    )
    assert en(s.area_aid, "KUBE Batik", 0.1) == ""
    assert (
        en(s.area_reciprocity, 0.27)
        == "Help goes both ways in some relationships, but often only one side gives."
    )


# --------------------------------------------------------------------------- a person


def test_person_sentences():
    assert en(s.person_partners, "Rina", 0, 0, 0).startswith("Rina has no recorded exchange with anyone yet")
    assert id_(s.person_partners, "Rina", 0, 0, 0).startswith("Rina belum punya catatan pertukaran")
    assert (
        en(s.person_partners, "Budi", 1, 3, 0)
        == "Budi exchanged help with 1 partner and gives more than they receive."
    )
    assert en(s.person_partners, "Budi", 4, 1, 5).endswith("receives more than they give.")
    assert en(s.person_partners, "Budi", 4, 5, 5).endswith("gives about as much as they receive.")
    assert id_(s.person_partners, "Budi", 4, 5, 5) == (
        "Budi saling bantu dengan 4 orang atau lembaga dan memberi kurang lebih sebanyak yang diterima."
    )
    assert (
        en(s.person_ties, "Sri", 3, 0, 0) == "All of Sri's exchanges are with people from their own groups."
    )
    assert (
        en(s.person_ties, "Sri", 3, 2, 0)
        == "Besides their own groups, Sri is in touch with 2 people from other groups."
    )
    assert en(s.person_ties, "Sri", 3, 2, 1).startswith("Sri is in touch with 1 outside institution")
    assert en(s.person_ties, "Sri", 0, 0, 0) == ""
    # the broker sentence says "would lose touch" only of a cut vertex, with the number
    assert en(s.person_broker, "Slamet", 1, 2, "Kecamatan Kertek", 53) == (
        "Slamet holds part of Kecamatan Kertek together: if they stepped back, 53 people would lose touch "
        "with the rest."
    )
    assert "53 warga" in id_(s.person_broker, "Slamet", 1, 2, "Kecamatan Kertek", 53)
    assert en(s.person_broker, "Slamet", 1, 2, "Kecamatan Kertek", 0) == (
        "Slamet is one of the go-betweens of Kecamatan Kertek (number 1): many paths between people pass "
        "through them, though others could still reach each other without them."
    )
    assert "lose touch" not in en(s.person_broker, "Budi", 4, 2, "Desa X", 0)
    assert (
        en(s.person_broker, "Ani", None, 2, "Desa X")
        == "Ani belongs to 2 groups and carries news and help between them."
    )
    assert en(s.person_broker, "Ani", None, 1, "Desa X") == ""


# -------------------------------------------------------------------- before and after


def test_before_after_sentences():
    assert en(s.change_learning, 0.45, 0.6) == (
        "Knowledge and information made up more of the group's exchanges afterwards (45% before, 60% after)."
    )
    # a higher share alone claims no spreading: the institution's own input may be in it
    assert "menyebar" not in id_(s.change_learning, 0.45, 0.6)
    assert en(s.change_learning, 0.5, 0.3).startswith("Knowledge and information made up less")
    assert en(s.change_learning, 0.5, 0.52).startswith(
        "Knowledge and information made up about the same share"
    )
    assert en(s.change_learning, None, 0.5).startswith("There are too few exchanges")
    assert en(s.change_linking, 1, 3).endswith("the group gained linking ties.")
    assert en(s.change_linking, 3, 1).endswith("fewer linking ties.")
    assert (
        en(s.change_linking, 2, 2)
        == "Members were in touch with 2 outside institutions both before and after."
    )
    # the farmers' training page read "Members were in touch with 0 outside institutions"
    assert en(s.change_linking, 0, 0) == "Members were in touch with no outside institution, before or after."
    assert id_(s.change_linking, 0, 0).startswith("Anggota tidak berhubungan dengan lembaga luar")
    assert id_(s.change_linking, 1, 3) == (
        "Sesudahnya anggota berhubungan dengan 3 lembaga luar, dibanding 1 sebelumnya: "
        "ikatan kelompok ke lembaga bertambah."
    )
    assert en(s.change_exchanges, 0, 0) == "No exchanges were recorded in either period."
    assert (
        en(s.change_exchanges, 1, 4)
        == "1 exchange was recorded in the months before and 4 in the months after."
    )
    assert (
        en(s.change_participation, 0.78, 0.89)
        == "More members came to activities afterwards (78% before, 89% after)."
    )
    assert en(s.change_participation, None, 0.5) == ""
    assert (
        en(s.change_actor, "Dinas", False, True)
        == "Members started exchanging with Dinas after the activity: a new linking tie."
    )
    assert (
        id_(s.change_actor, "Dinas", False, False)
        == "Tidak ada anggota yang bertukar dengan Dinas setelah kegiatan."
    )


def test_percent_is_whole_and_localised():
    assert en(s.percent, 0.456) == "46%"
    assert en(s.percent, None) == ""
    assert en(s.percent, 1.0) == "100%"


def test_indicator_anchors_are_unique_fragment_ids():
    anchors = [indicators.indicator_anchor(key) for key in indicators.INDICATORS]
    assert len(set(anchors)) == len(anchors)
    assert indicators.indicator_anchor("self_reliance") == "self-reliance"


# ----------------------------------------------------------------------------- privacy


def test_pseudonym_is_stable_keyed_and_translated():
    code = pseudonym_code("P-0001")
    assert len(code) == 6 and code == code.upper() and code == pseudonym_code("P-0001")
    assert code != pseudonym_code("P-0002")
    with override_settings(SECRET_KEY="another-secret-key-for-this-test"):
        assert pseudonym_code("P-0001") != code  # not derivable without the key
    assert en(pseudonym, "P-0001") == f"Resident {code}"
    assert id_(pseudonym, "P-0001") == f"Warga {code}"


def test_a_share_in_a_sentence_says_what_it_rests_on():
    """A page's sentences used to say "(29% of exchanges)", "(81% on average)", "(67% of
    them)": now the same base as the table beside them ("29% of 492 exchanges")."""
    bases = {"learning_share": 492, "participation": 13, "balanced_share": 27}
    assert en(s.group_learning, 0.29, bases) == (
        "Some knowledge and information is shared in this group (29% of 492 exchanges)."
    )
    assert id_(s.group_learning, 0.29, bases) == (
        "Ada pengetahuan dan informasi yang dibagi di kelompok ini (29% dari 492 pertukaran)."
    )
    assert en(s.group_participation, 0.81, bases) == (
        "Most members come to the group's activities (on average 81% over 13 activities with attendance)."
    )
    assert en(s.group_giving_back, 0.67, bases) == (
        "Most members who exchange give about as much as they receive (67% of 27 people with exchanges)."
    )
    assert en(s.group_self_reliance, 0.6, 0.72, 2, {"aid_dependence": 95}).startswith(
        "Most of what members receive is aid from outside institutions (72% of 95 exchanges)"
    )
    assert en(s.group_giving_back, 0.3, {"balanced_share": 20}).startswith(
        "Only 30% of 20 people with exchanges give about as much as they receive"
    )


def test_a_change_in_a_share_is_the_difference_of_the_percentages_shown():
    """The before/after table showed "29%, 34%, +4%" and "19%, 20%, +2%" (changes of the
    unrounded shares) and "+0%" for a change that rounds to nothing."""
    from groups.templatetags.reports import pct_change, pct_change_against, pct_signed

    # 0.294 -> 29%, 0.336 -> 34%: shown change 34 - 29 = +5 (unrounded: 4.2)
    assert en(pct_change, 0.294, 0.336) == "+5%"
    # 0.194 -> 19%, 0.2 -> 20%: +1 (a shown 19% -> 20% must never read +2%)
    assert en(pct_change, 0.194, 0.2) == "+1%"
    assert en(pct_change, 0.83, 0.79) == "-4%"
    assert en(pct_change, 0.5, 0.501) == "0%"
    assert en(pct_change, None, 0.5) == "–"
    assert en(pct_signed, 0.004) == "0%"  # not "+0%"
    assert en(pct_signed, 0.016) == "+2%"
    # against a median change of +0.016 (shown +2%): 5 - 2 = +3
    assert en(pct_change_against, 0.294, 0.336, 0.016) == "+3%"
    assert en(pct_change_against, 0.294, 0.336, None) == "–"
    assert id_(pct_change, 0.1, 0.35) == "+25%"


def test_percentage_and_number_filters():
    from groups.templatetags.reports import num, pct

    assert en(pct, 0.456) == "46%"
    assert en(pct, 0.4567, 1) == "45.7%"
    assert id_(pct, 0.4567, 1) == "45,7%"
    assert en(pct, -0.0001) == "0%"
    for blank in (None, "", "x", float("nan")):
        assert en(pct, blank) == "–"
    assert en(num, None) == "–"
    assert en(num, 0.1234) == "0.12"
    assert en(num, 3.0) == "3"


def test_own_money_only_is_said_only_when_nothing_is_owed_outside():
    # own_capital_share is 1 only with no outside loan still owed and no grant this cycle
    assert en(s.group_own_capital, 1.0) == (
        "The group's fund runs on its own money only: no outside loan or grant."
    )
    # 99.7%: something is still owed outside, however little: "mostly", never "100%"
    almost = en(s.group_own_capital, 0.997)
    assert "only" not in almost and "mostly" in almost and "99%" in almost
    assert "100%" not in id_(s.group_own_capital, 0.997)
