"""How the browser tests find Chromium (tests/conftest.py): $CHROMIUM first, else PATH; with
none, a laptop skips the browser tests with a hint how to install it, and CI fails them. The
same for the tests that need Redis or PostgreSQL on loopback."""

import pytest

from .conftest import INSTALL_HINT, find_chromium, missing_here, service_missing


def which_of(programs: dict):
    return lambda name: programs.get(name)


def test_chromium_on_path_is_found():
    assert find_chromium({}, which_of({"chromium": "/opt/bin/chromium"})) == ("/opt/bin/chromium", "")


def test_the_ubuntu_name_is_found_too():
    found = find_chromium({}, which_of({"chromium-browser": "/usr/bin/chromium-browser"}))
    assert found == ("/usr/bin/chromium-browser", "")


def test_chromium_variable_wins_over_path():
    programs = {"chromium": "/usr/bin/chromium", "/home/me/chrome/chrome": "/home/me/chrome/chrome"}
    found = find_chromium({"CHROMIUM": "/home/me/chrome/chrome"}, which_of(programs))
    assert found == ("/home/me/chrome/chrome", "")


def test_a_chromium_variable_that_names_no_program_is_not_ignored():
    path, reason = find_chromium({"CHROMIUM": "/nowhere/chrome"}, which_of({"chromium": "/usr/bin/chromium"}))
    assert path is None
    assert "/nowhere/chrome" in reason and "apt-get install chromium" in reason


def test_no_chromium_says_how_to_install_it():
    path, reason = find_chromium({}, which_of({}))
    assert path is None
    assert "apt-get install chromium" in reason and "$CHROMIUM" in reason


def test_a_real_program_is_found_through_the_real_which(tmp_path):
    program = tmp_path / "my-chromium"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    assert find_chromium({"CHROMIUM": str(program)}) == (str(program), "")
    program.chmod(0o644)  # not executable: not a browser
    assert find_chromium({"CHROMIUM": str(program)})[0] is None


def test_without_a_browser_a_laptop_skips():
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        missing_here(INSTALL_HINT, {})
    with pytest.raises(pytest.skip.Exception):
        missing_here(INSTALL_HINT, {"CI": "false"})


def test_without_a_browser_ci_fails():
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        missing_here(INSTALL_HINT, {"CI": "true"})


def test_a_service_that_answers_is_not_missing():
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert service_missing("127.0.0.1", listener.getsockname()[1], "Redis") == ""


def test_a_service_that_does_not_answer_is_named_in_the_message():
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    reason = service_missing("127.0.0.1", port, "PostgreSQL")
    assert reason.startswith(f"No PostgreSQL at 127.0.0.1:{port}")
    with pytest.raises(pytest.skip.Exception, match="No PostgreSQL"):
        missing_here(reason, {})
    with pytest.raises(pytest.fail.Exception, match="No PostgreSQL"):
        missing_here(reason, {"CI": "true"})
