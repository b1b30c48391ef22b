"""Check an uploaded file before reading it: does it hold what it claims, is a ZIP safe?

A ZIP upload must hold exactly one data file, with a plain relative name
(no ``..``, no absolute path: zip-slip), a declared and an *actual* unpacked
size under ``MAX_UNZIPPED`` and a compression ratio under ``MAX_RATIO`` (zip
bombs). Nothing is ever extracted to disk by its archived name.
"""
import os
import posixpath
import tempfile
import zipfile

from app.interchange.errors import FormatError
from app.interchange.formats import FORMATS
from app.messages import N_, Message

MAX_UNZIPPED = int(os.environ.get("ATLAS_MAX_UNZIPPED", 256 * 1024 * 1024))
MAX_RATIO = 200
MAX_MEMBERS = 20
ZIP_MAGIC = b"PK\x03\x04"
SQLITE_MAGIC = b"SQLite format 3\x00"


def describe(head):
    """What the first bytes of a file look like, in words."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(SQLITE_MAGIC):
        return N_("an SQLite database")
    if head.startswith(ZIP_MAGIC):
        return N_("a ZIP archive")
    if head.startswith(b"%PDF"):
        return N_("a PDF document")
    if b"\x00" in head:
        return N_("binary data")
    if stripped[:1] in (b"{", b"["):
        return "JSON"
    return N_("text")


def _peek(stream, size=4096):
    head = stream.read(size)
    stream.seek(0)
    return head


def check_claimed_format(stream, fmt):
    """Return a readable stream of ``fmt`` content, unzipping a ZIP; else ``FormatError``."""
    head = _peek(stream)
    if head.startswith(ZIP_MAGIC):
        stream = unzip_single(stream)
        head = _peek(stream)
    seen = describe(head)
    if seen not in FORMATS[fmt].content:
        raise FormatError(N_("the file was sent as %(claimed)s but holds %(seen)s"),
                          claimed=Message(FORMATS[fmt].claim), seen=Message(seen))
    return stream


def _safe_name(name):
    if name.startswith(("/", "\\")) or ":" in name.split("/")[0] or "\\" in name:
        return False
    return ".." not in posixpath.normpath(name).split("/") and \
        not posixpath.normpath(name).startswith("..")


def unzip_single(stream):
    """The one data file inside a ZIP, copied (size-capped) to a temporary file."""
    try:
        archive = zipfile.ZipFile(stream)
        members = [m for m in archive.infolist() if not m.is_dir()
                   and not m.filename.startswith("__MACOSX/")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise FormatError(N_("the ZIP archive is damaged: %(error)s"), error=exc) from None
    for member in archive.infolist():
        if not _safe_name(member.filename):
            raise FormatError(N_("the ZIP archive holds an unsafe path %(path)r "
                                 "(absolute or leaving the folder); refused"),
                              path=member.filename)
    if len(members) != 1:
        raise FormatError(N_("a ZIP upload must hold exactly one data file, not %(n)s"),
                          n=len(members))
    member = members[0]
    if member.file_size > MAX_UNZIPPED or (
            member.file_size > 1_000_000 and member.file_size > MAX_RATIO * max(
                member.compress_size, 1)):
        raise FormatError(N_("%(name)s would unpack to %(size)s bytes; "
                             "refused as a possible zip bomb"),
                          name=member.filename, size=f"{member.file_size:,}")
    return _copy_capped(archive, member)


def _copy_capped(archive, member):
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    total = 0
    try:
        with archive.open(member) as src:
            while chunk := src.read(1024 * 1024):
                total += len(chunk)
                if total > MAX_UNZIPPED:
                    raise FormatError(N_("%(name)s unpacks past %(size)s bytes; "
                                         "refused as a possible zip bomb"),
                                      name=member.filename, size=f"{MAX_UNZIPPED:,}")
                out.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        out.close()
        raise FormatError(N_("the ZIP archive is damaged: %(error)s"), error=exc) from None
    except FormatError:
        out.close()
        raise
    out.seek(0)
    return out
