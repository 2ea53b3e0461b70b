#!/usr/bin/env python3
"""The Tauri configuration as every platform's build reads it: a real file (Git for
Windows checks a symlink out as a text file, and the .msi build would read that), valid
against the Tauri CLI's own config schema (the Windows and macOS sections are not built
here, so nothing else would check them), with the installers the admins were promised."""
import json
import os
import sys

import jsonschema

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
config_path = os.path.join(root, "src-tauri", "tauri.conf.json")
schema_path = os.path.join(root, "node_modules", "@tauri-apps", "cli", "config.schema.json")

problems = []
if os.path.islink(config_path):
    problems.append("src-tauri/tauri.conf.json is a symlink: it must be a real file")
with open(config_path, encoding="utf-8") as f:
    config = json.load(f)
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
for error in jsonschema.Draft7Validator(schema).iter_errors(config):
    where = " > ".join(str(p) for p in error.absolute_path) or "(top)"
    problems.append(f"tauri.conf.json {where}: {error.message}")

bundle = config["bundle"]
for target in ["deb", "rpm", "msi", "nsis", "dmg"]:
    if target not in bundle["targets"]:
        problems.append(f"bundle.targets lacks {target}")
windows = bundle["windows"]
if windows.get("webviewInstallMode", {}).get("type") != "offlineInstaller":
    problems.append("the WebView2 runtime is not bundled for offline installs")
if windows.get("nsis", {}).get("installMode") != "currentUser":
    problems.append("the NSIS installer is not per-user")
for kind in ["deb", "rpm"]:
    template = bundle["linux"][kind].get("desktopTemplate")
    if not template or not os.path.isfile(os.path.join(root, "src-tauri", template)):
        problems.append(f"the {kind} has no desktop file template")

for p in problems:
    print(f"check-config: {p}", file=sys.stderr)
if problems:
    sys.exit(1)
print("check-config: src-tauri/tauri.conf.json is a real file, valid against Tauri's schema")
