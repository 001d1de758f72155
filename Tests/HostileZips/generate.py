#!/usr/bin/env python3
"""Writes TemplateTrack's corpus of hostile zips, and a manifest of what must happen to each.

    python3 Tests/HostileZips/generate.py OUTPUT_FOLDER

Nothing here is committed as a binary: every case is built at test time, mostly byte by byte
(names with NUL bytes, headers that lie, 8 GiB declared with a few bytes of data, zip64
records, overlapping entries are all things `zipfile` will not write), some by Python's
`zipfile` and some by Info-ZIP `zip` (symbolic links with -y, encryption with -P).

OUTPUT_FOLDER/manifest.json is a JSON array, one object per case:

    name      the case, also its file name without ".zip"
    file      the zip's file name in OUTPUT_FOLDER
    about     what the case is, in a few words
    expect    "accepted" or "refused"
    code      for refused cases: TemplateTrackError.Code's raw value
    entry     for refused cases: the entry name the error must name, as TemplateTrack decodes
              it (UTF-8, or CP437 when the bytes are not UTF-8), or "archive" when the error
              concerns the whole archive
    entryHex  the entry name's stored bytes, in hex (for names that are not valid UTF-8, the
              message must also show them, as `\\xNN`)
    stage     "open" when ArchiveReader(path:limits:) must refuse it (from the central
              directory and declared sizes, before inflating), "inflate" when only inflating
              can tell (CRC, sizes that lie), so `checkAll()` must refuse it
    message   optional: words the error message must contain
    limits    optional: limits to use instead of the defaults (maxEntries, maxEntrySize,
              maxTotalSize, maxRatio)
    files     for accepted cases: the files TemplateTrack must list, as {path, size, sha256}
              (path decoded as above; folders end in "/")

Decisions recorded here (and in the cases):
  * Bytes before the first entry (a self-extractor's stub, or anything glued in front) are
    refused, whether or not the offsets were adjusted (`zip -A`): ImmPort serves plain zips,
    and a prefix means the download is not the archive ImmPort made.
  * NFC and NFD spellings of a name, and names differing only in case, are different bytes
    and so different files: accepted, as unzip writes both on Linux.
  * A byte >= 0x80 in a name not flagged UTF-8 is CP437 (0x85 is "à"): accepted.
  * A valid zip with no entries is accepted (it has no files).
"""

import bz2
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
import zlib

UTF8_FLAG = 0x0800
UNIX = 3
DOS_TIME = 0x6000  # 12:00:00
DOS_DATE = 0x5761  # 2023-11-01


# ---------------------------------------------------------------------------------------------
# CRC-32 of long runs of zeros without touching gigabytes: zlib's crc32_combine, in Python.

def _gf2_times(matrix, vector):
    total = 0
    i = 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _gf2_square(matrix):
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1, crc2, len2):
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def zeros_bomb(total, chunk=1 << 20):
    """Raw deflate of `total` zero bytes (a multiple of `chunk`), and its CRC-32, in
    milliseconds: after a full flush deflate starts afresh, so every chunk compresses to the
    same bytes, and the stream is those bytes repeated."""
    assert total % chunk == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(b"\0" * chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert block == again
    tail = compressor.flush()
    count = total // chunk
    crc = zlib.crc32(b"\0" * chunk)
    length = chunk
    result_crc, result_len, n = 0, 0, count
    # Binary doubling: crc(2L) = combine(crc(L), crc(L), L).
    while n:
        if n & 1:
            result_crc = crc32_combine(result_crc, crc, length) if result_len else crc
            result_len += length
        crc = crc32_combine(crc, crc, length)
        length *= 2
        n >>= 1
    return block * count + tail, result_crc


def deflate(data):
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


# ---------------------------------------------------------------------------------------------
# A zip writer that writes whatever it is told, including lies.

class Entry:
    def __init__(self, name, data=b"", *, method=8, utf8=None, flags=0, mode=0o100644, opsys=UNIX,
                 external=None, **lies):
        self.name = name.encode("utf-8") if isinstance(name, str) else name
        if utf8 is None:
            utf8 = isinstance(name, str) and not name.isascii()
        self.flags = flags | (UTF8_FLAG if utf8 else 0)
        self.method = method
        self.data = data
        if "compressed" in lies:
            self.payload = lies.pop("compressed")
        else:
            self.payload = deflate(data) if method == 8 else data
        self.crc = zlib.crc32(data)
        self.size = len(data)
        self.csize = len(self.payload)
        self.opsys = opsys
        self.external = external if external is not None else (mode << 16)
        # Lies: central/local sizes, CRC, names, offsets and zip64 fields that differ from
        # the data.
        self.lies = lies

    def get(self, key, default):
        return self.lies.get(key, default)


def build(entries, *, prefix=b"", adjust_prefix=False, force_zip64=False, eocd_count=None,
          zip64_eocd=None, comment=b""):
    """The archive's bytes. `prefix` goes before the first entry; with `adjust_prefix` the
    offsets count it (as `zip -A` does), else they are those of the archive without it."""
    out = bytearray(prefix)
    base = len(prefix) if adjust_prefix else 0
    central = bytearray()
    for entry in entries:
        offset = len(out) - len(prefix) + base
        offset = entry.get("offset", offset)
        size = entry.get("size", entry.size)
        csize = entry.get("csize", entry.csize)
        local_size = entry.get("local_size", size)
        local_csize = entry.get("local_csize", csize)
        crc = entry.get("crc", entry.crc)
        zip64 = force_zip64 or entry.get("zip64", False) or size >= 0xFFFFFFFF or csize >= 0xFFFFFFFF
        version = 45 if zip64 else 20
        # Local header.
        local_name = entry.get("local_name", entry.name)
        local_extra = b""
        if zip64:
            local_extra = struct.pack("<HHQQ", 1, 16, local_size, local_csize)
            header_size, header_csize = 0xFFFFFFFF, 0xFFFFFFFF
        else:
            header_size, header_csize = local_size, local_csize
        if not entry.get("skip_local", False):
            out += struct.pack("<IHHHHHIIIHH", 0x04034B50, version, entry.flags, entry.method, DOS_TIME,
                               DOS_DATE, crc, header_csize, header_size, len(local_name), len(local_extra))
            out += local_name + local_extra + entry.payload
        # Central record.
        extra = b""
        if zip64:
            extra = struct.pack("<HHQQQ", 1, 24, entry.get("cd_zip64_size", size), csize, offset)
            cd_size, cd_csize, cd_offset = 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF
        else:
            cd_size, cd_csize, cd_offset = size, csize, offset
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, (entry.opsys << 8) | version, version,
                               entry.flags, entry.method, DOS_TIME, DOS_DATE, crc, cd_csize, cd_size,
                               len(entry.name), len(extra), 0, 0, 0, entry.external, cd_offset)
        central += entry.name + extra
    cd_offset = len(out) - len(prefix) + base
    cd_size = len(central)
    out += central
    count = len(entries) if eocd_count is None else eocd_count
    if zip64_eocd or (zip64_eocd is None and (count >= 0xFFFF or force_zip64)):
        record = len(out) - len(prefix) + base
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, (UNIX << 8) | 45, 45, 0, 0, count, count, cd_size,
                           cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, record, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, len(comment))
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_offset, len(comment))
    out += comment
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# The cases.

def display_name(raw, utf8_flag):
    """The name as TemplateTrack decodes it: UTF-8 when valid, else CP437 above 0x7F (and
    U+FFFD for invalid bytes when the name is flagged UTF-8, where CP437 would be wrong)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        if utf8_flag:
            return raw.decode("utf-8", "replace")
        return "".join(chr(b) if b < 0x80 else bytes([b]).decode("cp437") for b in raw)


class Corpus:
    def __init__(self, folder):
        self.folder = folder
        self.cases = []

    def add(self, name, about, data, expect, code=None, entry=None, stage="open", message=None,
            limits=None, files=None, utf8_flag=False):
        path = os.path.join(self.folder, name + ".zip")
        if data is not None:
            with open(path, "wb") as handle:
                handle.write(data)
        case = {"name": name, "file": name + ".zip", "about": about, "expect": expect}
        if expect == "refused":
            assert code and entry is not None
            case["code"] = code
            case["stage"] = stage
            if isinstance(entry, bytes):
                case["entryHex"] = entry.hex()
                case["entry"] = display_name(entry, utf8_flag)
            else:
                case["entry"] = entry
                if entry != "archive":
                    case["entryHex"] = entry.encode("utf-8").hex()
        else:
            assert files is not None
            case["files"] = files
        if message:
            case["message"] = message
        if limits:
            case["limits"] = limits
        self.cases.append(case)

    def unsafe_name(self, name, about, raw_name, message, utf8=None):
        """One good file, then the unsafe one."""
        entry = Entry(raw_name, b"bad\n", utf8=utf8)
        data = build([Entry("good.txt", b"fine\n"), entry])
        self.add(name, about, data, "refused", "unsafeEntry", entry.name, message=message,
                 utf8_flag=bool(entry.flags & UTF8_FLAG))

    def write_manifest(self):
        names = [case["name"] for case in self.cases]
        assert len(names) == len(set(names)), "case names must be unique"
        with open(os.path.join(self.folder, "manifest.json"), "w", encoding="utf-8") as handle:
            json.dump(self.cases, handle, indent=1, ensure_ascii=True)
            handle.write("\n")


def file_record(path, data):
    return {"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def names(corpus):
    c = corpus
    c.unsafe_name("absolute-path", "an absolute path", "/etc/evil.txt", "absolute")
    c.unsafe_name("drive-letter", "a Windows drive letter", "C:/evil.txt", "drive-letter")
    c.unsafe_name("drive-relative", "a drive-relative Windows path", "C:evil.txt", "drive-letter")
    c.unsafe_name("dotdot-leading", "'..' first", "../evil.txt", "'..'")
    c.unsafe_name("dotdot-inside", "'..' climbing out from a folder", "docs/../../evil.txt", "'..'")
    c.unsafe_name("dot-segment", "a '.' segment", "docs/./evil.txt", "'.'")
    c.unsafe_name("empty-segment", "an empty segment", "docs//evil.txt", "empty path segment")
    c.unsafe_name("backslash", "a backslash (a separator on Windows)", "docs\\..\\evil.txt", "backslash")
    c.unsafe_name("empty-name", "an empty name", b"", "empty name")
    c.unsafe_name("nul", "a real NUL byte (unzip stops the name there)", b"docs/evil\x00.txt", "control character")
    c.unsafe_name("esc", "ESC: a terminal escape sequence", b"docs/\x1b[31mred.txt", "control character")
    c.unsafe_name("newline", "a newline (another C0 control)", b"docs/two\nlines.txt", "control character")
    c.unsafe_name("bell", "BEL (another C0 control)", b"docs/bell\x07.txt", "control character")
    c.unsafe_name("del", "DEL", b"docs/del\x7f.txt", "control character")
    c.unsafe_name("c1-nel", "C1 control U+0085 (NEL), UTF-8 flagged", "docs/nel\u0085.txt", "control character")
    c.unsafe_name("c1-csi", "C1 control U+009B (CSI), UTF-8 flagged", "docs/csi\u009b31m.txt", "control character")
    c.unsafe_name("bidi-override", "bidi override U+202E (txt.exe shown as exe.txt)", "docs/\u202etxt.exe",
                  "formatting character")
    c.unsafe_name("bidi-isolate", "bidi isolate U+2066", "docs/\u2066evil.txt", "formatting character")
    c.unsafe_name("zero-width-space", "zero-width space U+200B", "docs/evil\u200b.txt", "formatting character")
    c.unsafe_name("bom", "byte-order mark U+FEFF", "\ufeffdocs/evil.txt", "formatting character")
    c.unsafe_name("line-separator", "line separator U+2028", "docs/evil\u2028.txt", "line or paragraph separator")
    c.unsafe_name("unflagged-utf8-bidi", "bidi override in valid UTF-8 without the UTF-8 flag",
                  "docs/\u202etxt.exe".encode("utf-8"), "formatting character", utf8=False)
    c.unsafe_name("invalid-utf8", "a name flagged UTF-8 that is not UTF-8", b"docs/bad\xff.txt", "not valid UTF-8",
                  utf8=True)
    c.unsafe_name("overlong-utf8-slash", "an overlong UTF-8 '/' (C0 AF), flagged UTF-8", b"docs\xc0\xafevil.txt",
                  "not valid UTF-8", utf8=True)
    c.unsafe_name("utf8-surrogate", "a UTF-16 surrogate encoded in UTF-8, flagged UTF-8", b"docs/\xed\xa0\x80.txt",
                  "not valid UTF-8", utf8=True)
    c.unsafe_name("long-component", "a 256-byte path component", "docs/" + "a" * 252 + ".txt", "255 bytes")
    c.unsafe_name("long-path", "a 4097-byte path of short components",
                  "/".join(["d" * 200] * 20) + "/" + "f" * 77, "4096 bytes")

    # Names TemplateTrack accepts.
    nfc, nfd = unicodedata.normalize("NFC", "caf\u00e9.txt"), unicodedata.normalize("NFD", "caf\u00e9.txt")
    assert nfc != nfd
    data = build([Entry(nfc, b"composed\n"), Entry(nfd, b"decomposed\n")])
    c.add("nfc-nfd", "NFC and NFD spellings of one name: different bytes, two files", data, "accepted",
          files=[file_record(nfc, b"composed\n"), file_record(nfd, b"decomposed\n")])
    data = build([Entry("README.txt", b"upper\n"), Entry("readme.txt", b"lower\n")])
    c.add("case-differing", "names differing only in case: two files, as on Linux", data, "accepted",
          files=[file_record("README.txt", b"upper\n"), file_record("readme.txt", b"lower\n")])
    # 300 paths 2,047 folders deep (4,096 bytes each): judging them must cost time in proportion
    # to their bytes, not to the sum of every ancestor's length (about 2 GB here).
    deep = "/".join(["a"] * 2045)
    records = [file_record("%s/f%04d" % (deep, n), b"%d\n" % n) for n in range(300)]
    data = build([Entry(record["path"], b"%d\n" % n, method=0) for n, record in enumerate(records)])
    c.add("deep-paths", "300 files 2,046 folders deep, 4,096-byte paths: accepted, in linear time", data,
          "accepted", files=records)
    data = build([Entry(b"na\x85ve.txt", b"cp437\n", utf8=False)])
    c.add("cp437-name", "byte 0x85 without the UTF-8 flag is CP437 '\u00e0', not C1 NEL", data, "accepted",
          files=[file_record("na\u00e0ve.txt", b"cp437\n")])


def kinds(corpus, tools):
    c = corpus
    # A folder entry that carries data.
    folder = Entry("docs/", b"hidden data\n", mode=0o040755)
    data = build([Entry("good.txt", b"fine\n"), folder])
    c.add("folder-with-data", "a folder entry declaring data", data, "refused", "unsafeEntry", "docs/",
          message="folder")
    folder = Entry("docs/", b"", mode=0o040755, compressed=deflate(b"hidden data\n"))
    data = build([Entry("good.txt", b"fine\n"), folder])
    c.add("folder-with-hidden-data", "a folder declaring 0 bytes whose data inflates to more", data, "refused",
          "invalidArchive", "docs/")
    link = Entry("link.txt", b"/etc/passwd", method=0, mode=0o120777)
    data = build([Entry("good.txt", b"fine\n"), link])
    c.add("symlink-crafted", "a symbolic link (Unix mode 120777)", data, "refused", "unsafeEntry", "link.txt",
          message="symbolic link")
    secret = Entry("secret.txt", b"", flags=0x1, method=0, compressed=os.urandom(12) + b"payload")
    data = build([Entry("good.txt", b"fine\n"), secret])
    c.add("encrypted-flag", "the encryption flag bit on an entry", data, "refused", "unsafeEntry", "secret.txt",
          message="encrypted")
    method = Entry("imploded.txt", b"", method=6, compressed=b"\x00\x01\x02\x03")
    data = build([Entry("good.txt", b"fine\n"), method])
    c.add("unsupported-method", "compression method 6 (implode), which libzip cannot read", data, "refused",
          "invalidArchive", "imploded.txt", message="compression method")

    # Made by real tools.
    if tools:
        with tempfile.TemporaryDirectory() as work:
            source = os.path.join(work, "src")
            os.mkdir(source)
            with open(os.path.join(source, "real.txt"), "w") as handle:
                handle.write("real\n")
            os.symlink("/etc/passwd", os.path.join(source, "link.txt"))
            target = os.path.join(corpus.folder, "symlink-zip-y.zip")
            subprocess.run(["zip", "-qy", target, "real.txt", "link.txt"], cwd=source, check=True)
            c.add("symlink-zip-y", "a symbolic link stored by Info-ZIP zip -y", None, "refused", "unsafeEntry",
                  "link.txt", message="symbolic link")
            target = os.path.join(corpus.folder, "encrypted-zip-P.zip")
            subprocess.run(["zip", "-q", "-P", "fixture-only", target, "real.txt"], cwd=source, check=True)
            c.add("encrypted-zip-P", "an entry encrypted by Info-ZIP zip -P", None, "refused", "unsafeEntry",
                  "real.txt", message="encrypted")


def duplicates(corpus):
    c = corpus
    target = os.path.join(c.folder, "duplicate-zipfile.zip")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("templates.json", "[1]")
            archive.writestr("templates.json", "[2]")
    c.add("duplicate-zipfile", "one name twice, written by Python's zipfile", None, "refused", "unsafeEntry",
          "templates.json", message="duplicates")
    data = build([Entry(b"caf\x82.txt", b"cp437\n", utf8=False), Entry("caf\u00e9.txt", b"utf-8\n")])
    c.add("duplicate-after-cp437", "CP437 'caf\\x82.txt' and UTF-8 'caf\u00e9.txt': one name once decoded",
          data, "refused", "unsafeEntry", "caf\u00e9.txt", message="duplicates")
    data = build([Entry("docs/", b"", mode=0o040755, method=0), Entry("docs", b"a file\n")])
    c.add("duplicate-file-and-folder", "a folder entry and a file entry of one path", data, "refused",
          "unsafeEntry", "docs", message="duplicates")
    data = build([Entry("docs", b"a file\n"), Entry("docs/inner.txt", b"under it\n")])
    c.add("file-is-folder", "a file that is also another entry's folder", data, "refused", "unsafeEntry",
          "docs/inner.txt", message="which is a file")
    data = build([Entry("docs/inner.txt", b"under it\n"), Entry("docs", b"a file\n")])
    c.add("folder-is-file", "an entry under a folder that a later entry makes a file", data, "refused",
          "unsafeEntry", "docs/inner.txt", message="which is a file")


def integrity(corpus):
    c = corpus
    text = b"subjecthumans\tSchema Version 3.18\n" + b"ImmPort template row\n" * 200
    good = Entry("good.txt", b"fine\n")

    data = build([good, Entry("data.txt", text, crc=zlib.crc32(text) ^ 0x5A5A)])
    c.add("crc-mismatch", "a CRC that does not match the data", data, "refused", "invalidArchive", "data.txt",
          stage="inflate", message="CRC")
    longer = text + b"and more than it declares\n"
    data = build([good, Entry("data.txt", longer, size=len(text), crc=zlib.crc32(longer))])
    c.add("size-larger-than-declared", "data inflating to more than the declared size", data, "refused",
          "invalidArchive", "data.txt", stage="inflate", message="declares")
    data = build([good, Entry("data.txt", text, size=len(text) + 100)])
    c.add("size-smaller-than-declared", "data inflating to less than the declared size", data, "refused",
          "invalidArchive", "data.txt", stage="inflate", message="declares")
    payload = deflate(text)
    data = build([good, Entry("data.txt", text, csize=len(payload) // 2, local_csize=len(payload) // 2)])
    c.add("compressed-size-too-small", "a compressed size cutting the deflate stream short", data, "refused",
          "invalidArchive", "data.txt", stage="inflate")
    data = build([Entry("data.txt", text, csize=len(payload) + 40, local_csize=len(payload) + 40),
                  Entry("next.txt", b"next\n")])
    c.add("compressed-size-too-large", "a compressed size running into the next entry", data, "refused",
          "invalidArchive", "data.txt", message="overlap")
    data = build([good, Entry("data.txt", text, local_name=b"evil.exe")])
    c.add("local-name-differs", "a local header naming another file than the central directory", data,
          "refused", "invalidArchive", "data.txt", message="local header")
    data = build([good, Entry("data.txt", text, local_size=len(text) + 1)])
    c.add("local-size-differs", "local header and central directory disagree on the size", data, "refused",
          "invalidArchive", "data.txt", message="local header disagrees")

    whole = build([good, Entry("data.txt", text)])
    c.add("truncated", "the first half of a zip", whole[: len(whole) // 2], "refused", "invalidArchive",
          "archive")
    c.add("truncated-central-directory", "a zip cut inside its central directory", whole[:-30], "refused",
          "invalidArchive", "archive")
    c.add("garbage", "random bytes", os.urandom(4096), "refused", "invalidArchive", "archive")
    c.add("html-page", "a sign-in page saved as .zip", b"<html><body>Please sign in</body></html>\n", "refused",
          "invalidArchive", "archive")
    c.add("empty-file", "zero bytes", b"", "refused", "invalidArchive", "archive", message="empty")
    data = build([good, Entry("data.txt", text)], eocd_count=3)
    c.add("count-mismatch", "an end record counting 3 entries for 2 in the central directory", data, "refused",
          "invalidArchive", "archive")
    data = build([])
    c.add("empty-zip", "a valid zip with no entries (accepted: it holds no files)", data, "accepted", files=[])

    # Two central records pointing at the same data: a second name for one body of bytes, and the
    # trick behind overlapping zip bombs.
    first = Entry("a.txt", text)
    twin = Entry("b.txt", text, offset=0, skip_local=True)
    data = build([first, twin])
    c.add("overlap-same-data", "two central records pointing at the same local entry", data, "refused",
          "invalidArchive", "b.txt", message="overlap")
    # The second entry's header sits inside the first one's data (stored, so its bytes are
    # there verbatim), as in David Fifield's overlapping bomb.
    inner_name = b"inner.txt"
    inner_data = b"inner\n"
    inner_local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, DOS_TIME, DOS_DATE, zlib.crc32(inner_data),
                              len(inner_data), len(inner_data), len(inner_name), 0) + inner_name + inner_data
    outer_data = b"outer\n" + inner_local + b"tail\n"
    outer = Entry("outer.txt", outer_data, method=0)
    inner = Entry(inner_name, inner_data, method=0, offset=30 + len(b"outer.txt") + 6, skip_local=True)
    data = build([outer, inner])
    c.add("overlap-inside", "an entry whose header lies inside another entry's data", data, "refused",
          "invalidArchive", "outer.txt", message="overlap")

    # Bytes in front: a self-extractor's stub.
    stub = b"#!/bin/sh\necho 'self-extracting'\nexit 0\n" + b"\0" * 64
    data = build([good, Entry("data.txt", text)], prefix=stub)
    c.add("prefix-unadjusted", "bytes before the first entry, offsets not adjusted (cat stub a.zip)", data,
          "refused", "invalidArchive", "archive")
    data = build([good, Entry("data.txt", text)], prefix=stub, adjust_prefix=True)
    c.add("prefix-adjusted", "bytes before the first entry, offsets adjusted as zip -A does", data, "refused",
          "invalidArchive", "archive", message="before")

    # Made the normal way by Python: data descriptors (streamed) and zip64 records.
    target = os.path.join(c.folder, "streamed-zipfile.zip")

    class Unseekable:
        def __init__(self, handle):
            self.handle = handle

        def write(self, b):
            return self.handle.write(b)

        def flush(self):
            self.handle.flush()

    with open(target, "wb") as raw:
        with zipfile.ZipFile(Unseekable(raw), "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("templates.json", b"[]\n")
            archive.writestr("docs/readme.txt", text)
    c.add("streamed-zipfile", "written to a pipe by zipfile: data descriptors after each entry", None,
          "accepted", files=[file_record("templates.json", b"[]\n"), file_record("docs/readme.txt", text)])
    target = os.path.join(c.folder, "zip64-zipfile.zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("big.txt", "w", force_zip64=True) as handle:
            handle.write(text)
    c.add("zip64-zipfile", "zip64 sizes written by zipfile for a small file", None, "accepted",
          files=[file_record("big.txt", text)])


def limits(corpus):
    c = corpus
    # 900 MB of zeros in under a megabyte (the audit's case): over the per-entry limit and the
    # ratio limit; declared sizes alone refuse it.
    bomb, crc = zeros_bomb(900 << 20)
    data = build([Entry("zeros.txt", b"", compressed=bomb, size=900 << 20, crc=crc)])
    c.add("bomb-900mb", "900 MiB of zeros in %d KiB" % (len(data) >> 10), data, "refused", "limitExceeded",
          "zeros.txt", message="900 MiB")
    bomb, crc = zeros_bomb(200 << 20)
    data = build([Entry("zeros.txt", b"", compressed=bomb, size=200 << 20, crc=crc)])
    c.add("bomb-ratio", "200 MiB of zeros (under the size limit, over the ratio limit)", data, "refused",
          "limitExceeded", "zeros.txt", message="compresses")
    # bzip2 goes far beyond deflate's 1032:1: 100 MiB of zeros in about a hundred bytes.
    zeros = bytes(100 << 20)
    packed = bz2.compress(zeros, 9)
    data = build([Entry("zeros.txt", b"", method=12, compressed=packed, size=len(zeros), crc=zlib.crc32(zeros))])
    c.add("bomb-bzip2", "100 MiB of zeros compressed by bzip2 into %d bytes" % len(packed), data, "refused",
          "limitExceeded", "zeros.txt", message="compresses")
    text = b"subjecthumans\tSchema Version 3.18\n" * 100
    data = build([Entry("bzip2.txt", b"", method=12, compressed=bz2.compress(text), size=len(text),
                        crc=zlib.crc32(text))])
    c.add("bzip2-file", "an ordinary bzip2-compressed file (method 12, which libzip reads)", data, "accepted",
          files=[file_record("bzip2.txt", text)])
    # 8 GiB of zeros, really: about 8 MB of deflate, with zip64 sizes saying so up front.
    bomb, crc = zeros_bomb(8 << 30)
    data = build([Entry("good.txt", b"fine\n"), Entry("zeros.txt", b"", compressed=bomb, size=8 << 30, crc=crc)])
    c.add("bomb-8gib", "8 GiB of zeros in %d MiB, sizes declared in zip64 fields" % (len(data) >> 20), data,
          "refused", "limitExceeded", "zeros.txt", message="8 GiB")
    # The same bomb declaring 1000 bytes: only streaming can tell, and must stop at byte 1001.
    data = build([Entry("good.txt", b"fine\n"), Entry("zeros.txt", b"", compressed=bomb, size=1000, crc=crc)])
    c.add("bomb-8gib-lying", "8 GiB of zeros declaring 1000 bytes", data, "refused", "invalidArchive",
          "zeros.txt", stage="inflate", message="declares")
    # 8 GiB declared with a few bytes behind it.
    data = build([Entry("zeros.txt", b"\0" * 16, size=8 << 30, zip64=True)])
    c.add("bomb-8gib-declared-tiny", "8 GiB declared in zip64 fields with 5 bytes of data", data, "refused",
          "limitExceeded", "zeros.txt")
    # zip64 extra field lying: the 32-bit fields defer to it, and it understates.
    text = b"0123456789abcdef\n" * 4096
    data = build([Entry("good.txt", b"fine\n"), Entry("data.txt", text, zip64=True, size=100, local_size=100)])
    c.add("zip64-size-lie", "zip64 sizes understating what the data inflates to", data, "refused",
          "invalidArchive", "data.txt", stage="inflate", message="declares")
    data = build([Entry("good.txt", b"fine\n"), Entry("data.txt", text, zip64=True, cd_zip64_size=8 << 30)])
    c.add("zip64-size-mismatch", "zip64 sizes of local header and central directory disagree (8 GiB)", data,
          "refused", "limitExceeded", "data.txt")

    # 65,537 entries (zip64 end record, since the 16-bit count cannot hold it): one over the default.
    many = [Entry("f%05d" % n, b"", method=0) for n in range(65_537)]
    c.add("too-many-entries", "65,537 empty files (default limit 65,536)", build(many), "refused",
          "limitExceeded", "archive", message="65537 entries")
    c.add("too-many-entries-small-limit", "11 entries under a limit of 10", build(many[:11]), "refused",
          "limitExceeded", "archive", limits={"maxEntries": 10})
    parts = [Entry("part%d.bin" % n, os.urandom(400 << 10), method=0) for n in range(3)]
    c.add("total-over-limit", "three 400 KiB files under a 1 MiB total limit", build(parts), "refused",
          "limitExceeded", "archive", limits={"maxTotalSize": 1 << 20})
    one = Entry("large.bin", os.urandom(1536 << 10), method=0)
    c.add("entry-over-limit", "a 1.5 MiB file under a 1 MiB per-entry limit", build([Entry("good.txt", b"ok"), one]),
          "refused", "limitExceeded", "large.bin", limits={"maxEntrySize": 1 << 20})
    # Declared total over the default 2 GiB, five 440 MiB entries each within the ratio limit
    # (the compressed bytes are declared, not real: refused before anything is read).
    fives = [Entry("part%d.bin" % n, b"", method=8, compressed=b"\x03\x00", size=440 << 20, csize=5 << 20,
                   local_csize=5 << 20) for n in range(5)]
    c.add("total-over-default-declared", "five entries declaring 440 MiB each (2.1 GiB in all)", build(fives),
          "refused", "limitExceeded", "archive", message="2 GiB")


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: generate.py OUTPUT_FOLDER\n")
        sys.exit(64)
    folder = sys.argv[1]
    os.makedirs(folder, exist_ok=True)
    corpus = Corpus(folder)
    tools = shutil.which("zip") is not None
    if not tools:
        sys.stderr.write("generate.py: Info-ZIP zip not found; skipping the cases it makes\n")
    names(corpus)
    kinds(corpus, tools)
    duplicates(corpus)
    integrity(corpus)
    limits(corpus)
    corpus.write_manifest()
    print("%d cases in %s" % (len(corpus.cases), folder))


if __name__ == "__main__":
    main()
