"""The map of groups: groups.geojson (RFC 7946, read back with the `geojson` library), the
village outlines (file checks, the load_boundaries command, the staff's upload), the map on
the dashboard, and who may open each new address (the URL x role matrix below).

World (tests/conftest.py): district D with villages V1 (G1) and V2 (G2); district E with W (H).
Scores are stored by hand here (a snapshot row per community) so every band is checked
against values worked out in the docstrings, not against the code's own arithmetic."""

import datetime as dt
import io
import json
from decimal import Decimal
from html import unescape as html_unescape

import geojson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from groups import maps
from groups.access import Scope
from groups.models import AreaBoundary, GroupKind, GroupScore, ScoreSnapshot, SnapshotStatus
from groups.scores.pages import map as map_page
from groups.scores.pages.map import feature_collection

from . import factories as f

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SQUARE = [[110.0, -7.4], [110.01, -7.4], [110.01, -7.39], [110.0, -7.39], [110.0, -7.4]]


@pytest.fixture(autouse=True)
def english(client, settings):
    """Pages and the file checks speak English here (one test pins Indonesian)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def outline_file(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def polygon(name="Desa Sumberejo", ring=SQUARE, **properties) -> dict:
    return {
        "type": "Feature",
        "properties": {"nama": name, **properties},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@pytest.fixture
def placed(world):
    """G1 and G2 have positions; a third group G3 in V2 has none; H (district E) has one."""
    for group, lat, lon in [
        (world.group, "-7.380100", "109.961200"),
        (world.group2, "-7.390000", "109.970000"),
    ]:
        group.latitude, group.longitude = Decimal(lat), Decimal(lon)
        group.save()
    world.other_group.latitude, world.other_group.longitude = Decimal("-7.5"), Decimal("110.1")
    world.other_group.save()
    return f.GroupFactory(ref="G3", name="Kelompok Tani Makmur", kind=GroupKind.FARMERS, area=world.village2)


@pytest.fixture
def scores(world, placed):
    """Participation in D's latest snapshot: G1 0.8 over 4 activities, G3 0.5 over 3 (both
    enough: the minimum is 3), G2 0.2 over 1 (too few). Median of the two with enough
    evidence: (0.8 + 0.5) / 2 = 0.65; tolerance 0.05: G1 +0.15 "higher", G3 -0.15 "lower".
    Exchanges (a count, no minimum): G1 12, G2 3, G3 5: median 5, tolerance 0.5: G1
    "higher", G2 "lower", G3 "same"."""
    today = timezone.localdate()
    snapshot = ScoreSnapshot.objects.create(
        area=world.district,
        period_start=today - dt.timedelta(days=364),
        period_end=today,
        rolling=True,
        status=SnapshotStatus.DONE,
        computed_at=timezone.now(),
    )
    rows = [(world.group, 0.8, 4, 12), (world.group2, 0.2, 1, 3), (placed, 0.5, 3, 5)]
    for group, participation, activities, exchanges in rows:
        GroupScore.objects.create(
            snapshot=snapshot,
            group=group,
            participation=participation,
            exchanges=exchanges,
            size=4,
            bases={"participation": activities},
        )
    return snapshot


NESTED = ("values", "bases", "shown", "bands")


def url(name, ref="D"):
    return reverse(f"groups:{name}", args=[ref])


# --- groups.geojson -------------------------------------------------------------------------------


def test_geojson_is_a_valid_rfc7946_feature_collection_of_the_groups_in_scope(client, coordinator, scores):
    client.force_login(coordinator)
    response = client.get(url("area_groups_geojson"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    collection = geojson.loads(response.content.decode())
    assert isinstance(collection, geojson.FeatureCollection) and collection.is_valid, collection.errors()
    by_ref = {feature["properties"]["ref"]: feature for feature in collection["features"]}
    assert set(by_ref) == {"G1", "G2", "G3"}  # not H: district E is outside the coordinator's scope
    # [longitude, latitude], as RFC 7946 orders them
    assert by_ref["G1"]["geometry"]["coordinates"] == [109.9612, -7.3801]
    assert by_ref["G2"]["geometry"]["coordinates"] == [109.97, -7.39]
    assert by_ref["G3"]["geometry"] is None  # no position: a feature without geometry
    g1 = by_ref["G1"]["properties"]
    assert (g1["kind"], g1["name"], g1["area"]) == ("arisan", "Arisan RT 03", "Desa Sumberejo")
    assert g1["url"] == reverse("groups:report_group", args=["G1"])
    assert g1["values"]["participation"] == 0.8 and g1["bases"]["participation"] == 4


def test_geojson_bands_follow_the_median_and_the_evidence_rule(client, coordinator, scores):
    client.force_login(coordinator)
    collection = client.get(url("area_groups_geojson")).json()
    props = {feature["properties"]["ref"]: feature["properties"] for feature in collection["features"]}
    assert [props[ref]["bands"]["participation"] for ref in ("G1", "G2", "G3")] == ["higher", "few", "lower"]
    assert [props[ref]["bands"]["exchanges"] for ref in ("G1", "G2", "G3")] == ["higher", "lower", "same"]
    assert props["G2"]["shown"]["participation"] == "too few records (1)"
    assert props["G1"]["shown"]["participation"] == "80% over 4 activities with attendance"
    assert collection["medians"]["participation"]["value"] == pytest.approx(0.65)
    assert collection["medians"]["participation"]["shown"] == "65%"
    assert collection["medians"]["exchanges"]["shown"] == "5"
    assert props["G1"]["bands"]["self_reliance"] == "none"  # no value stored


def test_geojson_has_flat_fields_for_qgis_and_downloads_as_a_file(client, coordinator, scores):
    """QGIS reads a nested object as JSON text: each figure is also a flat field of its own
    (the same values as the nested ones the map's script reads). ?download=1 saves the file."""
    client.force_login(coordinator)
    response = client.get(url("area_groups_geojson"), {"download": "1"}, **EN)
    assert response["Content-Disposition"] == 'attachment; filename="groups-D.geojson"'
    collection = geojson.loads(response.content.decode())
    assert collection.is_valid, collection.errors()
    props = {feature["properties"]["ref"]: feature["properties"] for feature in collection["features"]}
    g1, g2 = props["G1"], props["G2"]
    assert (g1["participation"], g1["participation_base"], g1["participation_band"]) == (0.8, 4, "higher")
    assert g1["participation_shown"] == "80% over 4 activities with attendance"
    assert (g2["participation_band"], g2["participation_shown"]) == ("few", "too few records (1)")
    assert g1["self_reliance"] is None and g1["self_reliance_band"] == "none"
    for key in ("participation", "exchanges", "aid_dependence"):  # flat and nested agree
        for ref in ("G1", "G2", "G3"):
            assert props[ref][key] == props[ref]["values"].get(key)
            assert props[ref][f"{key}_band"] == props[ref]["bands"][key]
    assert all(not isinstance(v, dict | list) for k, v in g1.items() if k not in NESTED)
    shown = client.get(url("area_groups_geojson"))
    assert shown["Content-Disposition"] == 'inline; filename="groups-D.geojson"'
    dashboard = client.get(url("report_dashboard")).content.decode()
    assert f'href="{url("area_groups_geojson")}?download=1" download>' in dashboard


def test_geojson_carries_no_personal_data(client, coordinator, scores, world):
    world.group.description = "Dipimpin Sri Handayani, 0812-3456-7890"
    world.group.save()
    client.force_login(coordinator)
    text = client.get(url("area_groups_geojson")).content.decode()
    for secret in ("Sri Handayani", "Siti Maryati", "P-MEMBER", "0812", "Dipimpin"):
        assert secret not in text


def test_a_village_page_has_only_its_groups_and_a_facilitator_only_theirs(client, facilitator, scores):
    client.force_login(facilitator)
    collection = client.get(url("area_groups_geojson", "V1")).json()
    assert [f["properties"]["ref"] for f in collection["features"]] == ["G1"]


def test_geojson_without_scores_still_lists_the_groups(client, coordinator, placed):
    client.force_login(coordinator)
    collection = geojson.loads(client.get(url("area_groups_geojson")).content.decode())
    assert collection.is_valid
    assert {f["properties"]["ref"] for f in collection["features"]} == {"G1", "G2", "G3"}
    assert collection["features"][0]["properties"]["bands"]["participation"] == "none"


def test_geojson_queries_do_not_grow_with_groups(coordinator, scores, world):
    scope = Scope(coordinator)
    with CaptureQueriesContext(connection) as few:
        feature_collection(Scope(coordinator), world.district)
    for _ in range(15):
        f.GroupFactory(area=world.village, latitude=Decimal("-7.3"), longitude=Decimal("110.0"))
    with CaptureQueriesContext(connection) as many:
        assert len(feature_collection(scope, world.district)["features"]) == 18
    assert len(many) <= len(few)


# --- outlines: reading a file -------------------------------------------------------------------------


def test_a_good_file_keeps_only_outlines_and_names():
    ring = [[*point, 312.5] for point in SQUARE]  # an altitude is dropped
    raw = outline_file(
        polygon("Desa Sumberejo", ring, pemilik="Budi Santoso"),
        {
            "type": "Feature",
            "properties": {"WADMKD": "Candimulyo"},
            "geometry": {"type": "MultiPolygon", "coordinates": [[SQUARE]]},
        },
    )
    cleaned = maps.read_outlines(raw)
    assert [f["properties"] for f in cleaned["features"]] == [
        {"name": "Desa Sumberejo"},
        {"name": "Candimulyo"},
    ]
    assert cleaned["features"][0]["geometry"]["coordinates"] == [SQUARE]
    assert "Budi" not in json.dumps(cleaned)
    assert geojson.loads(json.dumps(cleaned)).is_valid


def test_a_bare_polygon_and_a_bom_are_read():
    raw = "\ufeff" + json.dumps({"type": "Polygon", "coordinates": [SQUARE]})
    assert len(maps.read_outlines(raw.encode())["features"]) == 1


BAD_FILES = [
    (b"\xff\xfe not utf-8", "could not be read as JSON"),
    (b"{not json", "could not be read as JSON"),
    (
        b'{"type": "Polygon", "coordinates": [[[NaN, 1], [1, 1], [1, 2], [NaN, 1]]]}',
        "could not be read as JSON",
    ),
    (b"[1, 2, 3]", "should be a FeatureCollection"),
    (outline_file(), "holds no outlines"),
    (
        outline_file(
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [110, -7]}}
        ),
        "Outline 1 is a Point",
    ),
    (outline_file(polygon(), polygon(ring=SQUARE[:-1])), "Outline 2 is not closed"),
    (
        outline_file(polygon(ring=[[lat, lon] for lon, lat in SQUARE[:-1]] + [[-7.4, 200.0]])),
        "longitude first",
    ),
    (outline_file(polygon(ring=[[True, -7.4], *SQUARE[1:-1], [True, -7.4]])), "longitude first"),
    (outline_file(polygon(ring=[[10**400, -7.4], *SQUARE[1:-1], [10**400, -7.4]])), "longitude first"),
    (
        outline_file({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": []}}),
        "has no coordinates",
    ),
    (b"[" * 100_000, "could not be read as JSON"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_FILES)
def test_a_bad_file_is_refused_with_a_clear_message(raw, message):
    with pytest.raises(maps.OutlineError, match=message):
        maps.read_outlines(raw)


def test_too_many_outlines_are_refused(monkeypatch):
    monkeypatch.setattr(maps, "MAX_FEATURES", 2)
    with pytest.raises(maps.OutlineError, match="holds 3 outlines; at most 2"):
        maps.read_outlines(outline_file(polygon(), polygon(), polygon()))


# --- outlines: the command ------------------------------------------------------------------------------


def test_load_boundaries_stores_and_replaces(world, tmp_path):
    path = tmp_path / "kertek.geojson"
    path.write_bytes(outline_file(polygon("Desa Sumberejo"), polygon("Desa Candimulyo")))
    out = io.StringIO()
    call_command("load_boundaries", "D", str(path), stdout=out)
    assert "2 outlines loaded for Kecamatan Kertek" in out.getvalue()
    path.write_bytes(outline_file(polygon("Desa Baru")))
    call_command("load_boundaries", "D", str(path), stdout=io.StringIO())
    boundary = AreaBoundary.objects.get(area=world.district)
    assert [f["properties"]["name"] for f in boundary.features["features"]] == ["Desa Baru"]
    assert boundary.file_name == "kertek.geojson"


def test_load_boundaries_refuses_a_bad_file_and_keeps_the_old_outlines(world, tmp_path):
    maps.load_outlines(area=world.district, raw=outline_file(polygon("Desa Lama")))
    path = tmp_path / "bad.geojson"
    path.write_bytes(outline_file(polygon(), polygon(ring=SQUARE[:3])))
    with pytest.raises(CommandError, match="Outline 2 is not closed"):
        call_command("load_boundaries", "D", str(path))
    with pytest.raises(CommandError, match="no area with the code NOPE"):
        call_command("load_boundaries", "NOPE", str(path))
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("load_boundaries", "D", str(tmp_path / "missing.geojson"))
    boundary = AreaBoundary.objects.get(area=world.district)
    assert [f["properties"]["name"] for f in boundary.features["features"]] == ["Desa Lama"]


# --- outlines: the upload -------------------------------------------------------------------------------


def upload(raw: bytes, name="kertek.geojson"):
    return {"file": SimpleUploadedFile(name, raw, content_type="application/geo+json")}


def test_staff_upload_stores_the_outlines(client, staff, world):
    client.force_login(staff)
    assert client.get(url("area_outlines_upload")).status_code == 200
    response = client.post(url("area_outlines_upload"), upload(outline_file(polygon())))
    assert response.status_code == 302 and response["Location"] == reverse(
        "groups:report_dashboard", args=["D"]
    )
    assert AreaBoundary.objects.get(area=world.district).features["features"][0]["properties"] == {
        "name": "Desa Sumberejo"
    }


@pytest.mark.parametrize(("raw", "message"), [BAD_FILES[1], BAD_FILES[5], BAD_FILES[7]])
def test_staff_upload_of_a_bad_file_says_why_and_saves_nothing(client, staff, world, raw, message):
    maps.load_outlines(area=world.district, raw=outline_file(polygon("Desa Lama")))
    client.force_login(staff)
    response = client.post(url("area_outlines_upload"), upload(raw))
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert (
        AreaBoundary.objects.get(area=world.district).features["features"][0]["properties"]["name"]
        == "Desa Lama"
    )


def test_upload_in_indonesian_says_why_in_indonesian(client, staff, world, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    client.force_login(staff)
    response = client.post(url("area_outlines_upload"), upload(b"{not json"))
    assert response.status_code == 200
    assert "bukan GeoJSON" in response.content.decode()


def test_upload_without_a_file_and_htmx_answer_the_form_only(client, staff, world):
    client.force_login(staff)
    response = client.post(url("area_outlines_upload"), {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    text = response.content.decode()
    assert "This field is required" in text and "<html" not in text
    assert not AreaBoundary.objects.exists()


def test_outlines_of_the_district_are_drawn_on_its_villages(client, facilitator, world):
    maps.load_outlines(area=world.district, raw=outline_file(polygon("Desa Sumberejo")))
    maps.load_outlines(area=world.other_district, raw=outline_file(polygon("Desa Lain")))
    client.force_login(facilitator)
    collection = geojson.loads(client.get(url("area_outlines_geojson", "V1")).content.decode())
    assert collection.is_valid
    assert [f["properties"]["name"] for f in collection["features"]] == ["Desa Sumberejo"]


# --- the map on the dashboard -------------------------------------------------------------------------


def test_dashboard_shows_the_map_table_and_the_groups_without_position(client, coordinator, scores):
    client.force_login(coordinator)
    text = client.get(reverse("groups:report_dashboard", args=["D"])).content.decode()
    assert 'id="group-map"' in text and "js/map.js" in text and "vendor/leaflet/leaflet.js" in text
    table = text.split("The groups on the map as a table")[1].split("</details>")[0]
    assert "Arisan RT 03" in table and "Karang Taruna" in table and "Kelompok Tani Makmur" not in table
    aside = text.split("Groups without a position")[1].split("</aside>")[0]
    assert "Kelompok Tani Makmur" in aside and "Arisan RT 03" not in aside
    assert reverse("groups:area_groups_geojson", args=["D"]) in text
    assert reverse("groups:area_outlines_upload", args=["D"]) not in text  # staff only
    assert "<script>" not in text  # the CSP forbids inline script: data comes as JSON


def test_a_regency_of_thousands_of_groups_names_a_few_and_links_to_the_rest(
    client, coordinator, world, scores, monkeypatch
):
    """Each list beside and below the map names at most LISTED groups (a regency's thousands
    made its page megabytes) and says how many more, where they are."""
    monkeypatch.setattr(map_page, "LISTED", 1)
    f.GroupFactory(ref="G-MAWAR", name="Posyandu Mawar", area=world.village)  # no position either
    client.force_login(coordinator)
    text = client.get(reverse("groups:report_dashboard", args=["D"])).content.decode()
    table = text.split("The groups on the map as a table")[1].split("</details>")[0]
    assert table.count('<th scope="row">') == 1
    assert ("Arisan RT 03" in table) != ("Karang Taruna" in table)
    assert "And 1 more group on the map: the download below has them all." in table
    aside = text.split("Groups without a position")[1].split("</aside>")[0]
    assert ("Kelompok Tani Makmur" in aside) != ("Posyandu Mawar" in aside)
    more = f'<a href="{reverse("groups:group_list")}?area=D">And 1 more group: see the list of groups</a>'
    assert more in aside


def test_dashboard_without_positions_shows_no_map_but_lists_the_groups(client, staff, world):
    client.force_login(staff)
    text = client.get(reverse("groups:report_dashboard", args=["D"])).content.decode()
    assert 'id="group-map"' not in text and "vendor/leaflet" not in text
    assert "Arisan RT 03" in text.split("Groups without a position")[1]
    assert reverse("groups:area_outlines_upload", args=["D"]) in text


OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def test_the_tile_server_is_a_setting_and_the_csp_allows_it(monkeypatch):
    """Production reads MAP_TILE_URL (OpenStreetMap's by default) and lets the CSP load its
    images; tests run offline with none unless set."""
    import importlib

    import communitymap.settings as module

    monkeypatch.setenv("TESTING", "false")
    monkeypatch.setenv("SECRET_KEY", "test-only-not-secret")
    monkeypatch.delenv("MAP_TILE_URL", raising=False)
    fresh = importlib.reload(module)
    try:
        assert fresh.MAP_TILE_URL == OSM and "OpenStreetMap" in fresh.MAP_TILE_ATTRIBUTION
        assert "https://tile.openstreetmap.org" in fresh.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
        monkeypatch.setenv("MAP_TILE_URL", "https://{s}.tiles.example.org/{z}/{x}/{y}.png")
        fresh = importlib.reload(module)
        assert "https://*.tiles.example.org" in fresh.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
        assert fresh.tile_origin("") == []
    finally:
        monkeypatch.undo()
        importlib.reload(module)


def test_the_page_hands_the_tile_setting_to_the_script(client, coordinator, placed, settings):
    settings.MAP_TILE_URL = OSM
    client.force_login(coordinator)
    html = client.get(reverse("groups:report_dashboard", args=["D"])).content.decode()
    config = json.loads(html_unescape(html.split('data-map-config="')[1].split('"')[0]))
    assert config["tiles"] == OSM
    assert config["geojson"] == reverse("groups:area_groups_geojson", args=["D"])


# --- who may open each new address: URL x role -------------------------------------------------------

MATRIX = [
    # (url name, method, role, expected status)
    *[
        (name, "get", role, status)
        for name in ("area_groups_geojson", "area_outlines_geojson")
        for role, status in [
            ("anonymous", 302),
            ("coordinator", 200),
            ("facilitator", 200),
            ("staff", 200),
            ("member", 404),
            ("other_coordinator", 404),
            ("other_facilitator", 404),
        ]
    ],
    *[(name, "post", "coordinator", 405) for name in ("area_groups_geojson", "area_outlines_geojson")],
    *[
        ("area_outlines_upload", "get", role, status)
        for role, status in [
            ("anonymous", 302),
            ("staff", 200),
            ("coordinator", 403),
            ("facilitator", 403),
            ("member", 404),
            ("other_coordinator", 404),
            ("other_facilitator", 404),
        ]
    ],
    ("area_outlines_upload", "put", "staff", 405),
]


@pytest.mark.parametrize(("name", "method", "role", "status"), MATRIX)
def test_access_matrix(client, world, request, name, method, role, status):
    """The facilitator looks after G1 (village V1): the matrix asks for V1, in their scope. A
    member has no area pages at all (404, as for the dashboard); every other role in scope
    reads reports, so only the upload has a 403 row."""
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    response = getattr(client, method)(url(name, "V1"))
    assert response.status_code == status
    if status == 302:
        assert "/accounts/login/" in response["Location"]
    if status == 403 and name == "area_outlines_upload":
        assert not AreaBoundary.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"), [("member", 404), ("coordinator", 403), ("other_coordinator", 404)]
)
def test_only_staff_may_post_outlines(client, world, request, role, status):
    """A member has no area at all (404, as for every area page); a coordinator reads the
    area but may not load outlines (403)."""
    client.force_login(request.getfixturevalue(role))
    response = client.post(url("area_outlines_upload", "V1"), upload(outline_file(polygon())))
    assert response.status_code == status and not AreaBoundary.objects.exists()


def test_a_regency_map_holds_the_groups_of_all_its_districts(client, staff, world, scores):
    """A regency's page rolls up its districts: its map and GeoJSON hold every group below it,
    with the scores of each group's own district (D's snapshot for G1; none yet for H)."""
    regency = f.AreaFactory(ref="R", name="Kabupaten Wonosobo", level="regency")
    for district in (world.district, world.other_district):
        district.parent = regency
        district.save()
    client.force_login(staff)
    collection = client.get(url("area_groups_geojson", "R")).json()
    props = {feature["properties"]["ref"]: feature["properties"] for feature in collection["features"]}
    assert set(props) == {"G1", "G2", "G3", "H"}
    assert props["G1"]["values"]["participation"] == 0.8 and props["H"]["values"] == {}
    page = client.get(reverse("groups:report_dashboard", args=["R"])).content.decode()
    assert "Kelompok Lain" in page.split("The groups on the map as a table")[1]


# --- random files: never a 500, never half saved ------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)
GEOMETRY_LIKE = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["FeatureCollection", "Feature", "Polygon", "MultiPolygon", "Point"]),
        "features": st.lists(
            st.fixed_dictionaries(
                {
                    "type": st.just("Feature"),
                    "properties": JSON_VALUES,
                    "geometry": st.fixed_dictionaries(
                        {
                            "type": st.sampled_from(["Polygon", "MultiPolygon", "LineString"]),
                            "coordinates": JSON_VALUES,
                        }
                    ),
                }
            ),
            max_size=3,
        ),
        "coordinates": JSON_VALUES,
    }
)


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    raw=st.binary(max_size=200)
    | JSON_VALUES.map(lambda v: json.dumps(v).encode())
    | GEOMETRY_LIKE.map(lambda v: json.dumps(v).encode())
)
def test_random_files_are_read_or_refused_never_crash(raw):
    try:
        cleaned = maps.read_outlines(raw)
    except maps.OutlineError as error:
        assert str(error)
    else:
        assert geojson.loads(json.dumps(cleaned)).is_valid


@hypothesis_settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=100) | GEOMETRY_LIKE.map(lambda v: json.dumps(v).encode()))
def test_random_uploads_answer_without_error_and_save_whole_files_only(client, staff, world, raw):
    AreaBoundary.objects.all().delete()
    client.force_login(staff)
    response = client.post(url("area_outlines_upload"), upload(raw))
    assert response.status_code in (200, 302)
    stored = AreaBoundary.objects.filter(area=world.district).first()
    assert (stored is not None) == (response.status_code == 302)
    if stored is not None:
        assert geojson.loads(json.dumps(stored.features)).is_valid
