"""Files under the var folder are named relative to it, so a machine with the folder elsewhere finds them."""

from __future__ import annotations

from pathlib import Path

from newsroom import var


def test_a_file_under_the_var_folder_is_named_relative_to_it_and_found_under_another(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "web"
    name = var.stored(tmp_path / "web" / "lab" / "night.jsonl")
    assert name == "lab/night.jsonl"
    settings.VAR_DIR = tmp_path / "worker"
    assert var.found(name) == tmp_path / "worker" / "lab" / "night.jsonl"


def test_a_subfolder_linked_to_a_shared_mount_is_still_under_the_var_folder(settings, tmp_path):
    (tmp_path / "mount").mkdir()
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "lab").symlink_to(tmp_path / "mount")
    settings.VAR_DIR = tmp_path / "web"
    assert var.stored(tmp_path / "web" / "lab" / "night.jsonl") == "lab/night.jsonl"


def test_a_file_elsewhere_and_an_older_absolute_name_are_kept_whole(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "web"
    elsewhere = Path("/srv/replays/night.jsonl")
    assert var.stored(elsewhere) == str(elsewhere)
    assert var.found(str(elsewhere)) == elsewhere
