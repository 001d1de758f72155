#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora from the repository's own samples (never copied into the
repository): zips of every sample template set (deflated and stored, by zipfile and by
Info-ZIP zip when present) plus the small hostile zips, and every sample file for the parsers.

    python3 Fuzz/make-seeds.py OUTPUT_FOLDER
"""
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

LIMIT = 64 << 10  # the fuzzers' -max_len


def main():
    out = sys.argv[1]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sets = os.path.join(root, "samples", "template-sets")
    archives = os.path.join(out, "FuzzArchiveReader")
    documents = os.path.join(out, "FuzzTemplateRecognizer")
    for folder in (archives, documents):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
    count = 0
    for name in sorted(os.listdir(sets)):
        for version in sorted(os.listdir(os.path.join(sets, name))):
            base = os.path.join(sets, name, version)
            files = []
            for folder, _, names in os.walk(base):
                for file in sorted(names):
                    files.append(os.path.relpath(os.path.join(folder, file), base))
            for method, tag in ((zipfile.ZIP_DEFLATED, "deflated"), (zipfile.ZIP_STORED, "stored")):
                target = os.path.join(archives, "%s-%s-%s.zip" % (name, version, tag))
                with zipfile.ZipFile(target, "w", method) as archive:
                    for file in sorted(files):
                        archive.write(os.path.join(base, file), file)
            if shutil.which("zip"):
                target = os.path.join(archives, "%s-%s-infozip.zip" % (name, version))
                subprocess.run(["zip", "-qr", "-X", target, "."], cwd=base, check=True)
            for file in files:
                source = os.path.join(base, file)
                if os.path.getsize(source) <= LIMIT:
                    shutil.copy(source, os.path.join(documents, "%s-%s-%s" % (name, version, file.replace("/", "_"))))
                    count += 1
    with tempfile.TemporaryDirectory() as hostile:
        subprocess.run([sys.executable, os.path.join(root, "Tests", "HostileZips", "generate.py"), hostile],
                       check=True, stdout=subprocess.DEVNULL)
        for file in sorted(os.listdir(hostile)):
            path = os.path.join(hostile, file)
            if file.endswith(".zip") and os.path.getsize(path) <= LIMIT:
                shutil.copy(path, os.path.join(archives, "hostile-" + file))
    print("seeds: %d zips, %d documents" % (len(os.listdir(archives)), count))


if __name__ == "__main__":
    main()
