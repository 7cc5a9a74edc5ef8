"""Targets and the scorecard: statuses against a target with its near band and the evidence
rule, the nearest area's target, the form's bad input, the scorecard on the page, as CSV and
as PDF (read back: the figures, and no member's name)."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from groups.models import Target
from groups.scores.targets import FEW, NEAR, OFF, ON, in_force, status

from . import factories as f
from .conftest import share
from .test_villages import EN, HTMX, build_shared_villages, table_rows, two_villages  # noqa: F401

share("two_villages", build_shared_villages, __name__)  # built and scored once for this module

ID = {"HTTP_ACCEPT_LANGUAGE": "id"}


def target(indicator, goal, near=0, area=None):
    return Target(area=area, indicator=indicator, goal=Decimal(goal), near=Decimal(near))


@pytest.mark.parametrize(
    ("indicator", "goal", "near", "value", "enough", "expected"),
    [
        ("participation", 60, 10, 0.60, True, ON),
        ("participation", 60, 10, 0.595, True, ON),  # shown as 60%: never "below 60%"
        ("participation", 60, 10, 0.594, True, NEAR),  # shown as 59%
        ("participation", 60, 10, 0.50, True, NEAR),  # missed by exactly the band
        ("participation", 60, 10, 0.49, True, OFF),
        ("participation", 60, 0, 0.59, True, OFF),  # no band: anything short is off
        ("participation", 60, 10, 0.90, False, FEW),  # too few records: not judged
        ("participation", 60, 10, None, True, FEW),
        ("aid_dependence", 20, 10, 0.20, True, ON),
        ("aid_dependence", 20, 10, 0.25, True, NEAR),
        ("aid_dependence", 20, 10, 0.31, True, OFF),
        ("quiet", 0, 0, 0, True, ON),
        ("quiet", 0, 0, 1, True, OFF),
        ("quiet", 0, 1, 1, True, NEAR),
        ("norm_rating", "3.5", "0.5", 3.0, True, NEAR),
        ("norm_rating", "3.5", "0.5", 2.94, True, OFF),  # shown as 2.9
        ("norm_rating", "3.5", "0.5", 3.46, True, ON),  # shown as 3.5
    ],
)
def test_status_against_a_target(indicator, goal, near, value, enough, expected):
    assert status(target(indicator, goal, near), value, enough).code == expected


def test_the_nearest_areas_target_wins(world):
    Target.objects.create(area=world.district, indicator="participation", goal=80)
    Target.objects.create(area=world.village, indicator="participation", goal=70)
    Target.objects.create(area=world.district, indicator="quiet", goal=0)
    found = in_force([world.village.pk, world.village2.pk, world.other_village.pk])
    assert found[world.village.pk]["participation"].goal == 70
    assert found[world.village2.pk]["participation"].goal == 80
    assert found[world.village.pk]["quiet"].goal == 0  # the district's, not overridden
    assert found[world.other_village.pk] == {}


def scorecard_cells(client, ref="D"):
    """{row name: [(shown value, status words, "no target")]} of the dashboard's scorecard."""
    html = client.get(reverse("groups:report_dashboard", args=[ref]), **EN).content.decode()
    section = html[html.index('<section id="scorecard"') :]
    section = section[: section.index("</section>")]
    rows = re.findall(
        r'<tr class="level-\w+">\s*<th scope="row">(?:<a href="[^"]*">)?([^<]+)(.*?)</tr>', section, re.S
    )
    return {
        name.strip(): re.findall(
            r'<span class="value">([^<]+)</span>\s*(?:<span class="target-status \w+">'
            r'<span class="swatch" aria-hidden="true"></span>([^<]+)</span>'
            r'|<span class="muted">([^<]+)</span>)',
            cells,
        )
        for name, cells in rows
    }


def test_scorecard_judges_areas_and_groups(client, coordinator, two_villages):  # noqa: F811
    """Participation at least 70% near 5 on the district: V1's median 75% on target, V2's 67%
    near (3 short); G1 75% on, G2 67% near, G3 has no activity with attendance (too few)."""
    Target.objects.create(area=two_villages["district"], indicator="participation", goal=70, near=5)
    client.force_login(coordinator)
    cells = scorecard_cells(client)
    assert cells["Kecamatan Kertek"] == [("71% (median of 2 groups)", "on target", "")]
    assert cells["Desa Sumberejo"] == [("75% (median of 1 group)", "on target", "")]
    assert cells["Desa Candimulyo"] == [("67% (median of 1 group)", "near target", "")]
    assert cells["Arisan RT 03"] == [("75% over 3 activities with attendance", "on target", "")]
    assert cells["Karang Taruna"] == [("67% over 3 activities with attendance", "near target", "")]
    assert cells["Kelompok Tani"] == [("–", "too few records", "")]
    # the villages table shows the same status beside the village's median
    body = client.get(reverse("groups:report_villages", args=["D"]), **EN).content.decode()
    assert '<span class="target-status near">' in body and '<span class="target-status on">' in body


def test_setting_a_village_target_changes_its_rows(client, coordinator, two_villages):  # noqa: F811
    Target.objects.create(area=two_villages["district"], indicator="participation", goal=70, near=5)
    client.force_login(coordinator)
    response = client.post(
        reverse("groups:target_set", args=["V2"]), {"indicator": "participation", "goal": "60", "near": ""}
    )
    assert response.status_code == 302
    assert Target.objects.get(area__ref="V2").goal == 60
    cells = scorecard_cells(client)
    assert cells["Desa Candimulyo"][0][1] == "on target"
    assert cells["Karang Taruna"][0][1] == "on target"
    assert cells["Desa Sumberejo"][0][1] == "on target"  # still the district's 70%
    # setting it again replaces it: one target per area and indicator
    client.post(reverse("groups:target_set", args=["V2"]), {"indicator": "participation", "goal": "90"})
    assert list(Target.objects.filter(area__ref="V2").values_list("goal", flat=True)) == [90]
    client.post(reverse("groups:target_delete", args=["V2", "participation"]))
    assert not Target.objects.filter(area__ref="V2").exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"indicator": "participation", "goal": "150"}, "goal", "Berikan target dari 0 sampai 100."),
        ({"indicator": "participation", "goal": "abc"}, "goal", "Masukkan sebuah bilangan."),
        ({"indicator": "quiet", "goal": "1,5"}, "goal", "Berikan bilangan bulat."),
        ({"indicator": "norm_rating", "goal": "0"}, "goal", "Berikan target dari 1 sampai 5."),
        (
            {"indicator": "participation", "goal": "60", "near": "-5"},
            "near",
            "Pastikan nilai ini lebih besar",
        ),
        ({"indicator": "participation", "goal": "60", "near": "200"}, "near", "lebih lebar"),
        ({"indicator": "wealth", "goal": "60"}, "indicator", "Masukkan pilihan yang valid"),
    ],
)
def test_bad_target_input_says_why_in_the_users_language_and_saves_nothing(
    client, coordinator, world, data, field, message
):
    client.force_login(coordinator)
    response = client.post(reverse("groups:target_set", args=["D"]), data, **ID)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Target.objects.exists()


def test_htmx_target_form_swaps_its_region_and_redirects_after_saving(client, coordinator, world):
    client.force_login(coordinator)
    bad = client.post(
        reverse("groups:target_set", args=["D"]), {"indicator": "participation", "goal": "x"}, **HTMX
    )
    assert bad.status_code == 200 and bad.content.decode().lstrip().startswith('<div id="targets"')
    good = client.post(
        reverse("groups:target_set", args=["D"]), {"indicator": "participation", "goal": "60"}, **HTMX
    )
    assert good["HX-Redirect"] == reverse("groups:target_list", args=["D"])


def test_scorecard_csv_columns_and_values(client, coordinator, two_villages):  # noqa: F811
    Target.objects.create(area=two_villages["district"], indicator="participation", goal=70, near=5)
    Target.objects.create(area=two_villages["district"], indicator="quiet", goal=0)
    client.force_login(coordinator)
    response = client.get(reverse("groups:scorecard_download", args=["D"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == [
        "level",
        "ref",
        "name",
        "participation",
        "participation_base",
        "participation_target",
        "participation_status",
        "quiet",
        "quiet_base",
        "quiet_target",
        "quiet_status",
    ]
    by_ref = {row["ref"]: row for row in rows}
    assert [by_ref[r]["level"] for r in ("D", "V1", "V2", "G1", "G2", "G3")] == [
        "area",
        "village",
        "village",
        "group",
        "group",
        "group",
    ]
    assert by_ref["V2"]["participation"] == "0.6667" and by_ref["V2"]["participation_status"] == "near"
    assert by_ref["G1"]["participation_base"] == "3" and by_ref["G1"]["participation_status"] == "on"
    assert by_ref["G3"]["participation_status"] == "few" and by_ref["G3"]["quiet"] == "1"
    assert by_ref["G3"]["quiet_status"] == "off" and by_ref["V2"]["quiet"] == "1"
    assert by_ref["D"]["quiet"] == "1" and by_ref["D"]["quiet_status"] == "off"


def test_every_value_stands_under_its_own_heading_with_all_targets_set(client, coordinator, two_villages):  # noqa: F811
    """With a target on each indicator, the page's headings and the CSV's columns each carry
    their own indicator's value (G1: participation 75%, its group quiet or not)."""
    district = two_villages["district"]
    for indicator, goal in (
        ("participation", 70), ("self_reliance", 50), ("aid_dependence", 20), ("norm_rating", 3), ("quiet", 0)
    ):
        Target.objects.create(area=district, indicator=indicator, goal=goal)
    client.force_login(coordinator)
    html = client.get(reverse("groups:report_dashboard", args=["D"]), **EN).content.decode()
    section = html[html.index('<section id="scorecard"') :]
    head = section[section.index("<thead") : section.index("</thead>")]
    headings = [" ".join(h.split()) for h in re.findall(r'<th scope="col"[^>]*>([^<]+)', head)][1:]
    assert headings == [
        "Participation",
        "Self-reliance",
        "Dependence on outside aid",
        "How well norms are kept",
        "Quiet groups",
    ]
    g1 = dict(zip(headings, scorecard_cells(client)["Arisan RT 03"], strict=True))
    assert g1["Participation"][0] == "75% over 3 activities with attendance"
    assert g1["Quiet groups"][0] == "not quiet"  # G1 met; G3 is the quiet one
    download = client.get(reverse("groups:scorecard_download", args=["D"]))
    rows = csv.DictReader(io.StringIO(download.content.decode()))
    by_ref = {row["ref"]: row for row in rows}
    assert by_ref["G1"]["participation"] == "0.75" and float(by_ref["G1"]["participation_target"]) == 70
    assert by_ref["G1"]["quiet"] == "0" and float(by_ref["G1"]["quiet_target"]) == 0
    assert by_ref["G3"]["quiet"] == "1" and by_ref["G3"]["participation_status"] == "few"
    assert float(by_ref["G1"]["self_reliance_target"]) == 50


def test_scorecard_pdf_reads_back_with_the_figures_and_no_names(client, coordinator, two_villages):  # noqa: F811
    Target.objects.create(area=two_villages["district"], indicator="participation", goal=70, near=5)
    client.force_login(coordinator)
    response = client.get(reverse("groups:scorecard_print", args=["D"]), **EN)
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    assert "Scorecard: Kecamatan Kertek" in text
    assert "Participation at least 70%; near down to 65% (set for Kecamatan Kertek)" in text
    assert "67% (median of 1 group) – near target" in text
    assert "75% over 3 activities with attendance – on target" in text
    for person in two_villages["people"]:
        assert person.full_name not in text


def test_the_methodology_page_explains_targets(client, coordinator):
    client.force_login(coordinator)
    body = client.get(reverse("groups:methodology"), **EN).content.decode()
    assert 'id="targets"' in body and "near band" in body


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "indicator": st.one_of(
                st.sampled_from(["participation", "quiet", "norm_rating", "\x00"]), st.text()
            ),
            "goal": st.one_of(st.sampled_from(["60", "1,5", "-1", "1e309", "NaN", "99999999"]), st.text()),
            "near": st.one_of(st.sampled_from(["5", "-0.01", "Infinity", "0,25"]), st.text()),
        },
    ),
    htmx=st.booleans(),
)
def test_random_target_posts_never_fail_or_save_a_bad_target(client, coordinator, world, data, htmx):
    """The fuzzing of every form (tests/test_safety_fuzz.py) finds forms on their own page;
    this one lives on the targets page, so it is fuzzed here: never a 500, and whatever is
    saved is within its indicator's range."""
    from groups.scores.targets import TARGETABLE

    client.force_login(coordinator)
    headers = HTMX if htmx else {}
    response = client.post(reverse("groups:target_set", args=["D"]), data, **headers)
    assert response.status_code < 500
    saved = response.status_code == 302 or "HX-Redirect" in response
    assert Target.objects.exists() == saved
    for target in Target.objects.all():
        rule = TARGETABLE[target.indicator]
        target.full_clean()
        assert rule.lowest <= target.goal <= (rule.highest if rule.highest is not None else target.goal)
    Target.objects.all().delete()


def test_above_the_districts_targets_are_set_but_nothing_is_computed_at_once(client, staff, world):
    """A regency's targets page sets targets for its districts; the scorecard is each
    district's (reading a regency's snapshot would compute everything below it at once)."""
    from groups.models import AreaLevel, ScoreSnapshot

    regency = f.AreaFactory(ref="R", name="Kabupaten Wonosobo", level=AreaLevel.REGENCY)
    world.district.parent = regency
    world.district.save()
    client.force_login(staff)
    page = client.get(reverse("groups:target_list", args=["R"]), **EN)
    assert page.status_code == 200
    assert "page has its scorecard against these targets." in page.content.decode()
    assert client.get(reverse("groups:scorecard_download", args=["R"])).status_code == 302
    assert not ScoreSnapshot.objects.exists()
    # the table of its districts asks for each district's own computation, never the regency's
    assert client.get(reverse("groups:report_villages", args=["R"])).status_code == 302
    assert set(ScoreSnapshot.objects.values_list("area__ref", flat=True)) == {"D"}
    client.post(reverse("groups:target_set", args=["R"]), {"indicator": "quiet", "goal": "0"})
    assert in_force([world.village.pk])[world.village.pk]["quiet"].area.ref == "R"
