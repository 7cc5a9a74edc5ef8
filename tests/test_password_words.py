"""The login and password pages speak the app's own words ("kata sandi", "Anda"), not
Django's ("Sandi", "anda", "nama pengguna nama pengguna"), in both languages."""

import re

import pytest
from django.urls import reverse

from . import factories as f

PASSWORD_PAGE = reverse("groups:account_password")


def words_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize(
    "language, message",
    [
        ("en", "The username or the password is wrong. Check both: capital and small letters count."),
        ("id", "Nama pengguna atau kata sandi salah. Periksa keduanya: huruf besar dan huruf kecil "
               "dibedakan."),
    ],
)
def test_a_wrong_password_says_so_plainly(client, member, language, message):
    response = client.post(
        reverse("login"), {"username": "anggota", "password": "salah-sekali"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    text = words_of(response)
    assert message in text
    assert "nama pengguna nama pengguna" not in text.lower()


@pytest.fixture
def must_choose(client, world, member):
    world.member_person.must_change_password = True
    world.member_person.save()
    client.force_login(member)
    return client


def test_the_choose_password_page_in_indonesian_uses_the_app_words(must_choose):
    page = words_of(must_choose.get(PASSWORD_PAGE, HTTP_ACCEPT_LANGUAGE="id"))
    assert "Kata sandi baru" in page and "Ulangi kata sandi baru" in page
    assert "Kata sandi Anda paling sedikit 8 huruf atau angka." in page
    assert "Kata sandi Anda tidak boleh hanya berisi angka." in page
    assert not re.search(r"\bSandi\b", page)
    assert not re.search(r"\banda\b", page)  # "Anda" is written with a capital


@pytest.mark.parametrize(
    "first, second, language, message",
    [
        ("Sawah-hijau-2026", "Sawah-hijau-2027", "id", "Kedua kata sandi tidak sama."),
        ("Sawah-hijau-2026", "Sawah-hijau-2027", "en", "The two passwords are not the same."),
        ("Kopi-1", "Kopi-1", "id", "Kata sandi ini terlalu pendek: pakai paling sedikit 8 huruf atau angka."),
        ("12345678901", "12345678901", "id", "Kata sandi ini hanya berisi angka: tambahkan beberapa huruf."),
        ("password", "password", "id", "Kata sandi ini terlalu umum: banyak orang memakainya."),
        ("password", "password", "en", "This password is too common: many people use it. Choose another."),
    ],
)
def test_password_mistakes_are_explained_in_the_app_words(
    must_choose, world, first, second, language, message
):
    response = must_choose.post(
        PASSWORD_PAGE, {"new_password1": first, "new_password2": second}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    assert message in words_of(response)
    world.member_person.refresh_from_db()
    assert world.member_person.must_change_password  # nothing saved


def test_changing_a_password_later_asks_for_the_current_one_in_the_app_words(client, member):
    client.force_login(member)
    assert "Kata sandi sekarang" in words_of(client.get(PASSWORD_PAGE, HTTP_ACCEPT_LANGUAGE="id"))
    wrong = client.post(
        PASSWORD_PAGE,
        {"old_password": "nope", "new_password1": "Kopi-tubruk-99x", "new_password2": "Kopi-tubruk-99x"},
        HTTP_ACCEPT_LANGUAGE="id",
    )
    assert "Kata sandi Anda yang sekarang salah. Ketik sekali lagi." in words_of(wrong)
    member.refresh_from_db()
    assert member.check_password(f.TEST_PASSWORD)
