"""`journey chapters`: list the Journey chapters of a kernel version with their line ranges."""

from __future__ import annotations

import json

from ..journey.library import Library


def register(sub) -> None:
    parser = sub.add_parser("chapters", help="list the Journey chapters with their line ranges")
    parser.add_argument("--version", help="kernel version (default: newest under the content root)")
    parser.add_argument("--file-order", action="store_true", help="file order instead of Journey order")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(func=run)


def run(args, settings) -> int:
    library = Library(settings.content_root)
    versions = library.versions()
    version = args.version or (versions[-1] if versions else None)
    if version is None:
        print("no kernel versions under", settings.content_root)
        return 1
    chapters = library.chapters_in_file_order(version) if args.file_order else library.chapters(version)
    errors = library.errors(version)
    if args.json:
        print(json.dumps({"version": version, "chapters": [c.to_json() for c in chapters],
                          "errors": [e.to_json()["error"] for e in errors]}, indent=1))
    else:
        for c in chapters:
            print(f"{c.id:6}  {c.file}:{c.start_line}-{c.end_line}  {c.title}")
        for e in errors:
            print(f"error: {e.message}")
    return 1 if errors else 0
