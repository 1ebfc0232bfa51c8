"""scripts/demo.py: one place for its state, and failures said in one line, never a traceback."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from scripts import demo, pulumi_project
from tests.engine import copy_project


@pytest.fixture
def demo_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo pointed at a copy of the root program, so that nothing touches this checkout's demo."""
    project = copy_project(".", tmp_path)
    monkeypatch.setattr(demo, "REPO", project)
    monkeypatch.setattr(demo, "DEMO", project / ".demo")
    monkeypatch.setattr(demo, "STACK_SETTINGS", project / f"Pulumi.{demo.STACK}.yaml")
    (project / ".demo").mkdir()
    return project


def only_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_an_emulator_that_cannot_start_is_one_line_that_says_what_to_do(
    demo_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (demo_project / ".demo" / "emulator").write_text("a file where the emulator's data folder goes")
    with pytest.raises(SystemExit) as exit_status:
        demo.main([])
    assert exit_status.value.code == 1
    line = only_line(capsys.readouterr().err)
    assert line.startswith("demo: the emulator could not start (exit status 2: ")
    assert "/.demo/emulator" in line and line.endswith("fix that and run ./scripts/demo again")


def test_a_bug_is_one_line_and_its_traceback_goes_to_a_file(
    demo_project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise KeyError("connectionUri")

    monkeypatch.setattr(demo, "up", broken)
    with pytest.raises(SystemExit):
        demo.main([])
    line = only_line(capsys.readouterr().err)
    assert line.startswith("demo: KeyError: 'connectionUri' (details in .demo/demo-error.log; ")
    assert "Traceback" in (demo_project / ".demo" / "demo-error.log").read_text()


def test_the_engines_error_line_is_taken_out_of_a_command_error() -> None:
    error = (
        "\n code: 255\n stdout: \n stderr: warning: A new version of Pulumi is available\n"
        "error: could not create secrets manager for new stack: incorrect passphrase\n"
    )
    assert demo.pulumi_reason(error) == "could not create secrets manager for new stack: incorrect passphrase"
    assert demo.pulumi_reason("\n code: 1\n stdout: x\n stderr: \n") == "see its output above"


def test_removing_the_demo_folder_starts_over(demo_project: Path, pulumi_bin_dirs: list[Path]) -> None:
    """The stack settings file keeps the salt of .demo/'s passphrase: removing .demo/ must not leave a demo
    that dies with `incorrect passphrase`."""
    emulator = {"apiUrl": "http://127.0.0.1:9/cloudapi/v6", "token": "demo-token"}
    for _ in range(2):
        pulumi = demo.engine()
        stack = pulumi.stack(demo_project, demo.STACK)
        demo.configure(pulumi, stack, emulator)
        assert stack.get_all_config()["ionos-postgres:password"].secret
        assert demo.STACK_SETTINGS.exists()
        shutil.rmtree(demo.DEMO)
        demo.DEMO.mkdir()


def test_the_settings_of_a_demo_whose_folder_remains_are_kept(demo_project: Path) -> None:
    demo.STACK_SETTINGS.write_text("encryptionsalt: v1:kept\n")
    (demo.DEMO / "passphrase").write_text("the passphrase that salt belongs to")
    demo.forget_settings_of_a_removed_demo()
    assert demo.STACK_SETTINGS.read_text() == "encryptionsalt: v1:kept\n"


def test_no_pulumi_cli_says_so_in_one_line(demo_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As when two runs raced to build the CLI: ensure-pulumi said why on stderr; the demo adds one line
    (main prints a DemoError as `demo: ...`, as for the emulator above), not a traceback."""

    def no_cli() -> list[Path]:
        raise subprocess.CalledProcessError(1, ["scripts/ensure-pulumi"])

    monkeypatch.setattr(pulumi_project, "ensure_cli", no_cli)
    with pytest.raises(demo.DemoError) as failure:
        demo.engine()
    assert str(failure.value) == (
        "getting a Pulumi CLI (scripts/ensure-pulumi) failed: exit status 1, its message above; "
        "fix what it says and run ./scripts/demo again"
    )


def test_down_says_stopped_only_once_the_emulator_has_ended(
    demo_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    info = demo.start_emulator()
    demo.stop_emulator()
    said = capsys.readouterr().out
    assert f"emulator: stopped ({info['url']}; pid {info['pid']} has ended" in said
    # the process itself: its port, once free, may be taken by any other program on the machine meanwhile
    assert demo.has_ended(int(info["pid"]))


def test_down_kills_an_emulator_that_does_not_end_and_says_so(
    demo_project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hung emulator (stopped: SIGTERM waits until it is continued). Before, `--down` printed "stopped"
    while it went on holding its port."""
    monkeypatch.setattr(demo, "STOP_DEADLINE", 1.0)
    info = demo.start_emulator()
    os.kill(int(info["pid"]), signal.SIGSTOP)
    demo.stop_emulator()
    said = capsys.readouterr().out
    assert f"emulator: did not stop within 1 s of SIGTERM; killed it (pid {info['pid']})" in said
    assert "emulator: stopped" not in said
    assert demo.has_ended(int(info["pid"]))
